package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.jetstream.store.StoredMessage;
import io.nats4j.server.jetstream.store.StreamState;
import io.nats4j.server.jetstream.store.StreamStore;
import io.nats4j.server.jetstream.store.SubjectState;
import java.util.List;
import java.util.TreeSet;

/**
 * A consumer's place in its stream read from the store: the starting sequence of each deliver policy and the
 * count of matching messages still to deliver ({@code num_pending}, nats-server's streamNumPending). Reads the
 * store only; called on the consumer's thread (or at its start, before it runs).
 */
final class StreamPosition {

    private final StreamHandle stream;
    private final List<String> filters;

    StreamPosition(StreamHandle stream, List<String> filters) {
        this.stream = stream;
        this.filters = filters;
    }

    /** Sets {@code st} to the starting position of {@code cfg}'s deliver policy. */
    void selectStart(ConsumerConfig cfg, DeliveryState st) {
        StreamStore store = stream.store();
        StreamState ss = store.state();
        long first = ss.msgs() == 0 ? ss.lastSeq() + 1 : ss.firstSeq();
        long last = ss.lastSeq();
        long s;
        switch (cfg.deliverPolicy) {
            case ALL -> s = first;
            case LAST -> {
                if (filters.isEmpty()) {
                    s = ss.msgs() == 0 ? last + 1 : last;
                } else {
                    long l = 0;
                    for (String f : filters) {
                        StoredMessage m = store.loadLast(f);
                        if (m != null) {
                            l = Math.max(l, m.seq());
                        }
                    }
                    s = l == 0 ? last + 1 : l;
                }
            }
            case NEW -> s = last + 1;
            case BY_START_SEQUENCE -> s = Math.max(first, Math.min(cfg.optStartSeq, last + 1));
            case BY_START_TIME -> {
                long t = cfg.optStartTime.getEpochSecond() * 1_000_000_000L + cfg.optStartTime.getNano();
                s = last + 1;
                for (long q = first; q <= last; ) {
                    StoredMessage m = store.loadNext(null, q);
                    if (m == null) {
                        break;
                    }
                    if (m.timestampNanos() >= t) {
                        s = m.seq();
                        break;
                    }
                    q = m.seq() + 1;
                }
            }
            case LAST_PER_SUBJECT -> {
                TreeSet<Long> seqs = new TreeSet<>();
                for (String f : filters.isEmpty() ? List.of(">") : filters) {
                    for (SubjectState sub : store.subjectsState(f).values()) {
                        seqs.add(sub.last());
                    }
                }
                st.lss.addAll(seqs);
                s = seqs.isEmpty() ? last + 1 : seqs.first();
            }
            default -> s = first;
        }
        st.startAt(s);
    }

    /** Recounts {@code num_pending} from the store into {@code st.npc}, up to the stream's last sequence. */
    void recount(DeliveryState st) {
        StreamStore store = stream.store();
        long last = store.state().lastSeq();
        if (!st.lss.isEmpty()) {
            long n = 0;
            long max = 0;
            for (long q : st.lss) {
                if (q <= last && store.load(q) != null) {
                    n++;
                }
                max = Math.max(max, q);
            }
            st.npc = n + countFrom(max + 1, last);
        } else {
            st.npc = countFrom(st.sseq, last);
        }
        st.npf = last;
    }

    /** Counts the matching messages in {@code first..last} stored after the count's position ({@code npf}). */
    void countStored(DeliveryState st, long first, long last) {
        long from = Math.max(Math.max(first, st.npf + 1), st.sseq);
        if (from <= last) {
            if (filters.isEmpty()) {
                st.npc += last - from + 1;
            } else {
                for (String f : filters) {
                    st.npc += walk(f, from, last);
                }
            }
        }
        st.npf = Math.max(st.npf, last);
    }

    private long countFrom(long from, long last) {
        if (from > last) {
            return 0;
        }
        StreamStore store = stream.store();
        if (filters.isEmpty()) {
            StreamState ss = store.state();
            if (from <= ss.firstSeq()) {
                return ss.msgs();
            }
            return walk(null, from, last);
        }
        long n = 0;
        for (String f : filters) {
            SubjectState fs = store.filteredState(f);
            if (fs.msgs() == 0 || from > fs.last()) {
                continue;
            }
            n += from <= fs.first() ? fs.msgs() : walk(f, from, last);
        }
        return n;
    }

    private long walk(String filter, long from, long last) {
        StreamStore store = stream.store();
        long n = 0;
        for (long q = from; q <= last; ) {
            StoredMessage m = store.loadNext(filter, q);
            if (m == null || m.seq() > last) {
                break;
            }
            n++;
            q = m.seq() + 1;
        }
        return n;
    }
}
