package io.nats4j.bench.load;

import java.nio.charset.StandardCharsets;

/** Pre-encoded protocol lines and frame builders used by the load generator. */
final class Proto {
    static final byte[] PING = ascii("PING\r\n");
    static final byte[] PONG = ascii("PONG\r\n");

    private Proto() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A payload of {@code size} printable bytes (never CR or LF, so a broken parser shows up). */
    static byte[] payload(int size) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) ('a' + i % 26);
        }
        return p;
    }

    /** {@code PUB subject [reply] size\r\n<payload>\r\n}. */
    static byte[] pubFrame(String subject, String reply, byte[] payload) {
        byte[] head = ascii("PUB " + subject + (reply == null ? "" : " " + reply) + " " + payload.length + "\r\n");
        byte[] f = new byte[head.length + payload.length + 2];
        System.arraycopy(head, 0, f, 0, head.length);
        System.arraycopy(payload, 0, f, head.length, payload.length);
        f[f.length - 2] = '\r';
        f[f.length - 1] = '\n';
        return f;
    }

    /** {@code frame} repeated {@code count} times back to back. */
    static byte[] repeat(byte[] frame, int count) {
        byte[] b = new byte[frame.length * count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(frame, 0, b, i * frame.length, frame.length);
        }
        return b;
    }
}
