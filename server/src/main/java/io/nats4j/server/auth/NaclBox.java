package io.nats4j.server.auth;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * NaCl's {@code crypto_box} (curve25519-xsalsa20-poly1305), as Go's {@code nacl/box} and so nkeys' xkeys use
 * it: X25519 (the JDK's) gives a shared secret, HSalsa20 turns it into a key, and XSalsa20 encrypts while
 * Poly1305 authenticates. The sealed form is the 16-byte tag followed by the ciphertext. The JDK has no Salsa20
 * or Poly1305: those come from Bouncy Castle ({@link SecretBox}), whose implementations are constant-time, and
 * whose classes are loaded only when a box is sealed or opened (an auth callout with {@code xkey}). Checked
 * against NaCl's published vectors.
 */
public final class NaclBox {

    /** Bytes the sealed form adds: the Poly1305 tag. */
    public static final int OVERHEAD = 16;
    public static final int NONCE_LENGTH = 24;
    public static final int KEY_LENGTH = 32;

    private static final byte[] BASE_POINT = new byte[32];

    static {
        BASE_POINT[0] = 9;
    }

    private NaclBox() {
    }

    // ---------------------------------------------------------------- box

    /** {@code crypto_box}: {@code message} sealed for {@code theirPublic} by {@code mySecret} (X25519 keys). */
    public static byte[] seal(byte[] message, byte[] nonce, byte[] theirPublic, byte[] mySecret) {
        return SecretBox.seal(message, nonce, beforenm(theirPublic, mySecret));
    }

    /** {@code crypto_box_open}: the message, or null when it does not authenticate. */
    public static byte[] open(byte[] sealed, byte[] nonce, byte[] theirPublic, byte[] mySecret) {
        return SecretBox.open(sealed, nonce, beforenm(theirPublic, mySecret));
    }

    /** The X25519 public key of a 32-byte secret (the scalar times the base point 9). */
    public static byte[] publicKey(byte[] secret) {
        return x25519(secret, BASE_POINT);
    }

    /** The box key of a key pair: HSalsa20 of the X25519 shared secret with a zero input. */
    static byte[] beforenm(byte[] theirPublic, byte[] mySecret) {
        return SecretBox.hsalsa20(x25519(mySecret, theirPublic), new byte[16]);
    }

    /** X25519 through the JDK (keys as raw little-endian bytes, as NaCl). */
    static byte[] x25519(byte[] scalar, byte[] uBytes) {
        if (scalar.length != KEY_LENGTH || uBytes.length != KEY_LENGTH) {
            throw new IllegalArgumentException("X25519 keys are 32 bytes");
        }
        try {
            KeyFactory kf = KeyFactory.getInstance("XDH");
            PrivateKey priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone()));
            byte[] be = new byte[KEY_LENGTH];
            for (int i = 0; i < KEY_LENGTH; i++) {
                be[i] = uBytes[KEY_LENGTH - 1 - i];
            }
            be[0] &= 0x7f; // RFC 7748: the top bit of u is ignored
            PublicKey pub = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
            KeyAgreement ka = KeyAgreement.getInstance("XDH");
            ka.init(priv);
            ka.doPhase(pub, true);
            return ka.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("X25519 failed: " + e.getMessage(), e);
        }
    }

    /** Poly1305 (RFC 8439) of {@code len} bytes at {@code off} under a one-time 32-byte key. */
    static byte[] poly1305(byte[] key, byte[] msg, int off, int len) {
        return SecretBox.poly1305(key, msg, off, len);
    }
}
