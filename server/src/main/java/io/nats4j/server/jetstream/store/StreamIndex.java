package io.nats4j.server.jetstream.store;

import io.nats4j.server.subject.Subjects;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-heap index of one stream: sequence to subject, time and size; per subject its count, first and last
 * sequence (nats-server's per-subject state); the totals. No locking of its own: the store holds its lock around
 * every call (write lock to change, read lock to read).
 *
 * <p>Messages live in parallel primitive arrays sorted by sequence ("slots": sequence, time, subject id, size;
 * 24 bytes a message, no object per message), found by binary search. A removal leaves a tombstone (subject id
 * -1) that {@link #compactSlots()} squeezes out once tombstones outnumber live messages, so a sparse stream (a KV
 * bucket whose keys are rewritten) costs at most twice its live messages. Memory storage also keeps each
 * message's header and payload in two more parallel arrays ({@code keepBytes}).
 *
 * <p>Subjects have a small int id (reused once a subject has no message) and one {@link SubjectInfo} each.
 *
 * <p>A removal that takes a subject's first or last message leaves bounds marked stale; {@link #resolveStale()}
 * finds the real ones before the store releases its write lock, so readers never write.
 */
final class StreamIndex {

    private static final int NONE = -1;
    /** The high bit of a slot's size: the message has a header. */
    private static final int HAS_HEADER = 0x80000000;
    private static final int SIZE_MASK = 0x7fffffff;

    /** Per subject: count, first and last sequence. */
    static final class SubjectInfo {
        final String name;
        final int id;
        long msgs;
        long first;
        long last;
        boolean firstStale;
        boolean lastStale;

        SubjectInfo(String name, int id) {
            this.name = name;
            this.id = id;
        }
    }

    private final boolean keepBytes;
    // slots [lo, hi): sorted by sequence; subj[i] == NONE marks a removed message
    private long[] seqs = new long[16];
    private long[] times = new long[16];
    private int[] subj = new int[16];
    private int[] sizes = new int[16];
    private byte[][] headers;
    private byte[][] payloads;
    private int lo;
    private int hi;
    private int live;

    final HashMap<String, SubjectInfo> subjects = new HashMap<>();
    private SubjectInfo[] byId = new SubjectInfo[8];
    private int[] freeIds = new int[8];
    private int freeCount;
    private int nextId;
    private final List<SubjectInfo> staleSubjects = new ArrayList<>();
    /** Bytes of the messages in the index, as the storage counts them. */
    long bytes;
    /** The stream's last sequence and its time (they survive the removal of the last message). */
    long lastSeq;
    long lastTimeNanos;

    StreamIndex(boolean keepBytes) {
        this.keepBytes = keepBytes;
        if (keepBytes) {
            headers = new byte[16][];
            payloads = new byte[16][];
        }
    }

    static boolean matchesAll(String filter) {
        return filter == null || filter.isEmpty() || filter.equals(">");
    }

    private static boolean isLiteral(String filter) {
        return Subjects.isValidLiteralSubject(filter);
    }

    int size() {
        return live;
    }

    boolean isEmpty() {
        return live == 0;
    }

    SubjectInfo subject(String subject) {
        return subjects.get(subject);
    }

    // ------------------------------------------------------------------ slots

    /** The slot of message {@code seq}, or -1 when it is not stored. */
    int slotOf(long seq) {
        int s = Arrays.binarySearch(seqs, lo, hi, seq);
        return s >= 0 && subj[s] != NONE ? s : -1;
    }

    /** The first live slot holding a sequence at or after {@code seq}, or -1. */
    int ceilingSlot(long seq) {
        int s = Arrays.binarySearch(seqs, lo, hi, seq);
        if (s < 0) {
            s = -s - 1;
        }
        return nextLive(s);
    }

    /** The last live slot holding a sequence at or before {@code seq}, or -1. */
    int floorSlot(long seq) {
        int s = Arrays.binarySearch(seqs, lo, hi, seq);
        if (s < 0) {
            s = -s - 2;
        }
        while (s >= lo && subj[s] == NONE) {
            s--;
        }
        return s >= lo ? s : -1;
    }

    /** The first live slot at or after slot {@code s}, or -1. */
    int nextLive(int s) {
        while (s < hi && subj[s] == NONE) {
            s++;
        }
        return s < hi ? s : -1;
    }

    int firstSlot() {
        return live == 0 ? -1 : nextLive(lo);
    }

    int lastSlot() {
        return live == 0 ? -1 : floorSlot(Long.MAX_VALUE);
    }

    long firstSeq() {
        return live == 0 ? 0 : seqs[firstSlot()];
    }

    long lastStoredSeq() {
        return live == 0 ? 0 : seqs[lastSlot()];
    }

    long seqAt(int slot) {
        return seqs[slot];
    }

    long timeAt(int slot) {
        return times[slot];
    }

    int sizeAt(int slot) {
        return sizes[slot] & SIZE_MASK;
    }

    boolean hasHeaderAt(int slot) {
        return (sizes[slot] & HAS_HEADER) != 0;
    }

    /** Size and header bit as one int (snapshots). */
    int rawSizeAt(int slot) {
        return sizes[slot];
    }

    SubjectInfo subjectInfoAt(int slot) {
        return byId[subj[slot]];
    }

    String subjectAt(int slot) {
        return byId[subj[slot]].name;
    }

    byte[] headerAt(int slot) {
        return headers[slot];
    }

    byte[] payloadAt(int slot) {
        return payloads[slot];
    }

    // ------------------------------------------------------------------ changes

    /** Adds message {@code seq} (after every stored sequence) on {@code subject}; returns the subject's state. */
    SubjectInfo add(long seq, String subject, long ts, long size, byte[] header, byte[] payload) {
        SubjectInfo si = subjects.get(subject);
        if (si == null) {
            si = newSubject(subject);
            si.first = seq;
        } else if (si.msgs == 0) {
            si.first = seq;
        }
        si.msgs++;
        si.last = seq;
        int raw = (int) Math.min(SIZE_MASK, size) | (header != null && header.length > 0 ? HAS_HEADER : 0);
        appendSlot(seq, si.id, ts, raw, header, payload);
        bytes += size;
        if (seq > lastSeq) {
            lastSeq = seq;
            lastTimeNanos = ts;
        }
        return si;
    }

    /** Puts a recovered message into the index (recovery only, in sequence order, before the store is shared). */
    void recover(long seq, String subject, long ts, long size, boolean hasHeader) {
        add(seq, subject, ts, size, hasHeader ? HEADER_MARK : null, null);
    }

    private static final byte[] HEADER_MARK = new byte[1];

    private SubjectInfo newSubject(String subject) {
        int id = freeCount > 0 ? freeIds[--freeCount] : nextId++;
        if (id >= byId.length) {
            byId = Arrays.copyOf(byId, byId.length * 2);
        }
        SubjectInfo si = new SubjectInfo(subject, id);
        byId[id] = si;
        subjects.put(subject, si);
        return si;
    }

    private void dropSubject(SubjectInfo si) {
        subjects.remove(si.name);
        byId[si.id] = null;
        if (freeCount == freeIds.length) {
            freeIds = Arrays.copyOf(freeIds, freeIds.length * 2);
        }
        freeIds[freeCount++] = si.id;
    }

    private void appendSlot(long seq, int id, long ts, int rawSize, byte[] header, byte[] payload) {
        if (hi > lo && seqs[hi - 1] >= seq) {
            throw new IllegalStateException("sequence " + seq + " is not after " + seqs[hi - 1]);
        }
        if (hi == seqs.length) {
            makeRoom();
        }
        seqs[hi] = seq;
        times[hi] = ts;
        subj[hi] = id;
        sizes[hi] = rawSize;
        if (keepBytes) {
            headers[hi] = header;
            payloads[hi] = payload;
        }
        hi++;
        live++;
    }

    /** Makes room for {@code n} more messages at once (a restore knows its count: no growth copies). */
    void reserve(int n) {
        int cap = hi + n;
        if (cap > seqs.length) {
            resize(cap);
        }
    }

    /** Squeezes out tombstones when they are many, else grows the arrays by half. */
    private void makeRoom() {
        if (hi - lo - live >= live || lo > seqs.length / 2) {
            compactSlots();
            if (hi < seqs.length * 3 / 4) {
                return;
            }
        }
        resize(seqs.length + (seqs.length >> 1) + 16);
    }

    private void resize(int cap) {
        seqs = Arrays.copyOf(seqs, cap);
        times = Arrays.copyOf(times, cap);
        subj = Arrays.copyOf(subj, cap);
        sizes = Arrays.copyOf(sizes, cap);
        if (keepBytes) {
            headers = Arrays.copyOf(headers, cap);
            payloads = Arrays.copyOf(payloads, cap);
        }
    }

    /** Moves the live slots to the front of the arrays, in order (slot numbers change). */
    private void compactSlots() {
        int w = 0;
        for (int r = lo; r < hi; r++) {
            if (subj[r] != NONE) {
                seqs[w] = seqs[r];
                times[w] = times[r];
                subj[w] = subj[r];
                sizes[w] = sizes[r];
                if (keepBytes) {
                    headers[w] = headers[r];
                    payloads[w] = payloads[r];
                }
                w++;
            }
        }
        if (keepBytes) {
            Arrays.fill(headers, w, hi, null);
            Arrays.fill(payloads, w, hi, null);
        }
        lo = 0;
        hi = w;
    }

    /** Removes the message in {@code slot}; marks its subject's first/last stale. Slot numbers do not change. */
    void removeSlot(int slot) {
        long seq = seqs[slot];
        SubjectInfo si = byId[subj[slot]];
        bytes -= sizes[slot] & SIZE_MASK;
        subj[slot] = NONE;
        if (keepBytes) {
            headers[slot] = null;
            payloads[slot] = null;
        }
        live--;
        if (live == 0) {
            lo = 0;
            hi = 0;
        } else {
            while (subj[lo] == NONE) {
                lo++;
            }
            while (subj[hi - 1] == NONE) {
                hi--;
            }
        }
        si.msgs--;
        if (si.msgs == 0) {
            dropSubject(si);
        } else {
            boolean wasStale = si.firstStale || si.lastStale;
            if (seq == si.first) {
                si.first = seq + 1; // a lower bound until resolved
                si.firstStale = true;
            }
            if (seq == si.last) {
                si.last = seq - 1; // an upper bound until resolved
                si.lastStale = true;
            }
            if (!wasStale && (si.firstStale || si.lastStale)) {
                staleSubjects.add(si);
            }
        }
    }

    /** Empties the index (the last sequence stays). */
    void clear() {
        if (keepBytes) {
            Arrays.fill(headers, lo, hi, null);
            Arrays.fill(payloads, lo, hi, null);
        }
        lo = 0;
        hi = 0;
        live = 0;
        subjects.clear();
        Arrays.fill(byId, null);
        nextId = 0;
        freeCount = 0;
        staleSubjects.clear();
        bytes = 0;
    }

    /** Finds the real first/last of a subject from their bounds. */
    void resolve(SubjectInfo si) {
        if (si.firstStale) {
            for (int s = ceilingSlot(si.first); s >= 0 && s < hi; s++) {
                if (subj[s] == si.id) {
                    si.first = seqs[s];
                    break;
                }
            }
            si.firstStale = false;
        }
        if (si.lastStale) {
            for (int s = floorSlot(si.last); s >= lo; s--) {
                if (subj[s] == si.id) {
                    si.last = seqs[s];
                    break;
                }
            }
            si.lastStale = false;
        }
    }

    void resolveStale() {
        if (staleSubjects.isEmpty()) {
            return;
        }
        for (SubjectInfo si : staleSubjects) {
            if (si.msgs > 0 && byId[si.id] == si) {
                resolve(si);
            }
        }
        staleSubjects.clear();
    }

    // ------------------------------------------------------------------ queries

    /** The last sequence matching {@code filter}, 0 when none. */
    long lastOf(String filter) {
        if (matchesAll(filter)) {
            return lastStoredSeq();
        }
        if (isLiteral(filter)) {
            SubjectInfo si = subjects.get(filter);
            return si == null ? 0 : si.last;
        }
        long best = 0;
        for (Map.Entry<String, SubjectInfo> en : subjects.entrySet()) {
            if (en.getValue().last > best && Subjects.subjectMatches(en.getKey(), filter)) {
                best = en.getValue().last;
            }
        }
        return best;
    }

    SubjectState filteredState(String filter) {
        if (matchesAll(filter)) {
            return live == 0 ? SubjectState.EMPTY : new SubjectState(live, firstSeq(), lastStoredSeq());
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

    Map<String, SubjectState> subjectsState(String filter) {
        Map<String, SubjectState> out = new TreeMap<>();
        boolean all = matchesAll(filter);
        for (Map.Entry<String, SubjectInfo> en : subjects.entrySet()) {
            if (all || Subjects.subjectMatches(en.getKey(), filter)) {
                SubjectInfo si = en.getValue();
                out.put(en.getKey(), new SubjectState(si.msgs, si.first, si.last));
            }
        }
        return out;
    }

    StreamState state(int consumers) {
        long n = live;
        int fs = firstSlot();
        long first = n > 0 ? seqs[fs] : lastSeq + 1;
        long firstTs = n > 0 ? times[fs] : 0;
        long deleted = n > 0 ? (lastSeq - first + 1) - n : 0;
        return new StreamState(n, bytes, first, firstTs, lastSeq, lastTimeNanos, deleted, subjects.size(), consumers);
    }

    // ------------------------------------------------------------------ snapshot

    /** One more than the highest subject id in use. */
    int idBound() {
        return nextId;
    }

    /** Every live subject, for {@link IndexSnapshot} (after {@link #resolveStale()}). */
    Iterable<SubjectInfo> subjectInfos() {
        return subjects.values();
    }

    /** Restores a subject from a snapshot, before its messages are {@linkplain #restoreSlot restored}. */
    SubjectInfo restoreSubject(String name, long msgs, long first, long last) {
        SubjectInfo si = newSubject(name);
        si.msgs = msgs;
        si.first = first;
        si.last = last;
        return si;
    }

    /** Restores one message slot from a snapshot (in sequence order; subject counts come with the subjects). */
    void restoreSlot(long seq, SubjectInfo si, long ts, int rawSize) {
        appendSlot(seq, si.id, ts, rawSize, null, null);
        bytes += rawSize & SIZE_MASK;
    }

    /** Checks a restored index: every subject's count matches its slots. */
    boolean consistent() {
        long[] counts = new long[nextId];
        for (int s = lo; s < hi; s++) {
            if (subj[s] != NONE) {
                if (subj[s] >= nextId || byId[subj[s]] == null) {
                    return false;
                }
                counts[subj[s]]++;
            }
        }
        for (SubjectInfo si : subjects.values()) {
            if (counts[si.id] != si.msgs || si.msgs == 0) {
                return false;
            }
        }
        return true;
    }
}
