package io.nats4j.server.auth;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * NATS nkeys: Ed25519 public keys written as base32 (RFC 4648 alphabet, no padding) of a prefix byte, the
 * 32 key bytes and a CRC-16/XMODEM checksum (little endian). A user key starts with 'U', an account key
 * with 'A', a server key with 'N'. What a server needs: decoding and checking public keys, verifying
 * a signature over the nonce, making nonces; and, for tools and tests, writing keys and seeds.
 */
public final class NKeys {

    /** Prefix bytes (the first base32 letter of the key). */
    public static final int PREFIX_USER = 20 << 3;
    public static final int PREFIX_ACCOUNT = 0;
    public static final int PREFIX_SERVER = 13 << 3;
    public static final int PREFIX_OPERATOR = 14 << 3;

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int[] DECODE = new int[128];
    /** DER header of an X.509 SubjectPublicKeyInfo for a raw Ed25519 key. */
    private static final byte[] ED25519_SPKI_HEADER = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    /** nats-server sends 11 random bytes as unpadded base64url (15 characters). */
    private static final int NONCE_BYTES = 11;

    static {
        java.util.Arrays.fill(DECODE, -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            DECODE[ALPHABET.charAt(i)] = i;
        }
    }

    private NKeys() {
    }

    /** CRC-16/XMODEM (polynomial 0x1021, initial value 0), as nkeys use. */
    static int crc16(byte[] data, int off, int len) {
        int crc = 0;
        for (int i = off; i < off + len; i++) {
            crc ^= (data[i] & 0xff) << 8;
            for (int b = 0; b < 8; b++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            crc &= 0xffff;
        }
        return crc;
    }

    /** Unpadded base32 decoding; null when a character is outside the alphabet. */
    static byte[] base32Decode(String s) {
        int bits = s.length() * 5;
        byte[] out = new byte[bits / 8];
        int buffer = 0;
        int have = 0;
        int o = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int v = c < 128 ? DECODE[c] : -1;
            if (v < 0) {
                return null;
            }
            buffer = (buffer << 5) | v;
            have += 5;
            if (have >= 8) {
                have -= 8;
                out[o++] = (byte) (buffer >> have);
            }
        }
        return out;
    }

    /** Unpadded base32 encoding. */
    static String base32Encode(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int have = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            have += 8;
            while (have >= 5) {
                have -= 5;
                sb.append(ALPHABET.charAt((buffer >> have) & 31));
            }
        }
        if (have > 0) {
            sb.append(ALPHABET.charAt((buffer << (5 - have)) & 31));
        }
        return sb.toString();
    }

    /**
     * The 32 raw key bytes of a public nkey with the given prefix byte; null when the key is malformed
     * (length, alphabet, prefix or checksum).
     */
    public static byte[] decodePublic(String key, int prefix) {
        if (key == null || key.length() != 56) {
            return null;
        }
        byte[] raw = base32Decode(key);
        if (raw == null || raw.length != 35) {
            return null;
        }
        int crc = (raw[33] & 0xff) | ((raw[34] & 0xff) << 8);
        if (crc != crc16(raw, 0, 33) || (raw[0] & 0xff) != prefix) {
            return null;
        }
        return java.util.Arrays.copyOfRange(raw, 1, 33);
    }

    /** True for a well-formed public user nkey (U...). */
    public static boolean isValidUserKey(String key) {
        return decodePublic(key, PREFIX_USER) != null;
    }

    /** True for a well-formed public account nkey (A...). */
    public static boolean isValidAccountKey(String key) {
        return decodePublic(key, PREFIX_ACCOUNT) != null;
    }

    /** The public nkey text for raw Ed25519 key bytes (tests and tools). */
    public static String encodePublic(int prefix, byte[] key32) {
        byte[] raw = new byte[35];
        raw[0] = (byte) prefix;
        System.arraycopy(key32, 0, raw, 1, 32);
        int crc = crc16(raw, 0, 33);
        raw[33] = (byte) crc;
        raw[34] = (byte) (crc >> 8);
        return base32Encode(raw);
    }

    /** Prefix byte of a seed (its first base32 letter is 'S'). */
    public static final int PREFIX_SEED = 18 << 3;

    /**
     * The seed text ("SU...", "SA...", "SO...") for a raw 32-byte Ed25519 private key of the given key type
     * (tools and tests that need keys a client can load; the server itself never handles seeds). Two prefix
     * bytes carry the seed prefix and the key type, then the key, then the CRC-16 (little endian).
     */
    public static String encodeSeed(int prefix, byte[] seed32) {
        if (seed32.length != 32) {
            throw new IllegalArgumentException("an Ed25519 seed has 32 bytes, not " + seed32.length);
        }
        byte[] raw = new byte[36];
        raw[0] = (byte) (PREFIX_SEED | (prefix >> 5));
        raw[1] = (byte) ((prefix & 31) << 3);
        System.arraycopy(seed32, 0, raw, 2, 32);
        int crc = crc16(raw, 0, 34);
        raw[34] = (byte) crc;
        raw[35] = (byte) (crc >> 8);
        return base32Encode(raw);
    }

    /**
     * Checks a CONNECT signature: {@code sig} (base64url without padding, or standard base64 as
     * nats-server's fallback) must be the Ed25519 signature of the nonce's bytes by the user key.
     */
    public static boolean verify(String userKey, String nonce, String sig) {
        byte[] key = decodePublic(userKey, PREFIX_USER);
        if (key == null || nonce == null || sig == null) {
            return false;
        }
        byte[] signature = decodeSignature(sig);
        if (signature == null || signature.length != 64) {
            return false;
        }
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(publicKey(key));
            v.update(nonce.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return v.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** An Ed25519 signature over {@code data} by the raw 32-byte public key; false on any problem. */
    static boolean verifyRaw(byte[] key32, byte[] data, byte[] signature) {
        if (key32 == null || signature == null || signature.length != 64) {
            return false;
        }
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(publicKey(key32));
            v.update(data);
            return v.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** True for a well-formed public operator nkey (O...). */
    public static boolean isValidOperatorKey(String key) {
        return decodePublic(key, PREFIX_OPERATOR) != null;
    }

    static byte[] decodeSignature(String sig) {
        try {
            return Base64.getUrlDecoder().decode(sig);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getDecoder().decode(sig);
            } catch (IllegalArgumentException e2) {
                return null;
            }
        }
    }

    private static PublicKey publicKey(byte[] raw32) throws GeneralSecurityException {
        byte[] spki = new byte[ED25519_SPKI_HEADER.length + 32];
        System.arraycopy(ED25519_SPKI_HEADER, 0, spki, 0, ED25519_SPKI_HEADER.length);
        System.arraycopy(raw32, 0, spki, ED25519_SPKI_HEADER.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }

    /** A fresh nonce for INFO: 11 random bytes, unpadded base64url. */
    public static String newNonce() {
        byte[] b = new byte[NONCE_BYTES];
        RandomBytes.secure().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
