package io.nats4j.server.auth;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * NaCl's {@code crypto_box} (curve25519-xsalsa20-poly1305), as Go's {@code nacl/box} and so nkeys' xkeys use
 * it: X25519 (the JDK's) gives a shared secret, HSalsa20 turns it into a key, and XSalsa20 encrypts while
 * Poly1305 authenticates. The sealed form is the 16-byte tag followed by the ciphertext. Salsa20, HSalsa20 and
 * Poly1305 are written here (the JDK has none of them) and checked against NaCl's published vectors.
 *
 * <p>Meant for small control messages (auth callout requests): Poly1305 uses {@link BigInteger}, which is
 * simple and exact but not constant-time.
 */
public final class NaclBox {

    /** Bytes the sealed form adds: the Poly1305 tag. */
    public static final int OVERHEAD = 16;
    public static final int NONCE_LENGTH = 24;
    public static final int KEY_LENGTH = 32;

    private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}; // "expand 32-byte k"
    private static final BigInteger P1305 = BigInteger.ONE.shiftLeft(130).subtract(BigInteger.valueOf(5));
    private static final BigInteger MOD128 = BigInteger.ONE.shiftLeft(128);
    private static final byte[] BASE_POINT = new byte[32];

    static {
        BASE_POINT[0] = 9;
    }

    private NaclBox() {
    }

    // ---------------------------------------------------------------- box

    /** {@code crypto_box}: {@code message} sealed for {@code theirPublic} by {@code mySecret} (X25519 keys). */
    public static byte[] seal(byte[] message, byte[] nonce, byte[] theirPublic, byte[] mySecret) {
        return secretboxSeal(message, nonce, beforenm(theirPublic, mySecret));
    }

    /** {@code crypto_box_open}: the message, or null when it does not authenticate. */
    public static byte[] open(byte[] sealed, byte[] nonce, byte[] theirPublic, byte[] mySecret) {
        return secretboxOpen(sealed, nonce, beforenm(theirPublic, mySecret));
    }

    /** The X25519 public key of a 32-byte secret (the scalar times the base point 9). */
    public static byte[] publicKey(byte[] secret) {
        return x25519(secret, BASE_POINT);
    }

    /** The box key of a key pair: HSalsa20 of the X25519 shared secret with a zero input. */
    static byte[] beforenm(byte[] theirPublic, byte[] mySecret) {
        return hsalsa20(x25519(mySecret, theirPublic), new byte[16]);
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

    // ---------------------------------------------------------------- secretbox

    /** {@code crypto_secretbox}: XSalsa20 encryption with a Poly1305 tag in front. */
    static byte[] secretboxSeal(byte[] message, byte[] nonce, byte[] key) {
        byte[] stream = xsalsa20Stream(key, nonce, 32 + message.length);
        byte[] out = new byte[OVERHEAD + message.length];
        for (int i = 0; i < message.length; i++) {
            out[OVERHEAD + i] = (byte) (message[i] ^ stream[32 + i]);
        }
        byte[] tag = poly1305(Arrays.copyOf(stream, 32), out, OVERHEAD, message.length);
        System.arraycopy(tag, 0, out, 0, OVERHEAD);
        return out;
    }

    /** {@code crypto_secretbox_open}: null when the tag does not match. */
    static byte[] secretboxOpen(byte[] sealed, byte[] nonce, byte[] key) {
        if (sealed.length < OVERHEAD) {
            return null;
        }
        int n = sealed.length - OVERHEAD;
        byte[] stream = xsalsa20Stream(key, nonce, 32 + n);
        byte[] tag = poly1305(Arrays.copyOf(stream, 32), sealed, OVERHEAD, n);
        if (!MessageDigest.isEqual(tag, Arrays.copyOf(sealed, OVERHEAD))) {
            return null;
        }
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) (sealed[OVERHEAD + i] ^ stream[32 + i]);
        }
        return out;
    }

    // ---------------------------------------------------------------- (X/H)Salsa20

    /** {@code length} bytes of XSalsa20 keystream: Salsa20 under HSalsa20(key, nonce[0..16]) with nonce[16..24]. */
    static byte[] xsalsa20Stream(byte[] key, byte[] nonce, int length) {
        if (key.length != KEY_LENGTH || nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("XSalsa20 takes a 32-byte key and a 24-byte nonce");
        }
        byte[] subkey = hsalsa20(key, Arrays.copyOf(nonce, 16));
        int[] state = new int[16];
        setup(state, subkey, Arrays.copyOfRange(nonce, 16, 24));
        byte[] out = new byte[length];
        int[] block = new int[16];
        long counter = 0;
        for (int off = 0; off < length; off += 64) {
            state[8] = (int) counter;
            state[9] = (int) (counter >>> 32);
            salsa20Block(state, block, true);
            for (int i = 0; i < 64 && off + i < length; i++) {
                out[off + i] = (byte) (block[i >> 2] >>> (8 * (i & 3)));
            }
            counter++;
        }
        return out;
    }

    /** HSalsa20: 20 rounds over key and a 16-byte input; words 0, 5, 10, 15, 6, 7, 8, 9 out, nothing added. */
    static byte[] hsalsa20(byte[] key, byte[] in16) {
        int[] state = new int[16];
        state[0] = SIGMA[0];
        state[5] = SIGMA[1];
        state[10] = SIGMA[2];
        state[15] = SIGMA[3];
        for (int i = 0; i < 4; i++) {
            state[1 + i] = le32(key, 4 * i);
            state[11 + i] = le32(key, 16 + 4 * i);
            state[6 + i] = le32(in16, 4 * i);
        }
        int[] x = new int[16];
        salsa20Block(state, x, false);
        int[] pick = {0, 5, 10, 15, 6, 7, 8, 9};
        byte[] out = new byte[32];
        for (int i = 0; i < 8; i++) {
            putLe32(out, 4 * i, x[pick[i]]);
        }
        return out;
    }

    private static void setup(int[] state, byte[] key, byte[] nonce8) {
        state[0] = SIGMA[0];
        state[5] = SIGMA[1];
        state[10] = SIGMA[2];
        state[15] = SIGMA[3];
        for (int i = 0; i < 4; i++) {
            state[1 + i] = le32(key, 4 * i);
            state[11 + i] = le32(key, 16 + 4 * i);
        }
        state[6] = le32(nonce8, 0);
        state[7] = le32(nonce8, 4);
    }

    /** The Salsa20/20 core; {@code addInput} = the Salsa20 block function, false = the HSalsa20 core. */
    private static void salsa20Block(int[] in, int[] out, boolean addInput) {
        int[] x = in.clone();
        for (int r = 0; r < 10; r++) {
            // columns
            quarter(x, 0, 4, 8, 12);
            quarter(x, 5, 9, 13, 1);
            quarter(x, 10, 14, 2, 6);
            quarter(x, 15, 3, 7, 11);
            // rows
            quarter(x, 0, 1, 2, 3);
            quarter(x, 5, 6, 7, 4);
            quarter(x, 10, 11, 8, 9);
            quarter(x, 15, 12, 13, 14);
        }
        for (int i = 0; i < 16; i++) {
            out[i] = addInput ? x[i] + in[i] : x[i];
        }
    }

    private static void quarter(int[] x, int a, int b, int c, int d) {
        x[b] ^= Integer.rotateLeft(x[a] + x[d], 7);
        x[c] ^= Integer.rotateLeft(x[b] + x[a], 9);
        x[d] ^= Integer.rotateLeft(x[c] + x[b], 13);
        x[a] ^= Integer.rotateLeft(x[d] + x[c], 18);
    }

    // ---------------------------------------------------------------- Poly1305

    /** Poly1305 (RFC 8439) of {@code len} bytes at {@code off} under a one-time 32-byte key. */
    static byte[] poly1305(byte[] key, byte[] msg, int off, int len) {
        byte[] rBytes = Arrays.copyOf(key, 16);
        rBytes[3] &= 15;
        rBytes[7] &= 15;
        rBytes[11] &= 15;
        rBytes[15] &= 15;
        rBytes[4] &= (byte) 252;
        rBytes[8] &= (byte) 252;
        rBytes[12] &= (byte) 252;
        BigInteger r = leNumber(rBytes, 0, 16, false);
        BigInteger s = leNumber(key, 16, 16, false);
        BigInteger acc = BigInteger.ZERO;
        for (int i = 0; i < len; i += 16) {
            int n = Math.min(16, len - i);
            acc = acc.add(leNumber(msg, off + i, n, true)).multiply(r).mod(P1305);
        }
        BigInteger tag = acc.add(s).mod(MOD128);
        byte[] be = tag.toByteArray();
        byte[] out = new byte[16];
        for (int i = 0; i < 16 && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }

    /** A little-endian number of {@code n} bytes, with a 1 bit above them when {@code padBit} (Poly1305 blocks). */
    private static BigInteger leNumber(byte[] b, int off, int n, boolean padBit) {
        byte[] be = new byte[n + 1];
        be[0] = (byte) (padBit ? 1 : 0);
        for (int i = 0; i < n; i++) {
            be[n - i] = b[off + i];
        }
        return new BigInteger(1, be);
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static void putLe32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
