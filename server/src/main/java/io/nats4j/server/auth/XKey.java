package io.nats4j.server.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An nkeys curve key pair (xkey, public keys start with 'X'): X25519 keys used with {@link NaclBox}, in the
 * sealed form of nkeys' {@code Seal}/{@code Open}: {@code "xkv1"}, a random 24-byte nonce, then the box. The
 * auth callout encrypts requests to the service's xkey and opens its encrypted answers with this.
 */
public final class XKey {

    /** nkeys' PrefixByteCurve. */
    public static final int PREFIX_CURVE = 23 << 3;
    private static final byte[] VERSION = "xkv1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] secret;
    private final String publicKey;

    private XKey(byte[] secret) {
        this.secret = secret;
        this.publicKey = NKeys.encodePublic(PREFIX_CURVE, NaclBox.publicKey(secret));
    }

    /** A fresh key pair. */
    public static XKey generate() {
        byte[] s = new byte[NaclBox.KEY_LENGTH];
        RandomBytes.secure().nextBytes(s);
        return new XKey(s);
    }

    /** True for a well-formed public curve key (X...). */
    public static boolean isValidPublicKey(String key) {
        return NKeys.decodePublic(key, PREFIX_CURVE) != null;
    }

    /** The public key, X... */
    public String publicKey() {
        return publicKey;
    }

    /** {@code message} sealed for the holder of {@code recipient} (an X... public key). */
    public byte[] seal(byte[] message, String recipient) {
        byte[] them = NKeys.decodePublic(recipient, PREFIX_CURVE);
        if (them == null) {
            throw new IllegalArgumentException("invalid recipient xkey");
        }
        byte[] nonce = new byte[NaclBox.NONCE_LENGTH];
        RandomBytes.secure().nextBytes(nonce);
        byte[] box = NaclBox.seal(message, nonce, them, secret);
        byte[] out = new byte[VERSION.length + nonce.length + box.length];
        System.arraycopy(VERSION, 0, out, 0, VERSION.length);
        System.arraycopy(nonce, 0, out, VERSION.length, nonce.length);
        System.arraycopy(box, 0, out, VERSION.length + nonce.length, box.length);
        return out;
    }

    /** The message {@code sender} (an X... public key) sealed for this key; null when it does not open. */
    public byte[] open(byte[] sealed, String sender) {
        byte[] them = NKeys.decodePublic(sender, PREFIX_CURVE);
        int head = VERSION.length + NaclBox.NONCE_LENGTH;
        if (them == null || sealed == null || sealed.length <= head
                || !Arrays.equals(sealed, 0, VERSION.length, VERSION, 0, VERSION.length)) {
            return null;
        }
        try {
            return NaclBox.open(Arrays.copyOfRange(sealed, head, sealed.length),
                    Arrays.copyOfRange(sealed, VERSION.length, head), them, secret);
        } catch (IllegalArgumentException e) {
            return null; // e.g. a low-order public key
        }
    }
}
