package io.nats4j.server.jetstream.store;

import io.nats4j.server.jetstream.store.StreamIndex.SubjectInfo;
import io.nats4j.server.subject.Subjects;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * Everything both storages share: the limits, purges, compaction, expiry and state of a stream over its
 * {@link StreamIndex} (sequence to subject, time and size; per subject its count, first and last). A subclass
 * keeps the bytes (in the index entries, or in RocksDB) through the {@code persist*} hooks, which run with the
 * write lock held, on the stream's single writer.
 *
 * <p>Lock: {@link #lock} (read/write). Mutations hold the write lock for their whole duration,
 * including their disk write; loads and state hold the read lock. Subject firsts/lasts that a
 * removal made stale are recomputed before the write lock is released, so readers never write.
 */
abstract class AbstractStreamStore implements StreamStore {

    private static final byte[] EMPTY = new byte[0];

    protected final String name;
    protected final LongSupplier clockNanos;
    protected final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** The messages and subjects; under {@link #lock}. */
    protected final StreamIndex index;
    protected final Map<String, ConsumerStore> consumers = new ConcurrentHashMap<>();
    protected StreamLimits limits;
    protected volatile boolean closed;

    /** @param keepBytes the index holds each message's header and payload (memory storage) */
    AbstractStreamStore(String name, StreamLimits limits, LongSupplier clockNanos, boolean keepBytes) {
        this.index = new StreamIndex(keepBytes);
        this.name = name;
        this.limits = limits;
        this.clockNanos = clockNanos;
    }

    // ------------------------------------------------------------------ hooks

    /** The bytes this message counts for in {@code bytes} and {@code max_bytes}. */
    protected abstract long messageSize(String subject, int headerLength, int payloadLength);

    /** Adds a new message to the current batch (the arrays are the store's own copies). */
    protected abstract void persistAppend(long seq, String subject, long timestampNanos, byte[] header,
                                          byte[] payload);

    /** Adds the removal of a message to the current batch. */
    protected abstract void persistRemove(long seq, String subject, boolean erase);

    /** Adds the removal of every message from {@code fromSeq} to {@code toSeq} to the batch. */
    protected abstract void persistRemoveAll(long fromSeq, long toSeq);

    /** Writes the batch; {@code durable}: with the storage's sync. */
    protected abstract void persistFlush();

    /** Header and payload of the stored message in index slot {@code slot}. Read lock held. */
    protected abstract StoredMessage read(long seq, int slot);

    protected abstract ConsumerStore openConsumer(String name, AckPolicy ackPolicy);

    /**
     * The first sequence at or after {@code from} stored on the literal {@code subject}, from an
     * index the storage keeps, or 0 when it has none (the caller then scans). Read lock held.
     */
    protected long nextSeqOfSubject(String subject, long from) {
        return 0;
    }

    // ------------------------------------------------------------------ recovery helpers

    /** Puts a recovered message into the index (recovery only, before the store is shared). */
    protected final void recoverEntry(long seq, String subject, long ts, long size, boolean hasHeader) {
        index.recover(seq, subject, ts, size, hasHeader);
    }

    // ------------------------------------------------------------------ writes

    @Override
    public String name() {
        return name;
    }

    private void beginWrite() {
        ThreadGuard.checkNotEventLoop();
        lock.writeLock().lock();
        if (closed) {
            lock.writeLock().unlock();
            throw new StoreException(StoreException.Kind.CLOSED);
        }
    }

    private void endWrite() {
        try {
            index.resolveStale();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long append(String subject, byte[] header, byte[] payload, long timestampNanos) {
        return append(subject, header, payload, timestampNanos, true);
    }

    @Override
    public long appendOwned(String subject, byte[] header, byte[] payload, long timestampNanos) {
        return append(subject, header, payload, timestampNanos, false);
    }

    private long append(String subject, byte[] header, byte[] payload, long timestampNanos, boolean copy) {
        byte[] hdr = header == null ? EMPTY : header;
        byte[] pay = payload == null ? EMPTY : payload;
        beginWrite();
        try {
            StreamLimits l = limits;
            if (l.maxMsgSize() > 0 && (long) hdr.length + pay.length > l.maxMsgSize()) {
                throw new StoreException(StoreException.Kind.MSG_TOO_LARGE);
            }
            long size = messageSize(subject, hdr.length, pay.length);
            SubjectInfo si = index.subject(subject);
            boolean atSubjectLimit = si != null && l.maxMsgsPerSubject() > 0 && si.msgs >= l.maxMsgsPerSubject();
            if (l.discardNew()) {
                checkDiscardNew(l, si, atSubjectLimit, size);
            }
            long ts = timestampNanos > 0 ? timestampNanos : clockNanos.getAsLong();
            long seq = index.lastSeq + 1;
            byte[] h = copy ? hdr.clone() : hdr;
            byte[] p = copy ? pay.clone() : pay;
            si = index.add(seq, subject, ts, size, h, p);
            persistAppend(seq, si.name, ts, h, p);
            enforceLimits(si, l);
            expireLocked();
            return seq;
        } finally {
            endWrite();
        }
    }

    @Override
    public void appendAt(long seq, String subject, byte[] header, byte[] payload, long timestampNanos) {
        byte[] hdr = header == null ? EMPTY : header;
        byte[] pay = payload == null ? EMPTY : payload;
        beginWrite();
        try {
            if (seq <= index.lastSeq) {
                throw new IllegalArgumentException("sequence " + seq + " is not above the last " + index.lastSeq);
            }
            byte[] h = hdr.clone();
            byte[] p = pay.clone();
            SubjectInfo si = index.add(seq, subject, timestampNanos, messageSize(subject, hdr.length, pay.length), h, p);
            persistAppend(seq, si.name, timestampNanos, h, p);
        } finally {
            endWrite();
        }
    }

    @Override
    public void restoreLast(long seq, long timestampNanos) {
        beginWrite();
        try {
            if (seq > index.lastSeq) {
                index.lastSeq = seq;
                index.lastTimeNanos = timestampNanos;
            }
            persistFlush();
        } finally {
            endWrite();
        }
    }

    private void checkDiscardNew(StreamLimits l, SubjectInfo si, boolean atSubjectLimit, long size) {
        if (atSubjectLimit && l.discardNewPerSubject()) {
            throw new StoreException(StoreException.Kind.MAX_MSGS_PER_SUBJECT);
        }
        // at the subject limit the subject's oldest message is replaced, so the totals do not grow
        if (l.maxMsgs() > 0 && index.size() >= l.maxMsgs() && !atSubjectLimit) {
            throw new StoreException(StoreException.Kind.MAX_MSGS);
        }
        if (l.maxBytes() > 0 && index.bytes + size > l.maxBytes()) {
            if (!atSubjectLimit) {
                throw new StoreException(StoreException.Kind.MAX_BYTES);
            }
            index.resolve(si);
            int oldest = index.slotOf(si.first);
            if (oldest < 0 || index.bytes - index.sizeAt(oldest) + size > l.maxBytes()) {
                throw new StoreException(StoreException.Kind.MAX_BYTES);
            }
        }
    }

    private void enforceLimits(SubjectInfo si, StreamLimits l) {
        if (si != null && l.maxMsgsPerSubject() > 0) {
            while (si.msgs > l.maxMsgsPerSubject()) {
                index.resolve(si);
                removeLocked(si.first, false);
            }
        }
        if (l.maxMsgs() > 0) {
            while (index.size() > l.maxMsgs()) {
                removeLocked(index.firstSeq(), false);
            }
        }
        if (l.maxBytes() > 0) {
            while (index.bytes > l.maxBytes() && !index.isEmpty()) {
                removeLocked(index.firstSeq(), false);
            }
        }
    }

    private long expireLocked() {
        long maxAge = limits.maxAgeNanos();
        if (maxAge <= 0 || index.isEmpty()) {
            return 0;
        }
        long minTs = clockNanos.getAsLong() - maxAge;
        long removed = 0;
        while (!index.isEmpty()) {
            int first = index.firstSlot();
            if (index.timeAt(first) > minTs) {
                break;
            }
            removeLocked(index.seqAt(first), false);
            removed++;
        }
        return removed;
    }

    /** Removes one message from the index and the batch; marks its subject's first/last stale. */
    private boolean removeLocked(long seq, boolean erase) {
        int slot = index.slotOf(seq);
        if (slot < 0) {
            return false;
        }
        String subject = index.subjectAt(slot);
        if (erase && keepsBytes()) {
            java.util.Arrays.fill(index.headerAt(slot), (byte) 0);
            java.util.Arrays.fill(index.payloadAt(slot), (byte) 0);
        }
        index.removeSlot(slot);
        persistRemove(seq, subject, erase);
        return true;
    }

    @Override
    public void flush() {
        beginWrite();
        try {
            persistFlush();
        } finally {
            endWrite();
        }
    }

    @Override
    public void discardUnflushed() {
        beginWrite();
        try {
            persistDiscard();
        } finally {
            endWrite();
        }
    }

    /** Drops the unflushed batch and puts the index back to what is stored (write lock held). */
    protected void persistDiscard() {
    }

    @Override
    public boolean remove(long seq) {
        return removeAndFlush(seq, false);
    }

    @Override
    public boolean erase(long seq) {
        return removeAndFlush(seq, true);
    }

    private boolean removeAndFlush(long seq, boolean erase) {
        beginWrite();
        try {
            boolean removed = removeLocked(seq, erase);
            persistFlush();
            return removed;
        } finally {
            endWrite();
        }
    }

    @Override
    public long purge() {
        beginWrite();
        try {
            long n = index.size();
            if (n > 0) {
                persistRemoveAll(index.firstSeq(), index.lastStoredSeq());
            }
            index.clear();
            persistFlush();
            return n;
        } finally {
            endWrite();
        }
    }

    @Override
    public long purge(String subject, long seq, long keep) {
        if (seq > 1 && keep > 0) {
            throw new StoreException(StoreException.Kind.PURGE_ARG_MISMATCH);
        }
        if (matchesAll(subject)) {
            if (keep == 0 && seq <= 1) {
                return purge();
            }
            if (seq > 1) {
                return compact(seq);
            }
            long n;
            long last;
            lock.readLock().lock();
            try {
                n = index.size();
                last = index.lastSeq;
            } finally {
                lock.readLock().unlock();
            }
            return keep >= n ? 0 : compact(last - keep + 1);
        }
        beginWrite();
        try {
            SubjectState ss = index.filteredState(subject);
            if (ss.msgs() == 0) {
                return 0;
            }
            long toRemove = ss.msgs();
            if (keep > 0) {
                if (keep >= ss.msgs()) {
                    return 0;
                }
                toRemove -= keep;
            }
            long last = seq > 1 ? seq - 1 : ss.last();
            if (last < ss.first()) {
                return 0;
            }
            // slots keep their numbers while messages are removed, so one pass removes as it goes
            long removed = 0;
            for (int s = index.ceilingSlot(ss.first()); s >= 0 && index.seqAt(s) <= last && removed < toRemove;
                 s = index.nextLive(s + 1)) {
                if (Subjects.subjectMatches(index.subjectAt(s), subject)) {
                    removeLocked(index.seqAt(s), false);
                    removed++;
                }
            }
            persistFlush();
            return removed;
        } finally {
            endWrite();
        }
    }

    @Override
    public long compact(long seq) {
        beginWrite();
        try {
            long removed = 0;
            if (seq > index.lastSeq + 1) {
                // past the end: everything goes, and the stream continues at seq
                removed = index.size();
                if (removed > 0) {
                    persistRemoveAll(index.firstSeq(), index.lastStoredSeq());
                }
                index.clear();
                index.lastSeq = seq - 1;
            } else {
                while (!index.isEmpty() && index.firstSeq() < seq) {
                    removeLocked(index.firstSeq(), false);
                    removed++;
                }
            }
            persistFlush();
            return removed;
        } finally {
            endWrite();
        }
    }

    @Override
    public long expire() {
        beginWrite();
        try {
            long n = expireLocked();
            if (n > 0) {
                persistFlush();
            }
            return n;
        } finally {
            endWrite();
        }
    }

    @Override
    public void updateLimits(StreamLimits newLimits) {
        beginWrite();
        try {
            limits = newLimits;
            persistLimits(newLimits);
            if (newLimits.maxMsgsPerSubject() > 0) {
                for (String s : new ArrayList<>(index.subjects.keySet())) {
                    SubjectInfo si = index.subject(s);
                    while (si != null && si.msgs > newLimits.maxMsgsPerSubject()) {
                        index.resolve(si);
                        removeLocked(si.first, false);
                    }
                }
            }
            if (!index.isEmpty()) {
                enforceLimits(null,
                        new StreamLimits(newLimits.maxMsgs(), newLimits.maxBytes(), 0, 0, false, false, 0));
            }
            expireLocked();
            persistFlush();
        } finally {
            endWrite();
        }
    }

    /** Records new limits durably (file storage) with the next flush. */
    protected void persistLimits(StreamLimits newLimits) {
    }

    @Override
    public StreamLimits limits() {
        return limits;
    }

    // ------------------------------------------------------------------ reads

    static boolean matchesAll(String filter) {
        return StreamIndex.matchesAll(filter);
    }

    private void beginRead() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new StoreException(StoreException.Kind.CLOSED);
        }
    }

    @Override
    public StoredMessage load(long seq) {
        beginRead();
        try {
            int slot = index.slotOf(seq);
            return slot < 0 ? null : read(seq, slot);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public StoredMessage loadLast(String filter) {
        beginRead();
        try {
            long best = index.lastOf(filter);
            int slot = best == 0 ? -1 : index.slotOf(best);
            return slot < 0 ? null : read(best, slot);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public StoredMessage loadNext(String filter, long startSeq) {
        beginRead();
        try {
            long from = Math.max(1, startSeq);
            if (matchesAll(filter)) {
                int s = index.ceilingSlot(from);
                return s < 0 ? null : read(index.seqAt(s), s);
            }
            if (Subjects.isValidLiteralSubject(filter)) {
                SubjectInfo si = index.subject(filter);
                if (si == null || si.last < from) {
                    return null;
                }
                from = Math.max(from, si.first);
                long seq = nextSeqOfSubject(filter, from);
                if (seq < 0) {
                    return null;
                }
                if (seq > 0) {
                    int s = index.slotOf(seq);
                    if (s >= 0) {
                        return read(seq, s);
                    }
                }
                // a literal subject: compare its state object, not the subject text
                SubjectInfo want = si;
                for (int s = index.ceilingSlot(from); s >= 0; s = index.nextLive(s + 1)) {
                    if (index.subjectInfoAt(s) == want) {
                        return read(index.seqAt(s), s);
                    }
                }
                return null;
            }
            for (int s = index.ceilingSlot(from); s >= 0; s = index.nextLive(s + 1)) {
                if (Subjects.subjectMatches(index.subjectAt(s), filter)) {
                    return read(index.seqAt(s), s);
                }
            }
            return null;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long[] seqsWithHeaderSince(long sinceNanos) {
        beginRead();
        try {
            long[] out = new long[16];
            int n = 0;
            for (int s = index.firstSlot(); s >= 0; s = index.nextLive(s + 1)) {
                if (index.hasHeaderAt(s) && index.timeAt(s) >= sinceNanos) {
                    if (n == out.length) {
                        out = java.util.Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = index.seqAt(s);
                }
            }
            return java.util.Arrays.copyOf(out, n);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public StreamState state() {
        beginRead();
        try {
            return index.state(consumers.size());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public SubjectState filteredState(String filter) {
        beginRead();
        try {
            return index.filteredState(filter);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Map<String, SubjectState> subjectsState(String filter) {
        beginRead();
        try {
            return index.subjectsState(filter);
        } finally {
            lock.readLock().unlock();
        }
    }

    // ------------------------------------------------------------------ consumers

    @Override
    public ConsumerStore consumer(String consumerName, AckPolicy ackPolicy) {
        ThreadGuard.checkNotEventLoop();
        if (closed) {
            throw new StoreException(StoreException.Kind.CLOSED);
        }
        return consumers.computeIfAbsent(consumerName, n -> openConsumer(n, ackPolicy));
    }

    @Override
    public Set<String> consumerNames() {
        return Collections.unmodifiableSet(new java.util.TreeSet<>(consumers.keySet()));
    }

    /** Called by a consumer store when it is deleted. */
    void consumerDeleted(String consumerName) {
        consumers.remove(consumerName);
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Whether the index holds each message's bytes (memory storage). */
    protected boolean keepsBytes() {
        return false;
    }

    /** Iterates the sequences in the index (tests and diagnostics; not while the store changes). */
    Iterator<Long> sequences() {
        return new Iterator<>() {
            int slot = index.firstSlot();

            @Override
            public boolean hasNext() {
                return slot >= 0;
            }

            @Override
            public Long next() {
                if (slot < 0) {
                    throw new NoSuchElementException();
                }
                long seq = index.seqAt(slot);
                slot = index.nextLive(slot + 1);
                return seq;
            }
        };
    }
}
