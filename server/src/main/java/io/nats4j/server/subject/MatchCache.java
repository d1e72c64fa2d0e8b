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
 */
public final class MatchCache {

    /** Default bound on cached subjects per connection. */
    public static final int DEFAULT_MAX_ENTRIES = 128;

    private final int maxEntries;
    private final byte[][] keys;
    private final int[] hashes;
    private final SublistResult[] results;
    private final int mask;
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
        int cap = 8;
        while (cap < maxEntries * 2) {
            cap <<= 1;
        }
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
        }
        keys[i] = Arrays.copyOfRange(buf, off, off + len);
        hashes[i] = hash;
        results[i] = result;
        size++;
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
