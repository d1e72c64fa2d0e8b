package io.nats4j.server.connection;

/**
 * nats-server's kinds of connection, as the fan-out tells senders and receivers apart: {@link #CLIENT}
 * ({@link ClientConnection}), {@link #SYSTEM} (the server's own publisher and internal subscribers),
 * {@link #ACCOUNT} (import relays, nats-server's account clients), and the kinds of connections to other
 * servers, {@link #ROUTER}, {@link #GATEWAY} and {@link #LEAF} ({@link PeerConnection}s, not built yet; the
 * fan-out's rules for them are in place and tested). {@link #JETSTREAM} is JetStream's internal client.
 */
public enum ConnectionKind {
    CLIENT, ROUTER, GATEWAY, SYSTEM, LEAF, JETSTREAM, ACCOUNT;

    /** A connection to another server (route, gateway, leaf node). */
    public boolean isPeer() {
        return this == ROUTER || this == GATEWAY || this == LEAF;
    }
}
