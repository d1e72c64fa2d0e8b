package io.nats4j.server.subject;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Allocation-free helpers over byte ranges: hashing and in-place comparison. */
final class Bytes {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long M = 0x9E3779B97F4A7C15L;

    private Bytes() {
    }

    /** A well-mixed hash of {@code buf[off, off+len)}; reads eight bytes at a time. */
    static int hash(byte[] buf, int off, int len) {
        long h = len * M;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            h = (h ^ (long) LONGS.get(buf, i)) * M;
            h ^= h >>> 32;
        }
        for (; i < end; i++) {
            h = (h ^ buf[i]) * M;
        }
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h;
    }

    /** True if {@code key} holds exactly the bytes {@code buf[off, off+len)}. */
    static boolean equals(byte[] key, byte[] buf, int off, int len) {
        return key.length == len && Arrays.equals(key, 0, len, buf, off, off + len);
    }

    /** Index of the first {@code b} in {@code buf[from, end)}, or {@code end}. */
    static int indexOf(byte[] buf, byte b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return end;
    }
}
