package io.nats4j.server.auth;

import java.util.Arrays;

/**
 * A reply subject as a hash key over bytes, for the pending service responses of an {@link Account}: the
 * stored keys own a copy, and a {@link io.nats4j.server.connection.ImportRelay.Destination} carries a reusable probe that views the bytes of the
 * response's subject, so looking a response up builds no {@code String}.
 */
public final class ResponseKey {

    private byte[] bytes;
    private int offset;
    private int length;
    private int hash;

    /** A key that owns a copy of the bytes. */
    static ResponseKey copyOf(byte[] a, int off, int len) {
        return new ResponseKey().view(Arrays.copyOfRange(a, off, off + len), 0, len);
    }

    /** Points this (probe) key at {@code a[off, off + len)}. */
    ResponseKey view(byte[] a, int off, int len) {
        bytes = a;
        offset = off;
        length = len;
        int h = 1;
        for (int i = off, end = off + len; i < end; i++) {
            h = 31 * h + a[i];
        }
        hash = h;
        return this;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseKey k && k.hash == hash
                && Arrays.equals(bytes, offset, offset + length, k.bytes, k.offset, k.offset + k.length);
    }

    @Override
    public String toString() {
        return new String(bytes, offset, length, java.nio.charset.StandardCharsets.UTF_8);
    }
}
