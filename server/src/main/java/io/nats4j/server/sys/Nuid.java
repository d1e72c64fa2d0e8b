package io.nats4j.server.sys;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Event ids in the shape of the NATS NUID (22 base-62 characters: a random 12-character prefix renewed
 * now and then, and a 10-character sequence advanced by a random increment), as nats-server's event ids.
 */
public final class Nuid {

    private static final char[] DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int PREFIX_LEN = 12;
    private static final int SEQ_LEN = 10;
    private static final long MAX_SEQ = 839299365868340224L; // 62^10

    private static char[] prefix = newPrefix();
    private static long seq = ThreadLocalRandom.current().nextLong(MAX_SEQ);
    private static long inc = 33 + ThreadLocalRandom.current().nextLong(300);

    private Nuid() {
    }

    public static synchronized String next() {
        seq += inc;
        if (seq >= MAX_SEQ) {
            prefix = newPrefix();
            seq = ThreadLocalRandom.current().nextLong(MAX_SEQ);
            inc = 33 + ThreadLocalRandom.current().nextLong(300);
        }
        char[] out = new char[PREFIX_LEN + SEQ_LEN];
        System.arraycopy(prefix, 0, out, 0, PREFIX_LEN);
        long l = seq;
        for (int i = out.length - 1; i >= PREFIX_LEN; i--) {
            out[i] = DIGITS[(int) (l % 62)];
            l /= 62;
        }
        return new String(out);
    }

    private static char[] newPrefix() {
        byte[] r = new byte[PREFIX_LEN];
        io.nats4j.server.auth.RandomBytes.fill(r);
        char[] p = new char[PREFIX_LEN];
        for (int i = 0; i < PREFIX_LEN; i++) {
            p[i] = DIGITS[(r[i] & 0xff) % 62];
        }
        return p;
    }
}
