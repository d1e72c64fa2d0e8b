package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.jetstream.store.ConsumerState;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where a consumer is and what it waits for (nats-server's consumer sequences, pending and redelivery maps), with
 * the ack rules that move its floors.
 *
 * <p>Threading: the consumer's thread only, except what {@link #needsAck} reads for interest retention:
 * {@link #pending} (a concurrent map) and the volatile {@link #sseq} and {@link #asflr}. A delivery adds to
 * {@code pending} before it moves {@code sseq}, so another reader never sees a message in flight as acknowledged.
 */
final class DeliveryState {

    /** Next stream sequence to look at. */
    volatile long sseq = 1;
    /** Next consumer (delivery) sequence. */
    long dseq = 1;
    /** Ack floor: consumer and stream sequence. */
    long adflr;
    volatile long asflr;
    /** Pending acks by stream sequence. */
    final ConcurrentSkipListMap<Long, ConsumerState.Pending> pending = new ConcurrentSkipListMap<>();
    /** Redeliveries so far by stream sequence (deliveries - 1). */
    final HashMap<Long, Long> rdc = new HashMap<>();
    /** Stream sequences waiting to be redelivered, in order. */
    final LinkedHashSet<Long> rdq = new LinkedHashSet<>();
    /** deliver_policy last_per_subject: the sequences still to deliver first. */
    final ArrayDeque<Long> lss = new ArrayDeque<>();
    /** Messages matching the filters at or after sseq, counted up to {@link #npf}. */
    long npc;
    long npf;
    /** Changed since the last write to the store. */
    boolean dirty;
    long lastDeliveredWall;
    long lastAckWall;

    /** Starts at stream sequence {@code start}, nothing delivered. */
    void startAt(long start) {
        sseq = Math.max(1, start);
        dseq = 1;
        adflr = 0;
        asflr = sseq - 1;
    }

    /** Restores a stored state; what was pending longer than {@code ackWaitNanos} is redelivered at once. */
    void apply(ConsumerState st, long ackWaitNanos) {
        sseq = st.deliveredStream() + 1;
        dseq = st.deliveredConsumer() + 1;
        adflr = st.ackFloorConsumer();
        asflr = st.ackFloorStream();
        pending.putAll(st.pending());
        rdc.putAll(st.redelivered());
        long now = JsTime.nowNanos();
        for (Map.Entry<Long, ConsumerState.Pending> e : st.pending().entrySet()) {
            if (e.getValue().timestampNanos() + ackWaitNanos <= now) {
                rdq.add(e.getKey());
            }
        }
    }

    /** A copy for the store. */
    ConsumerState snapshot() {
        return new ConsumerState(dseq - 1, sseq - 1, adflr, asflr, new TreeMap<>(pending), new TreeMap<>(rdc));
    }

    /** Messages waiting to go: not delivered yet plus redeliveries due. */
    long msgsPending() {
        return npc + rdq.size();
    }

    /**
     * Records a delivery of {@code seq} with consumer sequence {@link #dseq} (then incremented); returns the
     * delivery count.
     */
    long delivered(long seq, boolean redelivery, boolean fromLss, boolean ackNone, long wallNanos) {
        long cs = dseq++;
        long dc;
        if (redelivery) {
            rdq.remove(seq);
            long r = rdc.getOrDefault(seq, 0L) + 1;
            rdc.put(seq, r);
            dc = r + 1;
        } else {
            dc = 1;
            if (fromLss) {
                lss.pollFirst();
            }
            if (seq > npf) {
                npf = seq;
            } else if (npc > 0) {
                npc--;
            }
        }
        if (!ackNone) {
            pending.put(seq, new ConsumerState.Pending(cs, wallNanos));
        }
        if (!redelivery) {
            sseq = Math.max(sseq, seq + 1);
        }
        if (ackNone) {
            adflr = cs;
            asflr = seq;
        }
        dirty = true;
        lastDeliveredWall = wallNanos;
        return dc;
    }

    /** Explicit ack of {@code seq}; false when it was not pending. */
    boolean ackExplicit(long seq) {
        ConsumerState.Pending p = pending.remove(seq);
        if (p == null) {
            rdq.remove(seq);
            return false;
        }
        rdc.remove(seq);
        rdq.remove(seq);
        long d = p.consumerSeq();
        if (pending.isEmpty()) {
            adflr = dseq - 1;
            asflr = sseq - 1;
        } else if (d == adflr + 1) {
            adflr = d;
            asflr = seq;
            Map.Entry<Long, ConsumerState.Pending> nx = pending.firstEntry();
            if (nx != null && nx.getValue().consumerSeq() > 0) {
                adflr = nx.getValue().consumerSeq() - 1;
                asflr = nx.getKey() - 1;
            }
        }
        dirty = true;
        return true;
    }

    /** Ack all up to {@code seq}/{@code cseq}; returns the lowest stream sequence acked, or -1 for none. */
    long ackAll(long seq, long cseq) {
        if (cseq <= adflr || seq <= asflr) {
            return -1;
        }
        long low = asflr + 1;
        adflr = cseq;
        asflr = seq;
        pending.headMap(seq, true).clear();
        rdc.keySet().removeIf(q -> q <= seq);
        rdq.removeIf(q -> q <= seq);
        dirty = true;
        return low;
    }

    /** +WPI: the ack wait of {@code seq} starts again. */
    void inProgress(long seq) {
        ConsumerState.Pending p = pending.get(seq);
        if (p != null) {
            pending.put(seq, new ConsumerState.Pending(p.consumerSeq(), JsTime.nowNanos()));
            dirty = true;
        }
    }

    /** A pending message left for good (max deliver, gone from the stream): floors follow when none is left. */
    void dropPending(long seq) {
        ConsumerState.Pending p = pending.remove(seq);
        if (pending.isEmpty() && p != null) {
            adflr = dseq - 1;
            asflr = sseq - 1;
        }
    }

    /** The stream now starts at {@code first}: nothing before it is pending or still to deliver. */
    void streamStartsAt(long first) {
        if (sseq < first) {
            sseq = first;
        }
        if (asflr < first - 1) {
            asflr = first - 1;
            pending.headMap(first).clear();
        }
    }

    /**
     * Does this consumer still need message {@code seq} (interest retention)? Any thread: reads the concurrent
     * pending map and the volatile floors.
     */
    boolean needsAck(long seq, boolean explicit) {
        if (seq <= asflr) {
            return false;
        }
        if (!explicit) {
            return true;
        }
        if (seq >= sseq) {
            return true;
        }
        return pending.containsKey(seq);
    }

    /** The {@code delivered}, {@code ack_floor}, {@code num_ack_pending}, {@code num_redelivered} fields of consumer
     * info. */
    void putInfo(ObjectNode o) {
        ObjectNode d = o.putObject("delivered");
        d.put("consumer_seq", dseq - 1);
        d.put("stream_seq", sseq - 1);
        if (lastDeliveredWall != 0) {
            d.put("last_active", JsTime.formatNanos(lastDeliveredWall));
        }
        ObjectNode af = o.putObject("ack_floor");
        af.put("consumer_seq", adflr);
        af.put("stream_seq", asflr);
        if (lastAckWall != 0) {
            af.put("last_active", JsTime.formatNanos(lastAckWall));
        }
        o.put("num_ack_pending", pending.size());
        o.put("num_redelivered", rdc.size());
    }
}
