package io.nats4j.server.connection;

import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;

/**
 * A connection to another server that holds subscriptions in an account on behalf of that server: a route
 * ({@link ConnectionKind#ROUTER}), a gateway ({@link ConnectionKind#GATEWAY}) or a leaf node
 * ({@link ConnectionKind#LEAF}). Routes are {@code cluster.RouteConnection}'s per-account owners; the fan-out's rules are also tested
 * with a test-only implementation.
 *
 * <p>The fan-out never sends a message back to the connection it came from, never from a route to a route or
 * from a gateway to a gateway, picks a remote queue member only when no local member took the message and only
 * for messages that did not arrive from a route or gateway, and asks {@link #acceptsFrom} before anything
 * else (leaf nodes' loop prevention).
 */
public non-sealed interface PeerConnection extends SubscriptionOwner, BatchFlushable {

    /**
     * Queues {@code msg} once for the {@code count} subscriptions of this peer it matched (an {@code RMSG}/
     * {@code LMSG} on the wire, whose queue list names the queue groups among {@code subs}). On the publisher's
     * thread; must not block; {@code subs} is the fan-out's scratch, valid only during the call. The fan-out
     * flushes the peer once at the end of the publisher's read ({@link #flushFrom}). Returns false when nothing
     * was queued (closed, slow consumer).
     */
    boolean deliverRemote(Message msg, Subscription[] subs, int count);

    /**
     * The loop-prevention hook: false drops a message that would go back where it came from (a leaf node
     * checks the message's origin here). {@code sender} is the kind of the publishing connection.
     */
    default boolean acceptsFrom(ConnectionKind sender, Message msg) {
        return true;
    }
}
