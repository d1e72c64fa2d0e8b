package io.nats4j.server.subject;

import java.util.Arrays;

/**
 * A connection's own cache of recent match results, checked before the shared {@link Sublist}
 * (nats-server keeps such a per-client cache, flushed when the sublist's generation changes).
 *
 * <p>Not thread-safe: one connection, touched only by its event loop. Entries are valid for one
 * {@link Sublist#generation()}; when the generation moves on, the whole cache is emptied on the
 * next call. The cache holds at most {@code maxEntries} subjects; when full, it is emptied and
 * starts over (cheap, and a connection's hot subjects come back at once).
 *
 * <p>Usage: {@link #match(Sublist, byte[], int, int)} does it all. A hit allocates nothing; a miss
 * copies the subject bytes once to keep them as the key.
 *
 * <p>The table starts with {@link #INITIAL_CAPACITY} slots and doubles (up to twice {@code maxEntries}) as
 * subjects are added: every connection has one of these, and most publish on a few subjects or none, so a
 * full-size table per connection (3 KiB at the default bound) was a quarter of an idle connection's memory
 * (issue #15).
 */
public final class MatchCache {

    /** Default bound on cached subjects per connection. */
    public static final int DEFAULT_MAX_ENTRIES = 128;

    /** Slots of a new cache's table (a power of two); it grows as subjects are added. */
    static final int INITIAL_CAPACITY = 8;

    private final int maxEntries;
    /** Slots of the largest table: at least twice {@code maxEntries}, a power of two. */
    private final int maxCapacity;
    private byte[][] keys;
    private int[] hashes;
    private SublistResult[] results;
    private int mask;
    private int size;
    private long generation = -1;

    public MatchCache() {
        this(DEFAULT_MAX_ENTRIES);
    }

    public MatchCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries < 1: " + maxEntries);
        }
        this.maxEntries = maxEntries;
        int cap = INITIAL_CAPACITY;
        while (cap < maxEntries * 2) {
            cap <<= 1;
        }
        maxCapacity = cap;
        allocate(INITIAL_CAPACITY);
    }

    private void allocate(int cap) {
        keys = new byte[cap][];
        hashes = new int[cap];
        results = new SublistResult[cap];
        mask = cap - 1;
    }

    /**
     * The result for the literal subject {@code buf[off, off+len)}: from this cache when it holds
     * one for the sublist's current generation, else from {@code sublist.match} (then kept here).
     */
    public SublistResult match(Sublist sublist, byte[] buf, int off, int len) {
        long gen = sublist.generation();
        int hash = Bytes.hash(buf, off, len);
        SublistResult r = get(buf, off, len, hash, gen);
        if (r == null) {
            // gen was read before matching, so the result is at least as new as gen
            r = sublist.match(buf, off, len);
            put(buf, off, len, hash, r);
        }
        return r;
    }

    /** The cached result for the subject at generation {@code gen}, or null. Allocates nothing. */
    public SublistResult get(byte[] buf, int off, int len, long gen) {
        return get(buf, off, len, Bytes.hash(buf, off, len), gen);
    }

    /**
     * Caches {@code result} for the subject, computed at generation {@code gen} or later (read the
     * generation before matching). Copies the subject bytes.
     */
    public void put(byte[] buf, int off, int len, long gen, SublistResult result) {
        int hash = Bytes.hash(buf, off, len);
        if (gen != generation) {
            clear();
            generation = gen;
        }
        put(buf, off, len, hash, result);
    }

    private SublistResult get(byte[] buf, int off, int len, int hash, long gen) {
        if (gen != generation) {
            if (size > 0) {
                clear();
            }
            generation = gen;
            return null;
        }
        for (int i = hash & mask;; i = (i + 1) & mask) {
            byte[] k = keys[i];
            if (k == null) {
                return null;
            }
            if (hashes[i] == hash && Bytes.equals(k, buf, off, len)) {
                return results[i];
            }
        }
    }

    private void put(byte[] buf, int off, int len, int hash, SublistResult result) {
        int i = hash & mask;
        while (keys[i] != null) {
            if (hashes[i] == hash && Bytes.equals(keys[i], buf, off, len)) {
                results[i] = result;
                return;
            }
            i = (i + 1) & mask;
        }
        if (size >= maxEntries) {
            clear();
            i = hash & mask;
        } else if (size >= (mask + 1) / 2 && mask + 1 < maxCapacity) {
            grow();
            i = hash & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
        }
        keys[i] = Arrays.copyOfRange(buf, off, off + len);
        hashes[i] = hash;
        results[i] = result;
        size++;
    }

    /** Doubles the table (at most half full afterwards), keeping every entry. */
    private void grow() {
        byte[][] oldKeys = keys;
        int[] oldHashes = hashes;
        SublistResult[] oldResults = results;
        allocate(oldKeys.length * 2);
        for (int j = 0; j < oldKeys.length; j++) {
            byte[] k = oldKeys[j];
            if (k != null) {
                int i = oldHashes[j] & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                hashes[i] = oldHashes[j];
                results[i] = oldResults[j];
            }
        }
    }

    /** Slots of the current table (tests). */
    int capacity() {
        return mask + 1;
    }

    /** Drops every entry. */
    public void clear() {
        Arrays.fill(keys, null);
        Arrays.fill(results, null);
        size = 0;
    }

    /** Cached subjects. */
    public int size() {
        return size;
    }
}
