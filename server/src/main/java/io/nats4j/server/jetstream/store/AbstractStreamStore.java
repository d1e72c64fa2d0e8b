package io.nats4j.server.jetstream.store;

import io.nats4j.server.jetstream.store.StreamIndex.Entry;
import io.nats4j.server.jetstream.store.StreamIndex.SubjectInfo;
import io.nats4j.server.subject.Subjects;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
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
    protected final StreamIndex index = new StreamIndex();
    protected final Map<String, ConsumerStore> consumers = new ConcurrentHashMap<>();
    protected StreamLimits limits;
    protected volatile boolean closed;

    AbstractStreamStore(String name, StreamLimits limits, LongSupplier clockNanos) {
        this.name = name;
        this.limits = limits;
        this.clockNanos = clockNanos;
    }

    // ------------------------------------------------------------------ hooks

    /** The bytes this message counts for in {@code bytes} and {@code max_bytes}. */
    protected abstract long messageSize(String subject, int headerLength, int payloadLength);

    /** Adds a new message to the current batch. */
    protected abstract void persistAppend(long seq, Entry entry);

    /** Adds the removal of a message to the current batch. */
    protected abstract void persistRemove(long seq, Entry entry, boolean erase);

    /** Adds the removal of every message from {@code fromSeq} to {@code toSeq} to the batch. */
    protected abstract void persistRemoveAll(long fromSeq, long toSeq);

    /** Writes the batch; {@code durable}: with the storage's sync. */
    protected abstract void persistFlush();

    /** Header and payload of a stored message. */
    protected abstract StoredMessage read(long seq, Entry entry);

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
    protected final void recoverEntry(long seq, String subject, long ts, long size) {
        index.recover(seq, subject, ts, size);
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
            Entry e = index.add(seq, subject, ts, size, copy ? hdr.clone() : hdr, copy ? pay.clone() : pay);
            subject = e.subject;
            si = index.subject(subject);
            persistAppend(seq, e);
            enforceLimits(subject, si, l);
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
            Entry e = index.add(seq, subject, timestampNanos, messageSize(subject, hdr.length, pay.length),
                    hdr.clone(), pay.clone());
            persistAppend(seq, e);
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
            Entry oldest = index.get(si.first);
            if (oldest == null || index.bytes - oldest.size + size > l.maxBytes()) {
                throw new StoreException(StoreException.Kind.MAX_BYTES);
            }
        }
    }

    private void enforceLimits(String subject, SubjectInfo si, StreamLimits l) {
        if (l.maxMsgsPerSubject() > 0) {
            while (si.msgs > l.maxMsgsPerSubject()) {
                index.resolve(si);
                removeLocked(si.first, false);
            }
        }
        if (l.maxMsgs() > 0) {
            while (index.size() > l.maxMsgs()) {
                removeLocked(index.msgs.firstKey(), false);
            }
        }
        if (l.maxBytes() > 0) {
            while (index.bytes > l.maxBytes() && !index.isEmpty()) {
                removeLocked(index.msgs.firstKey(), false);
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
            Map.Entry<Long, Entry> first = index.msgs.firstEntry();
            if (first.getValue().timestampNanos > minTs) {
                break;
            }
            removeLocked(first.getKey(), false);
            removed++;
        }
        return removed;
    }

    /** Removes one message from the index and the batch; marks its subject's first/last stale. */
    private boolean removeLocked(long seq, boolean erase) {
        Entry e = index.remove(seq);
        if (e == null) {
            return false;
        }
        persistRemove(seq, e, erase);
        if (erase) {
            if (e.header != null) {
                java.util.Arrays.fill(e.header, (byte) 0);
            }
            if (e.payload != null) {
                java.util.Arrays.fill(e.payload, (byte) 0);
            }
        }
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
                persistRemoveAll(index.msgs.firstKey(), index.msgs.lastKey());
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
            List<Long> victims = new ArrayList<>();
            if (last < ss.first()) {
                return 0;
            }
            for (Map.Entry<Long, Entry> en : index.msgs.subMap(ss.first(), true, last, true).entrySet()) {
                if (victims.size() >= toRemove) {
                    break;
                }
                if (Subjects.subjectMatches(en.getValue().subject, subject)) {
                    victims.add(en.getKey());
                }
            }
            for (long v : victims) {
                removeLocked(v, false);
            }
            persistFlush();
            return victims.size();
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
                    persistRemoveAll(index.msgs.firstKey(), index.msgs.lastKey());
                }
                index.clear();
                index.lastSeq = seq - 1;
            } else {
                NavigableMap<Long, Entry> head = index.msgs.headMap(seq, false);
                if (!head.isEmpty()) {
                    List<Long> victims = new ArrayList<>(head.keySet());
                    for (long v : victims) {
                        removeLocked(v, false);
                    }
                    removed = victims.size();
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
                Map.Entry<Long, Entry> last = index.msgs.lastEntry();
                SubjectInfo si = index.subject(last.getValue().subject);
                enforceLimits(last.getValue().subject, si,
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
            Entry e = index.get(seq);
            return e == null ? null : read(seq, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public StoredMessage loadLast(String filter) {
        beginRead();
        try {
            long best = index.lastOf(filter);
            return best == 0 ? null : read(best, index.get(best));
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
                Map.Entry<Long, Entry> en = index.msgs.ceilingEntry(from);
                return en == null ? null : read(en.getKey(), en.getValue());
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
                    Entry e = index.get(seq);
                    if (e != null) {
                        return read(seq, e);
                    }
                }
            }
            for (Map.Entry<Long, Entry> en : index.msgs.tailMap(from, true).entrySet()) {
                if (Subjects.subjectMatches(en.getValue().subject, filter)) {
                    return read(en.getKey(), en.getValue());
                }
            }
            return null;
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

    /** Iterates the sequences in the index (tests and diagnostics). */
    Iterator<Long> sequences() {
        return index.msgs.keySet().iterator();
    }
}
