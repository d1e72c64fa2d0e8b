package io.nats4j.server.subject;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One trie level's literal tokens: an open-addressing map from token bytes to child node, looked up
 * in place from a byte range so that walking the trie creates no String. Not thread-safe: the
 * {@link Sublist} lock guards it.
 */
final class TokenMap<V> {

    private byte[][] keys;
    private int[] hashes;
    private Object[] vals;
    private int size;

    TokenMap() {
        keys = new byte[4][];
        hashes = new int[4];
        vals = new Object[4];
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(byte[] buf, int off, int len, int hash) {
        byte[][] ks = keys;
        int mask = ks.length - 1;
        for (int i = hash & mask;; i = (i + 1) & mask) {
            byte[] k = ks[i];
            if (k == null) {
                return null;
            }
            if (hashes[i] == hash && Bytes.equals(k, buf, off, len)) {
                return (V) vals[i];
            }
        }
    }

    /** Adds a mapping; the key must not be present. {@code key} is kept, not copied. */
    void put(byte[] key, int hash, V value) {
        if ((size + 1) * 2 > keys.length) {
            resize(keys.length * 2);
        }
        insert(key, hash, value);
        size++;
    }

    private void insert(byte[] key, int hash, Object value) {
        int mask = keys.length - 1;
        int i = hash & mask;
        while (keys[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        hashes[i] = hash;
        vals[i] = value;
    }

    private void resize(int capacity) {
        byte[][] ok = keys;
        int[] oh = hashes;
        Object[] ov = vals;
        keys = new byte[capacity][];
        hashes = new int[capacity];
        vals = new Object[capacity];
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != null) {
                insert(ok[i], oh[i], ov[i]);
            }
        }
    }

    /** Removes the mapping for the token; backward-shift deletion keeps probe chains intact. */
    boolean remove(byte[] buf, int off, int len, int hash) {
        int mask = keys.length - 1;
        int i = hash & mask;
        while (true) {
            byte[] k = keys[i];
            if (k == null) {
                return false;
            }
            if (hashes[i] == hash && Bytes.equals(k, buf, off, len)) {
                break;
            }
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (hole + 1) & mask; keys[j] != null; j = (j + 1) & mask) {
            int home = hashes[j] & mask;
            // move j into the hole if its home slot is not in the cyclic range (hole, j]
            boolean inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!inRange) {
                keys[hole] = keys[j];
                hashes[hole] = hashes[j];
                vals[hole] = vals[j];
                hole = j;
            }
        }
        keys[hole] = null;
        vals[hole] = null;
        hashes[hole] = 0;
        size--;
        if (size == 0 && keys.length > 16) {
            keys = new byte[4][];
            hashes = new int[4];
            vals = new Object[4];
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    void forEachValue(Consumer<V> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                action.accept((V) vals[i]);
            }
        }
    }

    @Override
    public String toString() {
        return "TokenMap{size=" + size + ", capacity=" + keys.length + ", hashes=" + Arrays.toString(hashes) + "}";
    }
}
