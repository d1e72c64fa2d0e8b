package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.consumer.ConsumerConfig.AckPolicyConfig;
import io.nats4j.server.jetstream.store.ConsumerState;
import io.nats4j.server.jetstream.store.ConsumerStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A consumer's acks and the writing of its state: {@code +ACK}, {@code -NAK} (with a delay), {@code +WPI},
 * {@code +NXT}, {@code +TERM} on the v1 and v2 ack subjects, and the group commit of the state they change (one
 * store write for a batch of the consumer's work; an ack with a reply is answered only once its write returned).
 * The consumer's thread only.
 */
final class ConsumerAcks {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * How long a state change that no client waits for (a delivery, an ack without reply) may stay unwritten, so
     * that one write covers many: nats-server writes its consumer state asynchronously as well.
     */
    static final long STATE_WRITE_DELAY_MS = 25;

    private final Consumer consumer;
    private final DeliveryState st;
    private final StreamHandle stream;
    private final ConsumerStore store;
    private final DeliveryPublisher pub;
    private final Account account;
    private final ConsumerRuntime rt;
    /** Reply subjects of acks to answer after the next state write. */
    private final List<String> ackReplies = new ArrayList<>();
    private boolean flushScheduled;
    private final ConsumerEvents events;

    ConsumerAcks(Consumer consumer, DeliveryState st, StreamHandle stream, ConsumerStore store, DeliveryPublisher pub,
                 ConsumerRuntime rt) {
        this.consumer = consumer;
        this.st = st;
        this.stream = stream;
        this.store = store;
        this.pub = pub;
        this.account = stream.account();
        this.rt = rt;
        this.events = new ConsumerEvents(consumer, stream);
    }

    /** An ack on {@code subject} (already queued to the consumer's thread). */
    void onAck(String subject, String reply, byte[] payload) {
        if (consumer.closed()) {
            return;
        }
        AckSubject a = AckSubject.parse(subject);
        if (a == null || !a.stream().equals(stream.name()) || !a.consumer().equals(consumer.name)) {
            return;
        }
        ConsumerConfig cfg = consumer.config();
        String body = payload == null ? "" : new String(payload, StandardCharsets.UTF_8);
        boolean replyToAck = reply != null && !reply.isEmpty();
        // nats-server answers an ack of an ack-none consumer on a limits stream with nothing
        boolean silent = cfg.ackPolicy == AckPolicyConfig.NONE && stream.retention() == StreamHandle.Retention.LIMITS;
        if (body.isEmpty() || body.equals("+ACK") || body.equals("+OK")) {
            replyToAck &= !silent;
            ackMsg(cfg, a, true);
        } else if (body.startsWith("+NXT")) {
            ackMsg(cfg, a, true);
            replyToAck = false;
            if (reply != null && !reply.isEmpty()) {
                consumer.processNextRequest(reply, body.substring(4).getBytes(StandardCharsets.UTF_8));
            }
        } else if (body.startsWith("-NAK")) {
            nak(cfg, a, body.substring(4).trim());
        } else if (body.equals("+WPI")) {
            st.inProgress(a.streamSeq());
        } else if (body.startsWith("+TERM")) {
            replyToAck &= !silent;
            ackMsg(cfg, a, false);
            events.terminated(a.consumerSeq(), a.streamSeq(), a.deliveries(), body.substring(5).trim());
        }
        if (replyToAck) {
            ackReplies.add(reply); // answered once the state is written (flushState)
        }
    }

    private void nak(ConsumerConfig cfg, AckSubject a, String arg) {
        long seq = a.streamSeq();
        if (a.consumerSeq() <= st.adflr || a.consumerSeq() >= st.dseq) {
            return;
        }
        ConsumerState.Pending p = st.pending.get(seq);
        if (p == null) {
            return;
        }
        events.nak(a.consumerSeq(), seq, a.deliveries());
        if (!arg.isEmpty()) {
            long delay = -1;
            try {
                if (arg.charAt(0) == '{') {
                    delay = JSON.readTree(arg).path("delay").asLong(0);
                } else {
                    delay = GoDuration.parse(arg);
                }
            } catch (Exception e) {
                rt.log.warn("JetStream consumer '" + account.name() + " > " + stream.name() + " > " + consumer.name
                        + "' bad NAK delay value: \"" + arg + "\"");
            }
            if (delay >= 0) {
                st.rdq.remove(seq);
                long ts = JsTime.nowNanos() - cfg.ackWaitNanos + delay;
                st.pending.put(seq, new ConsumerState.Pending(p.consumerSeq(), ts));
                st.dirty = true;
                consumer.ensureTimer(System.nanoTime() + delay + 1_000_000);
                return;
            }
        }
        st.rdq.add(seq);
        consumer.pump();
    }

    private void ackMsg(ConsumerConfig cfg, AckSubject a, boolean sample) {
        long seq = a.streamSeq();
        long cseq = a.consumerSeq();
        AckPolicyConfig ap = cfg.ackPolicy;
        if (ap == AckPolicyConfig.NONE) {
            return;
        }
        boolean wasFull = cfg.maxAckPending > 0 && st.pending.size() >= cfg.maxAckPending;
        long low = seq;
        if (ap == AckPolicyConfig.EXPLICIT) {
            ConsumerState.Pending p = sample ? st.pending.get(seq) : null;
            if (!st.ackExplicit(seq)) {
                return;
            }
            if (p != null) {
                events.acked(cseq, seq, a.deliveries(), p.timestampNanos());
            }
        } else {
            low = st.ackAll(seq, cseq);
            if (low < 0) {
                return;
            }
        }
        if (wasFull) {
            consumer.pump();
        }
        st.lastAckWall = JsTime.nowNanos();
        if (stream.retention() != StreamHandle.Retention.LIMITS) {
            consumer.acked(low, seq);
        }
    }

    /**
     * A redelivery of {@code seq} would pass {@code max_deliver} (a nak'd message): the advisory with the
     * deliveries it had, the first time only.
     */
    void maxDeliveries(long seq, long deliveries) {
        events.maxDeliveries(seq, deliveries);
    }

    /**
     * nats-server 2.10's check at ack-wait expiry ({@code hasMaxDeliveries}): a message already delivered
     * {@code max_deliver} times leaves the pending set instead of being redelivered, and the advisory goes then
     * (not only when a later pull request looks for it). Returns whether it did.
     */
    boolean reachedMaxDeliveries(long seq, long deliveries) {
        long max = consumer.config().maxDeliver;
        if (max <= 0 || deliveries < max) {
            return false;
        }
        if (deliveries == max) {
            events.maxDeliveries(seq, deliveries);
        }
        st.dropPending(seq);
        st.dirty = true;
        return true;
    }

    /**
     * Writes the consumer's state once for everything its thread did since the last write (group commit: one
     * store write, one fsync in file storage), then answers the acks that asked for a reply: an answered ack is
     * on disk. Called by the serial executor at the end of each batch of tasks.
     */
    void flushState() {
        pub.flush();
        if (ackReplies.isEmpty() && st.dirty && !consumer.closed()) {
            // nobody waits for this state: write it a little later, together with what follows
            if (!flushScheduled) {
                flushScheduled = true;
                try {
                    rt.timers.schedule(() -> consumer.executor().execute(() -> {
                        flushScheduled = false;
                        writeState();
                    }), STATE_WRITE_DELAY_MS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    flushScheduled = false;
                    writeState();
                }
            }
            return;
        }
        writeState();
    }

    /** Writes the state if it changed and answers the acks waiting for it. */
    void writeState() {
        if (st.dirty && !consumer.closed()) {
            st.dirty = false;
            store.update(st.snapshot());
        }
        if (!ackReplies.isEmpty()) {
            for (String r : ackReplies) {
                pub.publish(account, r, r, null, null, null);
            }
            ackReplies.clear();
            pub.flush();
        }
    }
}
