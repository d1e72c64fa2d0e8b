package io.nats4j.server.jetstream.store;

/**
 * The state of one consumer of a stream (nats-server's {@code ConsumerStore}). Like the stream
 * store it has one writer (the consumer's) and is never called on an event loop; every update is
 * durable when it returns, under the storage's sync mode.
 */
public interface ConsumerStore {

    String name();

    AckPolicy ackPolicy();

    /** Starts delivery at {@code streamSeq}: delivered and ack floor stream sequences become seq - 1. */
    void setStarting(long streamSeq);

    /**
     * Records a delivery of stream message {@code streamSeq} as consumer sequence {@code consumerSeq},
     * its {@code deliveryCount}-th delivery, at {@code timestampNanos}. With ack policy none the ack
     * floor follows delivered; otherwise the message is pending until acked.
     */
    void updateDelivered(long consumerSeq, long streamSeq, long deliveryCount, long timestampNanos);

    /**
     * Records an ack: with ack policy all, of everything up to {@code streamSeq}; with explicit,
     * of that message only, the ack floor moving up to below the first still pending.
     *
     * @throws StoreException {@code NO_ACK_POLICY}, or {@code NOT_FOUND} when it is not pending
     */
    void updateAcks(long consumerSeq, long streamSeq);

    /** Replaces the whole state (restore, or a state computed elsewhere). */
    void update(ConsumerState state);

    /** A copy of the state. */
    ConsumerState state();

    /** Removes the consumer's state for good. */
    void delete();
}
