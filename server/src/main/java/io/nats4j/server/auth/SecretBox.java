package io.nats4j.server.auth;

import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * NaCl's {@code crypto_secretbox} (XSalsa20 and Poly1305) and HSalsa20 on Bouncy Castle's constant-time
 * engines. The only class that names Bouncy Castle: {@link NaclBox} reaches it when a box is sealed or opened,
 * so servers without an xkey-encrypted auth callout never load those classes (start-up is unchanged).
 */
final class SecretBox {

    private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}; // "expand 32-byte k"
    /** crypto_secretbox uses the first 32 bytes of the XSalsa20 stream as the Poly1305 key. */
    private static final int MAC_KEY_LENGTH = 32;

    private SecretBox() {
    }

    /** {@code crypto_secretbox}: the Poly1305 tag, then the XSalsa20 ciphertext. */
    static byte[] seal(byte[] message, byte[] nonce, byte[] key) {
        XSalsa20Engine cipher = cipher(key, nonce);
        byte[] macKey = new byte[MAC_KEY_LENGTH];
        cipher.processBytes(macKey, 0, MAC_KEY_LENGTH, macKey, 0); // keystream bytes 0..31
        byte[] out = new byte[NaclBox.OVERHEAD + message.length];
        cipher.processBytes(message, 0, message.length, out, NaclBox.OVERHEAD);
        byte[] tag = poly1305(macKey, out, NaclBox.OVERHEAD, message.length);
        System.arraycopy(tag, 0, out, 0, NaclBox.OVERHEAD);
        Arrays.fill(macKey, (byte) 0);
        return out;
    }

    /** {@code crypto_secretbox_open}: the message, or null when the tag does not match (compared in constant time). */
    static byte[] open(byte[] sealed, byte[] nonce, byte[] key) {
        if (sealed.length < NaclBox.OVERHEAD) {
            return null;
        }
        int n = sealed.length - NaclBox.OVERHEAD;
        XSalsa20Engine cipher = cipher(key, nonce);
        byte[] macKey = new byte[MAC_KEY_LENGTH];
        cipher.processBytes(macKey, 0, MAC_KEY_LENGTH, macKey, 0);
        byte[] tag = poly1305(macKey, sealed, NaclBox.OVERHEAD, n);
        Arrays.fill(macKey, (byte) 0);
        if (!MessageDigest.isEqual(tag, Arrays.copyOf(sealed, NaclBox.OVERHEAD))) {
            return null;
        }
        byte[] out = new byte[n];
        cipher.processBytes(sealed, NaclBox.OVERHEAD, n, out, 0);
        return out;
    }

    private static XSalsa20Engine cipher(byte[] key, byte[] nonce) {
        if (key.length != NaclBox.KEY_LENGTH || nonce.length != NaclBox.NONCE_LENGTH) {
            throw new IllegalArgumentException("XSalsa20 takes a 32-byte key and a 24-byte nonce");
        }
        XSalsa20Engine cipher = new XSalsa20Engine();
        cipher.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        return cipher;
    }

    /** Poly1305 with a 32-byte one-time key (r, clamped by Bouncy Castle, then s), as NaCl's onetimeauth. */
    static byte[] poly1305(byte[] key, byte[] msg, int off, int len) {
        Poly1305 mac = new Poly1305();
        mac.init(new KeyParameter(key));
        mac.update(msg, off, len);
        byte[] tag = new byte[mac.getMacSize()];
        mac.doFinal(tag, 0);
        return tag;
    }

    /**
     * HSalsa20 (the box key from the X25519 secret): Bouncy Castle's Salsa20/20 core over the key and the 16-byte
     * input, which adds the input words back at the end; HSalsa20 is that core without the addition, so the
     * input is taken away again from the eight output words it keeps (words 0, 5, 10, 15, 6, 7, 8, 9), as
     * Bouncy Castle's own XSalsa20 key set-up does.
     */
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
        Salsa20Engine.salsaCore(20, state, x);
        int[] pick = {0, 5, 10, 15, 6, 7, 8, 9};
        byte[] out = new byte[32];
        for (int i = 0; i < 8; i++) {
            int v = x[pick[i]] - state[pick[i]];
            out[4 * i] = (byte) v;
            out[4 * i + 1] = (byte) (v >>> 8);
            out[4 * i + 2] = (byte) (v >>> 16);
            out[4 * i + 3] = (byte) (v >>> 24);
        }
        Arrays.fill(x, 0);
        Arrays.fill(state, 0);
        return out;
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
