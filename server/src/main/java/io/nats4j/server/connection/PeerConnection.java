package io.nats4j.server.connection;

import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;

/**
 * A connection to another server that holds subscriptions in an account on behalf of that server: a route
 * ({@link ConnectionKind#ROUTER}), a gateway ({@link ConnectionKind#GATEWAY}) or a leaf node
 * ({@link ConnectionKind#LEAF}). None exists yet; the fan-out's rules for them are written and tested with a
 * test-only implementation, so clustering adds a class, not a special case.
 *
 * <p>The fan-out never sends a message back to the connection it came from, never from a route to a route or
 * from a gateway to a gateway, picks a remote queue member only when no local member took the message and only
 * for messages that did not arrive from a route or gateway, and asks {@link #acceptsFrom} before anything
 * else (leaf nodes' loop prevention).
 */
public non-sealed interface PeerConnection extends SubscriptionOwner, BatchFlushable {

    /**
     * Queues {@code msg} for {@code sub} (an {@code RMSG}/{@code LMSG} on the wire). On the publisher's thread;
     * must not block. The fan-out flushes the peer once at the end of the publisher's read
     * ({@link #flushFrom}). Returns false when nothing was queued (closed, slow consumer).
     */
    boolean deliverRemote(Subscription sub, Message msg);

    /**
     * The loop-prevention hook: false drops a message that would go back where it came from (a leaf node
     * checks the message's origin here). {@code sender} is the kind of the publishing connection.
     */
    default boolean acceptsFrom(ConnectionKind sender, Message msg) {
        return true;
    }
}
