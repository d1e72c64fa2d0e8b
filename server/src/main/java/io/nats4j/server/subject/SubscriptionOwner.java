package io.nats4j.server.subject;

/**
 * Whoever a {@link Subscription} delivers to: a client connection today; routes, leaf nodes and
 * internal (system account, JetStream) subscribers later. The delivery path lives in the
 * {@code connection} package; the subject index only stores and returns subscriptions.
 */
public interface SubscriptionOwner {

    /** A stable id for logs and monitoring (the client id, cid). */
    long id();
}
