package io.nats4j.server.jetstream.store;

import java.util.Map;
import java.util.TreeMap;

/**
 * A consumer's stored state (nats-server's {@code ConsumerState}): a copy the caller owns.
 *
 * @param deliveredConsumer {@code delivered.consumer_seq}
 * @param deliveredStream   {@code delivered.stream_seq}
 * @param ackFloorConsumer  {@code ack_floor.consumer_seq}
 * @param ackFloorStream    {@code ack_floor.stream_seq}
 * @param pending           by stream sequence: the delivery (consumer sequence and time)
 * @param redelivered       by stream sequence: how many times it was redelivered (deliveries - 1)
 */
public record ConsumerState(long deliveredConsumer, long deliveredStream, long ackFloorConsumer,
                            long ackFloorStream, TreeMap<Long, Pending> pending,
                            TreeMap<Long, Long> redelivered) {

    /** A pending delivery: the consumer sequence it went out with and when, in epoch nanoseconds. */
    public record Pending(long consumerSeq, long timestampNanos) {
    }

    public static ConsumerState empty() {
        return new ConsumerState(0, 0, 0, 0, new TreeMap<>(), new TreeMap<>());
    }

    /** A deep copy. */
    public ConsumerState copy() {
        return new ConsumerState(deliveredConsumer, deliveredStream, ackFloorConsumer, ackFloorStream,
                new TreeMap<>(pending), new TreeMap<>(redelivered));
    }

    public ConsumerState withDelivered(long consumerSeq, long streamSeq) {
        return new ConsumerState(consumerSeq, streamSeq, ackFloorConsumer, ackFloorStream, pending, redelivered);
    }

    public ConsumerState withAckFloor(long consumerSeq, long streamSeq) {
        return new ConsumerState(deliveredConsumer, deliveredStream, consumerSeq, streamSeq, pending, redelivered);
    }

    /** Pending and redelivered as plain maps, for comparisons in tests and JSON. */
    public Map<Long, Pending> pendingView() {
        return java.util.Collections.unmodifiableMap(pending);
    }
}
