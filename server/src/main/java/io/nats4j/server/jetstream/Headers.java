package io.nats4j.server.jetstream;

import java.nio.charset.StandardCharsets;

/** Reads one header out of a raw {@code NATS/1.0} block, as nats-server's {@code getHeader} does (exact key). */
public final class Headers {

    private Headers() {
    }

    /** The value of {@code key} (trimmed), or null when the block has no such header. */
    public static String get(byte[] hdr, String key) {
        if (hdr == null || hdr.length == 0) {
            return null;
        }
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        int n = hdr.length;
        // skip the status line
        int i = indexOfCrLf(hdr, 0);
        while (i >= 0 && i + 2 < n) {
            int start = i + 2;
            int end = indexOfCrLf(hdr, start);
            if (end < 0) {
                end = n;
            }
            if (end - start > k.length && hdr[start + k.length] == ':' && regionEquals(hdr, start, k)) {
                return new String(hdr, start + k.length + 1, end - start - k.length - 1, StandardCharsets.UTF_8).trim();
            }
            i = end < n ? end : -1;
        }
        return null;
    }

    private static boolean regionEquals(byte[] a, int off, byte[] k) {
        for (int j = 0; j < k.length; j++) {
            if (a[off + j] != k[j]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOfCrLf(byte[] a, int from) {
        for (int i = from; i + 1 < a.length; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
