package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.store.StreamStore;
import java.util.List;

/**
 * What the consumers of a stream need from it: the seam between this package and the stream side
 * ({@code io.nats4j.server.jetstream}). The stream implements it and calls {@link StreamConsumers#stored} after
 * each message it stores (its "message stored" hook).
 */
public interface StreamHandle {

    enum Retention { LIMITS, INTEREST, WORKQUEUE }

    String name();

    /** The account the stream lives in: deliveries and acks go through its subject index. */
    Account account();

    StreamStore store();

    Retention retention();

    /** The stream's subjects (for the deliver-subject cycle check and "is the consumer filtered"). */
    List<String> subjects();

    /** The stream's {@code num_replicas} (1 on one server). */
    default int replicas() {
        return 1;
    }

    /** The stream's {@code max_consumers}, 0 or -1 for no limit. */
    default int maxConsumers() {
        return -1;
    }

    /** The stream's {@code consumer_limits.max_ack_pending} (0: none). */
    default long defaultMaxAckPending() {
        return 0;
    }

    /** The account's {@code max_ack_pending} limit (0 or -1: none). */
    default long accountMaxAckPending() {
        return -1;
    }

    /** The stream's {@code consumer_limits.inactive_threshold} (0: none). */
    default long defaultInactiveThresholdNanos() {
        return 0;
    }

    /** A consumer of an interest stream went: messages only it needed go (on the stream's writer). */
    default void recheckInterest() {
    }

    /**
     * Removes message {@code seq}: every consumer that needed it has acknowledged it (interest and workqueue
     * retention). Called on a consumer's thread; the stream does it on its writer and returns at once.
     */
    void removeAcknowledged(long seq);

    /** The server's name, for {@code cluster.leader} in consumer info. */
    String serverName();

    /**
     * Persists a consumer's definition ({@code {"created":..., "config":{...}}}) so that a restart recovers it;
     * durable when it returns. The stream side keeps it with the stream's own metadata. Default: not persisted.
     */
    default void saveConsumer(String name, byte[] definitionJson) {
    }

    /** Forgets a consumer's definition. */
    default void forgetConsumer(String name) {
    }

    /** Every persisted consumer definition, by name, for recovery at start. */
    default java.util.Map<String, byte[]> savedConsumers() {
        return java.util.Map.of();
    }

    /**
     * The largest message a delivery can carry: the stream's {@code max_msg_size}, else the server's
     * {@code max_payload} (the depth of a push consumer's {@code rate_limit_bps} bucket, as nats-server sets it).
     */
    default long maxMessageBytes() {
        return 1024 * 1024;
    }

    /** Where consumer advisories and ack metrics go ({@code $JS.EVENT.>}); none by default. */
    default io.nats4j.server.jetstream.events.JsAdvisories advisories() {
        return io.nats4j.server.jetstream.events.JsAdvisories.NONE;
    }

    /** The JetStream domain, or empty. */
    default String domain() {
        return "";
    }
}
