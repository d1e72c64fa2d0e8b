package io.nats4j.server.connection;

import java.util.concurrent.TimeUnit;

/**
 * Holds back a producer whose receivers cannot keep up: a stall (nats-server's) when a receiver is over half its
 * max_pending, a short pacing pause when one has more than {@link #PACE_PENDING_BYTES} queued and is still
 * writing. Only the producer's connection stops reading; its event loop keeps serving the others.
 *
 * <p>The fan-out reports each delivery ({@link #delivered}); at the end of the read the producer asks
 * {@link #holdingBack()} and, if so, calls {@link #stall()}. Everything here runs on the producer's loop; the
 * receivers' thresholds are racy hints they publish (volatile) when they cross them.
 */
final class ProducerFlowControl {

    /** nats-server 2.9 stalls a fast producer for up to a second. */
    static final long STALL_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long STALL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * Pacing below the stall threshold: a producer stops reading for a moment while one of its receivers has
     * more than this queued in the server (our queue plus the channel's) and is still writing, until it is
     * down to half. Without it a receiver that drains a little slower than its producer fills (loopback on a
     * busy machine) keeps up to half of max_pending (32 MiB) in direct memory: that backlog was the largest
     * and most variable part of nats4j's peak RSS. nats-server keeps the same backlog in the kernel instead,
     * because its producer writes to the receiver's socket itself at the end of each read. A receiver that
     * writes nothing at all (stuck) does not pace its producers: it is left to the stall and slow-consumer
     * rules exactly as before. See docs/PERFORMANCE.md, "Peak RSS".
     */
    static final long PACE_PENDING_BYTES = 4L * 1024 * 1024;
    /**
     * A receiver that wrote nothing for this long while a producer waited for it counts as stuck. Long enough
     * that a reader merely descheduled on a busy machine is not taken for stuck (which let its producer flood
     * it again: peaks of 30-45 MiB with 20 ms); short enough that a stuck reader costs its producers one pause.
     */
    private static final long PACE_STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ClientConnection producer;
    /** The receiver this producer waits for (or will, once the read ends). */
    private FlowReceiver stalledOn;
    /** True while the wait on {@link #stalledOn} is only pacing, not a nats-server-style stall. */
    private boolean pacing;
    /** Bytes the receiver had written when the pacing wait started or last made progress, and when. */
    private long paceWritten;
    private long paceProgressNanos;
    /** A receiver that made no progress during a pacing wait, and how much it had written then: not waited for again until it writes. */
    private FlowReceiver paceStuck;
    private long paceStuckWritten;
    private long paces;
    private long stallStartNanos;
    private long stalls;
    private final Runnable check = this::check;

    ProducerFlowControl(ClientConnection producer) {
        this.producer = producer;
    }

    /** The fan-out appended a message for {@code receiver} (another connection: a client or a route). */
    void delivered(FlowReceiver receiver) {
        if (receiver.overStallThreshold()) {
            stalledOn = receiver;
            pacing = false;
        } else if (receiver.overPaceThreshold() && stalledOn == null
                && (receiver != paceStuck || receiver.bytesWritten() != paceStuckWritten)) {
            stalledOn = receiver;
            pacing = true;
            paceStuck = null;
        }
    }

    /** A backlog (JetStream ingest) over its high-water mark: this producer waits for it, without a time limit. */
    private ClientConnection.Backlog backlog;
    private long backlogWaits;

    /** A backlog this producer publishes into is full. */
    void heldBy(ClientConnection.Backlog b) {
        backlog = b;
    }

    /** A receiver or a backlog asked this producer to wait. */
    boolean holdingBack() {
        return stalledOn != null || backlog != null;
    }

    /** How many times this producer waited for a full backlog (JetStream ingest). */
    long backlogWaits() {
        return backlogWaits;
    }

    /**
     * Stops reading from the producer until the receiver drains (below half its max_pending when stalled,
     * below half of {@link #PACE_PENDING_BYTES} when pacing), closes, or {@link #STALL_MAX_NANOS} passes.
     */
    void stall() {
        stallStartNanos = System.nanoTime();
        if (stalledOn == null) {
            backlogWaits++;
        } else if (pacing) {
            paces++;
            paceWritten = stalledOn.bytesWritten();
            paceProgressNanos = stallStartNanos;
        } else {
            stalls++;
        }
        producer.autoRead(false);
        producer.eventLoop().schedule(check, STALL_CHECK_NANOS, TimeUnit.NANOSECONDS);
    }

    private void check() {
        FlowReceiver r = stalledOn;
        if (producer.isClosed()) {
            return;
        }
        ClientConnection.Backlog b = backlog;
        if (b != null) {
            if (!b.drained()) {
                producer.eventLoop().schedule(check, STALL_CHECK_NANOS, TimeUnit.NANOSECONDS);
                return;
            }
            backlog = null;
            if (r == null) {
                producer.autoRead(true);
                return;
            }
        }
        boolean done;
        if (r == null || r.isClosed() || System.nanoTime() - stallStartNanos > STALL_MAX_NANOS) {
            done = true;
        } else if (pacing && !r.overStallThreshold()) {
            long written = r.bytesWritten();
            long now = System.nanoTime();
            if (written != paceWritten) {
                paceWritten = written;
                paceProgressNanos = now;
                done = r.pendingBytes() <= PACE_PENDING_BYTES / 2;
            } else if (now - paceProgressNanos > PACE_STUCK_NANOS) {
                // stuck: leave it to the stall and slow-consumer rules
                paceStuck = r;
                paceStuckWritten = written;
                done = true;
            } else {
                done = false;
            }
        } else {
            pacing = false; // over the stall threshold meanwhile: wait as nats-server does
            done = r.pendingBytes() <= r.maxPending() / 2;
        }
        if (done) {
            stalledOn = null;
            pacing = false;
            producer.autoRead(true);
            return;
        }
        producer.eventLoop().schedule(check, STALL_CHECK_NANOS, TimeUnit.NANOSECONDS);
    }

    /** How many times this producer was stalled by a slow receiver. */
    long stalls() {
        return stalls;
    }

    /** How many times this producer paused briefly for a receiver over {@link #PACE_PENDING_BYTES}. */
    long paces() {
        return paces;
    }
}
