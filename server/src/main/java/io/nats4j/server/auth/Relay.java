package io.nats4j.server.auth;

import io.nats4j.server.subject.SubscriptionOwner;

/**
 * The owner of an internal subscription that carries messages across accounts (nats-server's import
 * model): a stream import listens in the exporting account and re-publishes into the importer; a service
 * import listens in the importer and re-publishes into the exporter with a mapped reply subject; a
 * response listener in the exporter carries answers back. The connection that published the message does
 * the delivery: it asks the relay where the message goes ({@link #route}) and matches that account.
 */
public abstract class Relay implements SubscriptionOwner {

    /** Where a relayed message goes: the account, its new subject and reply (null = none). */
    public record Routed(Account target, byte[] subject, byte[] reply) {
    }

    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
    private final long id = -IDS.incrementAndGet();

    @Override
    public long id() {
        return id;
    }

    /**
     * The destination of a message published on {@code subject} with {@code reply} (null when none), or
     * null to drop it. Called on the publisher's event loop; must not block.
     */
    public abstract Routed route(String subject, String reply);

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
