package io.nats4j.server.connection;

/**
 * Whoever a {@link io.nats4j.server.subject.Subscription} delivers to. A closed set, dispatched by
 * {@link FanOut} with one {@code switch} (no casts): a client ({@link ClientConnection}), a server-side
 * subscriber ({@link InternalSubscriber}), an import relay to another account ({@link ImportRelay}), a
 * connection to another server ({@link PeerConnection}: routes, gateways, leaf nodes), or an entry that is
 * only matched and never delivered to ({@link MatchOnly}, permission lists). A new kind is a new permitted
 * type here and a new case in {@link FanOut}; the compiler points at every switch that must learn it.
 */
public sealed interface SubscriptionOwner permits ClientConnection, InternalSubscriber, ImportRelay, PeerConnection,
        MatchOnly {

    /** A stable id for logs and monitoring (the client id, cid). */
    long id();

    /** The kind of connection this owner is (or stands for). */
    ConnectionKind kind();

    /**
     * False for a subscription that is not this server's interest to tell other servers (nats-server's "no
     * forward" internal subscriptions), e.g. the JetStream API import of a clustered server without JetStream:
     * other servers must not send it their own API requests.
     */
    default boolean forwardsInterest() {
        return true;
    }
}
