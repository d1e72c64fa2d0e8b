package io.nats4j.server.auth;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;

/**
 * The server's own nkey (prefix 'N'): an Ed25519 key pair made at start. Its public key is the server id,
 * and it signs what the server issues (the auth callout's authorization requests), as nats-server's
 * {@code s.kp} does. The private key never leaves the process.
 */
public final class ServerKey {

    private final PrivateKey privateKey;
    private final String publicKey;

    private ServerKey(PrivateKey privateKey, String publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** A fresh key pair. */
    public static ServerKey generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = kp.getPublic().getEncoded();
            // X.509 SubjectPublicKeyInfo of Ed25519: a fixed 12-byte header, then the 32 raw key bytes
            byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            return new ServerKey(kp.getPrivate(), NKeys.encodePublic(NKeys.PREFIX_SERVER, raw));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available: " + e.getMessage(), e);
        }
    }

    /** The public nkey (N...), the server id. */
    public String publicKey() {
        return publicKey;
    }

    /** The Ed25519 signature of {@code data}. Any thread. */
    public byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
    }
}
