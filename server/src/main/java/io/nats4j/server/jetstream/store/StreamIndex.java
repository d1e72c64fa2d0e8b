package io.nats4j.server.jetstream.store;

import io.nats4j.server.subject.Subjects;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The in-heap index of one stream: sequence to subject, time and size; per subject its count, first and last
 * sequence (nats-server's per-subject state); the totals. No locking of its own: the store holds its lock around
 * every call (write lock to change, read lock to read).
 *
 * <p>A removal that takes a subject's first or last message leaves bounds marked stale; {@link #resolveStale()}
 * finds the real ones before the store releases its write lock, so readers never write.
 */
final class StreamIndex {

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

    /** Per subject: count, first and last sequence. */
    static final class SubjectInfo {
        long msgs;
        long first;
        long last;
        boolean firstStale;
        boolean lastStale;
    }

    final TreeMap<Long, Entry> msgs = new TreeMap<>();
    final HashMap<String, SubjectInfo> subjects = new HashMap<>();
    private final Set<String> staleSubjects = new LinkedHashSet<>();
    /** Bytes of the messages in the index, as the storage counts them. */
    long bytes;
    /** The stream's last sequence and its time (they survive the removal of the last message). */
    long lastSeq;
    long lastTimeNanos;

    static boolean matchesAll(String filter) {
        return filter == null || filter.isEmpty() || filter.equals(">");
    }

    private static boolean isLiteral(String filter) {
        return Subjects.isValidLiteralSubject(filter);
    }

    int size() {
        return msgs.size();
    }

    boolean isEmpty() {
        return msgs.isEmpty();
    }

    Entry get(long seq) {
        return msgs.get(seq);
    }

    SubjectInfo subject(String subject) {
        return subjects.get(subject);
    }

    /** Adds message {@code seq} (the next sequence) on {@code subject}; returns its entry. */
    Entry add(long seq, String subject, long ts, long size, byte[] header, byte[] payload) {
        SubjectInfo si = subjects.get(subject);
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
        Entry e = new Entry(subject, ts, size, header, payload);
        msgs.put(seq, e);
        bytes += size;
        lastSeq = seq;
        lastTimeNanos = ts;
        return e;
    }

    /** Puts a recovered message into the index (recovery only, before the store is shared). */
    void recover(long seq, String subject, long ts, long size) {
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

    /** The map's own key for a subject, so entries share one String per subject. */
    private String keyOf(String subject, SubjectInfo si) {
        Entry first = msgs.get(si.first);
        return first != null && !si.firstStale ? first.subject : subject;
    }

    /** Removes one message; marks its subject's first/last stale. Returns its entry, or null. */
    Entry remove(long seq) {
        Entry e = msgs.remove(seq);
        if (e == null) {
            return null;
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
        return e;
    }

    /** Empties the index (the last sequence stays). */
    void clear() {
        msgs.clear();
        subjects.clear();
        staleSubjects.clear();
        bytes = 0;
    }

    /** Finds the real first/last of a subject from their bounds. */
    void resolve(SubjectInfo si) {
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

    void resolveStale() {
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

    /** The last sequence matching {@code filter}, 0 when none. */
    long lastOf(String filter) {
        if (matchesAll(filter)) {
            return msgs.isEmpty() ? 0 : msgs.lastKey();
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
        long n = msgs.size();
        long first = n > 0 ? msgs.firstKey() : lastSeq + 1;
        long firstTs = n > 0 ? msgs.firstEntry().getValue().timestampNanos : 0;
        long deleted = n > 0 ? (lastSeq - first + 1) - n : 0;
        return new StreamState(n, bytes, first, firstTs, lastSeq, lastTimeNanos, deleted, subjects.size(), consumers);
    }
}
