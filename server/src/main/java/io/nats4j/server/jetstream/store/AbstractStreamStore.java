package io.nats4j.server.jetstream.store;

import io.nats4j.server.subject.Subjects;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * Everything both storages share: the in-memory index of a stream (sequence to subject, time and
 * size; per subject its count, first and last), the limits, purges and state. A subclass keeps
 * the bytes (in the index entries, or in RocksDB) through the {@code persist*} hooks, which run
 * with the write lock held, on the stream's single writer.
 *
 * <p>Lock: {@link #lock} (read/write). Mutations hold the write lock for their whole duration,
 * including their disk write; loads and state hold the read lock. Subject firsts/lasts that a
 * removal made stale are recomputed before the write lock is released, so readers never write.
 */
abstract class AbstractStreamStore implements StreamStore {

    /** What the index knows of a stored message. Header and payload are held by memory storage. */
    static final class Entry {
        final String subject;
        final long timestampNanos;
        final long size;
        byte[] header;
        byte[] payload;

        Entry(String subject, long timestampNanos, long size, byte[] header, byte[] payload) {
            this.subject = subject;
            this.timestampNanos = timestampNanos;
            this.size = size;
            this.header = header;
            this.payload = payload;
        }
    }

    /** Per subject: count, first and last sequence (nats-server's per-subject state). */
    static final class SubjectInfo {
        long msgs;
        long first;
        long last;
        boolean firstStale;
        boolean lastStale;
    }

    private static final byte[] EMPTY = new byte[0];

    protected final String name;
    protected final LongSupplier clockNanos;
    protected final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    protected final TreeMap<Long, Entry> msgs = new TreeMap<>();
    protected final HashMap<String, SubjectInfo> subjects = new HashMap<>();
    private final Set<String> staleSubjects = new LinkedHashSet<>();
    protected final Map<String, ConsumerStore> consumers = new ConcurrentHashMap<>();
    protected StreamLimits limits;
    protected long bytes;
    protected long lastSeq;
    protected long lastTimeNanos;
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
        SubjectInfo si = subjects.get(subject);
        if (si == null) {
            si = new SubjectInfo();
            si.first = seq;
            subjects.put(subject, si);
        } else {
            subject = msgs.get(si.first).subject; // one String per subject
        }
        si.msgs++;
        si.last = seq;
        msgs.put(seq, new Entry(subject, ts, size, null, null));
        bytes += size;
        if (seq > lastSeq) {
            lastSeq = seq;
            lastTimeNanos = ts;
        }
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
            resolveStaleSubjects();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long append(String subject, byte[] header, byte[] payload, long timestampNanos) {
        byte[] hdr = header == null ? EMPTY : header;
        byte[] pay = payload == null ? EMPTY : payload;
        beginWrite();
        try {
            StreamLimits l = limits;
            if (l.maxMsgSize() > 0 && (long) hdr.length + pay.length > l.maxMsgSize()) {
                throw new StoreException(StoreException.Kind.MSG_TOO_LARGE);
            }
            long size = messageSize(subject, hdr.length, pay.length);
            SubjectInfo si = subjects.get(subject);
            boolean atSubjectLimit = si != null && l.maxMsgsPerSubject() > 0 && si.msgs >= l.maxMsgsPerSubject();
            if (l.discardNew()) {
                checkDiscardNew(l, si, atSubjectLimit, size);
            }
            long ts = timestampNanos > 0 ? timestampNanos : clockNanos.getAsLong();
            long seq = lastSeq + 1;
            if (si == null) {
                si = new SubjectInfo();
                si.first = seq;
                subjects.put(subject, si);
            } else {
                subject = keyOf(subject, si);
                if (si.msgs == 0) {
                    si.first = seq;
                }
            }
            si.msgs++;
            si.last = seq;
            Entry e = new Entry(subject, ts, size, hdr.clone(), pay.clone());
            msgs.put(seq, e);
            bytes += size;
            lastSeq = seq;
            lastTimeNanos = ts;
            persistAppend(seq, e);
            enforceLimits(subject, si, l);
            expireLocked();
            return seq;
        } finally {
            endWrite();
        }
    }

    /** The map's own key for a subject, so entries share one String per subject. */
    private String keyOf(String subject, SubjectInfo si) {
        Entry first = msgs.get(si.first);
        return first != null && !si.firstStale ? first.subject : subject;
    }

    private void checkDiscardNew(StreamLimits l, SubjectInfo si, boolean atSubjectLimit, long size) {
        if (atSubjectLimit && l.discardNewPerSubject()) {
            throw new StoreException(StoreException.Kind.MAX_MSGS_PER_SUBJECT);
        }
        // at the subject limit the subject's oldest message is replaced, so the totals do not grow
        if (l.maxMsgs() > 0 && msgs.size() >= l.maxMsgs() && !atSubjectLimit) {
            throw new StoreException(StoreException.Kind.MAX_MSGS);
        }
        if (l.maxBytes() > 0 && bytes + size > l.maxBytes()) {
            if (!atSubjectLimit) {
                throw new StoreException(StoreException.Kind.MAX_BYTES);
            }
            resolve(si);
            Entry oldest = msgs.get(si.first);
            if (oldest == null || bytes - oldest.size + size > l.maxBytes()) {
                throw new StoreException(StoreException.Kind.MAX_BYTES);
            }
        }
    }

    private void enforceLimits(String subject, SubjectInfo si, StreamLimits l) {
        if (l.maxMsgsPerSubject() > 0) {
            while (si.msgs > l.maxMsgsPerSubject()) {
                resolve(si);
                removeLocked(si.first, false);
            }
        }
        if (l.maxMsgs() > 0) {
            while (msgs.size() > l.maxMsgs()) {
                removeLocked(msgs.firstKey(), false);
            }
        }
        if (l.maxBytes() > 0) {
            while (bytes > l.maxBytes() && !msgs.isEmpty()) {
                removeLocked(msgs.firstKey(), false);
            }
        }
    }

    private long expireLocked() {
        long maxAge = limits.maxAgeNanos();
        if (maxAge <= 0 || msgs.isEmpty()) {
            return 0;
        }
        long minTs = clockNanos.getAsLong() - maxAge;
        long removed = 0;
        while (!msgs.isEmpty()) {
            Map.Entry<Long, Entry> first = msgs.firstEntry();
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
        Entry e = msgs.remove(seq);
        if (e == null) {
            return false;
        }
        bytes -= e.size;
        SubjectInfo si = subjects.get(e.subject);
        if (si != null) {
            si.msgs--;
            if (si.msgs == 0) {
                subjects.remove(e.subject);
                staleSubjects.remove(e.subject);
            } else {
                if (seq == si.first) {
                    si.first = seq + 1; // a lower bound until resolved
                    si.firstStale = true;
                    staleSubjects.add(e.subject);
                }
                if (seq == si.last) {
                    si.last = seq - 1; // an upper bound until resolved
                    si.lastStale = true;
                    staleSubjects.add(e.subject);
                }
            }
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

    /** Finds the real first/last of a subject from their bounds. */
    private void resolve(SubjectInfo si) {
        if (si.firstStale) {
            for (Map.Entry<Long, Entry> en : msgs.tailMap(si.first, true).entrySet()) {
                if (subjects.get(en.getValue().subject) == si) {
                    si.first = en.getKey();
                    break;
                }
            }
            si.firstStale = false;
        }
        if (si.lastStale) {
            for (Map.Entry<Long, Entry> en : msgs.headMap(si.last, true).descendingMap().entrySet()) {
                if (subjects.get(en.getValue().subject) == si) {
                    si.last = en.getKey();
                    break;
                }
            }
            si.lastStale = false;
        }
    }

    private void resolveStaleSubjects() {
        if (staleSubjects.isEmpty()) {
            return;
        }
        for (String s : staleSubjects) {
            SubjectInfo si = subjects.get(s);
            if (si != null) {
                resolve(si);
            }
        }
        staleSubjects.clear();
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
            long n = msgs.size();
            if (n > 0) {
                persistRemoveAll(msgs.firstKey(), msgs.lastKey());
            }
            msgs.clear();
            subjects.clear();
            staleSubjects.clear();
            bytes = 0;
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
                n = msgs.size();
                last = lastSeq;
            } finally {
                lock.readLock().unlock();
            }
            return keep >= n ? 0 : compact(last - keep + 1);
        }
        beginWrite();
        try {
            SubjectState ss = filteredStateLocked(subject);
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
            for (Map.Entry<Long, Entry> en : msgs.subMap(ss.first(), true, last, true).entrySet()) {
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
            if (seq > lastSeq + 1) {
                // past the end: everything goes, and the stream continues at seq
                removed = msgs.size();
                if (removed > 0) {
                    persistRemoveAll(msgs.firstKey(), msgs.lastKey());
                }
                msgs.clear();
                subjects.clear();
                staleSubjects.clear();
                bytes = 0;
                lastSeq = seq - 1;
            } else {
                NavigableMap<Long, Entry> head = msgs.headMap(seq, false);
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
                for (String s : new ArrayList<>(subjects.keySet())) {
                    SubjectInfo si = subjects.get(s);
                    while (si != null && si.msgs > newLimits.maxMsgsPerSubject()) {
                        resolve(si);
                        removeLocked(si.first, false);
                    }
                }
            }
            if (!msgs.isEmpty()) {
                Map.Entry<Long, Entry> last = msgs.lastEntry();
                SubjectInfo si = subjects.get(last.getValue().subject);
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
        return filter == null || filter.isEmpty() || filter.equals(">");
    }

    private static boolean isLiteral(String filter) {
        return Subjects.isValidLiteralSubject(filter);
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
            Entry e = msgs.get(seq);
            return e == null ? null : read(seq, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public StoredMessage loadLast(String filter) {
        beginRead();
        try {
            long best = 0;
            if (matchesAll(filter)) {
                best = msgs.isEmpty() ? 0 : msgs.lastKey();
            } else if (isLiteral(filter)) {
                SubjectInfo si = subjects.get(filter);
                best = si == null ? 0 : si.last;
            } else {
                for (Map.Entry<String, SubjectInfo> en : subjects.entrySet()) {
                    if (en.getValue().last > best && Subjects.subjectMatches(en.getKey(), filter)) {
                        best = en.getValue().last;
                    }
                }
            }
            return best == 0 ? null : read(best, msgs.get(best));
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
                Map.Entry<Long, Entry> en = msgs.ceilingEntry(from);
                return en == null ? null : read(en.getKey(), en.getValue());
            }
            if (isLiteral(filter)) {
                SubjectInfo si = subjects.get(filter);
                if (si == null || si.last < from) {
                    return null;
                }
                from = Math.max(from, si.first);
                long seq = nextSeqOfSubject(filter, from);
                if (seq < 0) {
                    return null;
                }
                if (seq > 0) {
                    Entry e = msgs.get(seq);
                    if (e != null) {
                        return read(seq, e);
                    }
                }
            }
            for (Map.Entry<Long, Entry> en : msgs.tailMap(from, true).entrySet()) {
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
            long n = msgs.size();
            long first = n > 0 ? msgs.firstKey() : lastSeq + 1;
            long firstTs = n > 0 ? msgs.firstEntry().getValue().timestampNanos : 0;
            long deleted = n > 0 ? (lastSeq - first + 1) - n : 0;
            return new StreamState(n, bytes, first, firstTs, lastSeq, lastTimeNanos, deleted,
                    subjects.size(), consumers.size());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public SubjectState filteredState(String filter) {
        beginRead();
        try {
            return filteredStateLocked(filter);
        } finally {
            lock.readLock().unlock();
        }
    }

    private SubjectState filteredStateLocked(String filter) {
        if (matchesAll(filter)) {
            return msgs.isEmpty() ? SubjectState.EMPTY : new SubjectState(msgs.size(), msgs.firstKey(), msgs.lastKey());
        }
        if (isLiteral(filter)) {
            SubjectInfo si = subjects.get(filter);
            return si == null ? SubjectState.EMPTY : new SubjectState(si.msgs, si.first, si.last);
        }
        long n = 0;
        long first = 0;
        long last = 0;
        for (Map.Entry<String, SubjectInfo> en : subjects.entrySet()) {
            if (Subjects.subjectMatches(en.getKey(), filter)) {
                SubjectInfo si = en.getValue();
                n += si.msgs;
                first = first == 0 ? si.first : Math.min(first, si.first);
                last = Math.max(last, si.last);
            }
        }
        return n == 0 ? SubjectState.EMPTY : new SubjectState(n, first, last);
    }

    @Override
    public Map<String, SubjectState> subjectsState(String filter) {
        beginRead();
        try {
            Map<String, SubjectState> out = new TreeMap<>();
            boolean all = matchesAll(filter);
            for (Map.Entry<String, SubjectInfo> en : subjects.entrySet()) {
                if (all || Subjects.subjectMatches(en.getKey(), filter)) {
                    SubjectInfo si = en.getValue();
                    out.put(en.getKey(), new SubjectState(si.msgs, si.first, si.last));
                }
            }
            return out;
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
        return msgs.keySet().iterator();
    }
}
