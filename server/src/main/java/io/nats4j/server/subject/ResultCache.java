package io.nats4j.server.subject;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@link Sublist}'s shared, bounded cache of match results keyed by literal subject bytes.
 *
 * <p>Readers take no lock: {@link #get} probes an open-addressing table of immutable entries and
 * compares key bytes in place, so a hit allocates nothing. Writers are serialized by the owner
 * (the Sublist's write lock, or its read lock plus its cache lock; see {@link Sublist}); they
 * replace whole entries with release stores and never move entries within a published table.
 * Removal leaves a tombstone; a sweep or a clear publishes a fresh table. A reader re-checks that
 * the table it probed is still the published one before trusting an entry, so an entry that a
 * writer updated in a newer table is never served stale after that writer returned.
 */
final class ResultCache {

    static final class Entry {
        final byte[] key;
        final int hash;
        final SublistResult result;

        Entry(byte[] key, int hash, SublistResult result) {
            this.key = key;
            this.hash = hash;
            this.result = result;
        }
    }

    private static final Entry TOMBSTONE = new Entry(new byte[0], 0, SublistResult.EMPTY);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Entry[].class);

    private static final class Table {
        final Entry[] slots;
        final int mask;
        /** Written only by the (serialized) writers. */
        int live;
        int dead;

        Table(int capacity) {
            slots = new Entry[capacity];
            mask = capacity - 1;
        }
    }

    private final int max;
    private final int sweepTo;
    private final int capacity;
    private volatile Table table;

    /**
     * @param max     entries kept before a sweep (nats-server: 1024)
     * @param sweepTo entries left after a sweep (nats-server: 512)
     */
    ResultCache(int max, int sweepTo) {
        this.max = max;
        this.sweepTo = sweepTo;
        int c = 16;
        while (c < max * 4) {
            c <<= 1;
        }
        this.capacity = c;
        this.table = new Table(c);
    }

    /** Calls {@code action} with each cached result (a racy, lock-free walk, for monitoring). */
    void forEachResult(java.util.function.Consumer<SublistResult> action) {
        Entry[] slots = table.slots;
        for (int i = 0; i < slots.length; i++) {
            Entry e = (Entry) SLOT.getAcquire(slots, i);
            if (e != null && e != TOMBSTONE) {
                action.accept(e.result);
            }
        }
    }

    /** Live entries (approximate while writers run). */
    int size() {
        return table.live;
    }

    /** The cached result for the subject bytes, or null. Lock-free; allocates nothing. */
    SublistResult get(byte[] buf, int off, int len, int hash) {
        Table t = table;
        Entry[] slots = t.slots;
        int mask = t.mask;
        int i = hash & mask;
        for (int probes = 0; probes <= mask; probes++) {
            Entry e = (Entry) SLOT.getAcquire(slots, i);
            if (e == null) {
                return null;
            }
            if (e != TOMBSTONE && e.hash == hash && Bytes.equals(e.key, buf, off, len)) {
                return table == t ? e.result : null;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    // ---------------------------------------------------------------- writers (serialized by owner)

    /** Adds or replaces the entry for {@code key} (kept, not copied); sweeps when over the bound. */
    void put(byte[] key, int hash, SublistResult result) {
        Table t = table;
        int slot = find(t, key, 0, key.length, hash);
        if (slot >= 0) {
            SLOT.setRelease(t.slots, slot, new Entry(key, hash, result));
            return;
        }
        if ((t.live + t.dead + 1) * 2 > t.slots.length || t.live + 1 > max) {
            t = rebuild(t, t.live + 1 > max ? sweepTo : Integer.MAX_VALUE);
        }
        int mask = t.mask;
        int i = hash & mask;
        while (true) {
            Entry e = t.slots[i];
            if (e == null || e == TOMBSTONE) {
                if (e == TOMBSTONE) {
                    t.dead--;
                }
                SLOT.setRelease(t.slots, i, new Entry(key, hash, result));
                t.live++;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes the entry for the subject bytes if present. */
    void remove(byte[] buf, int off, int len) {
        Table t = table;
        int slot = find(t, buf, off, len, Bytes.hash(buf, off, len));
        if (slot >= 0) {
            SLOT.setRelease(t.slots, slot, TOMBSTONE);
            t.live--;
            t.dead++;
        }
    }

    /** Updates the entry for a literal subject to include {@code sub}, if cached. */
    void addToEntry(byte[] subject, Subscription sub) {
        Table t = table;
        int hash = Bytes.hash(subject, 0, subject.length);
        int slot = find(t, subject, 0, subject.length, hash);
        if (slot >= 0) {
            Entry e = t.slots[slot];
            SLOT.setRelease(t.slots, slot, new Entry(e.key, e.hash, e.result.with(sub)));
        }
    }

    /** Adds {@code sub} to every cached subject that its wildcard {@code filter} matches. */
    void addToMatching(byte[] filter, Subscription sub) {
        Table t = table;
        Entry[] slots = t.slots;
        for (int i = 0; i < slots.length; i++) {
            Entry e = slots[i];
            if (e != null && e != TOMBSTONE
                    && Subjects.subjectMatches(e.key, 0, e.key.length, filter, 0, filter.length)) {
                SLOT.setRelease(slots, i, new Entry(e.key, e.hash, e.result.with(sub)));
            }
        }
    }

    /** Drops every cached subject that the wildcard {@code filter} matches. */
    void removeMatching(byte[] filter) {
        Table t = table;
        Entry[] slots = t.slots;
        for (int i = 0; i < slots.length; i++) {
            Entry e = slots[i];
            if (e != null && e != TOMBSTONE
                    && Subjects.subjectMatches(e.key, 0, e.key.length, filter, 0, filter.length)) {
                SLOT.setRelease(slots, i, TOMBSTONE);
                t.live--;
                t.dead++;
            }
        }
    }

    void clear() {
        table = new Table(capacity);
    }

    private static int find(Table t, byte[] buf, int off, int len, int hash) {
        Entry[] slots = t.slots;
        int mask = t.mask;
        int i = hash & mask;
        for (int probes = 0; probes <= mask; probes++) {
            Entry e = slots[i];
            if (e == null) {
                return -1;
            }
            if (e != TOMBSTONE && e.hash == hash && Bytes.equals(e.key, buf, off, len)) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /**
     * Publishes a fresh table holding at most {@code keep} of the live entries, starting the scan
     * at a random slot so that no region of the key space is always the one evicted.
     */
    private Table rebuild(Table old, int keep) {
        Table t = new Table(capacity);
        Entry[] os = old.slots;
        int start = ThreadLocalRandom.current().nextInt(os.length);
        for (int n = 0; n < os.length && t.live < keep; n++) {
            Entry e = os[(start + n) & old.mask];
            if (e != null && e != TOMBSTONE) {
                int i = e.hash & t.mask;
                while (t.slots[i] != null) {
                    i = (i + 1) & t.mask;
                }
                t.slots[i] = e;
                t.live++;
            }
        }
        table = t;
        return t;
    }
}
