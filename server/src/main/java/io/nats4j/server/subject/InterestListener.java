package io.nats4j.server.subject;

/**
 * Hears the first and last interest in a (subject, queue) of one account's subject index: what a route sends
 * as {@code RS+}/{@code RS-}, a leaf node as {@code LS+}/{@code LS-}, and what a push consumer or a gateway
 * watches. Registered with {@code Account.addInterestListener}.
 *
 * <p>Interest counts the subscriptions of this server's own connections (clients, leaf nodes, internal
 * subscribers, import relays); subscriptions held for routes and gateways are the other servers' interest and
 * are not counted (a route never propagates what it learnt from a route).
 *
 * <p>Called with the index's write lock held, in the order the changes happened, on the thread that
 * subscribed or unsubscribed (a client's event loop, an internal service's thread): an implementation must be
 * quick, must not block and must not call back into the same account's index (match, subscribe,
 * unsubscribe); it queues what it has to send.
 */
@FunctionalInterface
public interface InterestListener {

    /**
     * Interest in {@code subject} (possibly with wildcards) changed. Plain subscriptions ({@code queue} null):
     * {@code weight} 1 on the first, 0 after the last. A queue group: {@code weight} is the number of members
     * after each join or leave, 0 after the last left.
     */
    void interestChanged(String subject, String queue, int weight);
}
