package io.nats4j.server.connection;

/**
 * A receiver whose backlog holds back the producers that write to it ({@link ProducerFlowControl}): a client, or
 * a route (nats-server stalls a client producer on any receiver over half its max_pending, routes included).
 * Everything here is a racy hint read on the producer's loop.
 */
public interface FlowReceiver {

    /** Queued bytes over which a receiver paces its producers ({@link ProducerFlowControl}). */
    long PACE_PENDING_BYTES = ProducerFlowControl.PACE_PENDING_BYTES;

    /** Over half of max_pending queued. */
    boolean overStallThreshold();

    /** Over {@link #PACE_PENDING_BYTES} queued. */
    boolean overPaceThreshold();

    /** Bytes written to the socket so far. */
    long bytesWritten();

    /** Bytes queued and not yet written to the socket. */
    long pendingBytes();

    long maxPending();

    boolean isClosed();
}
