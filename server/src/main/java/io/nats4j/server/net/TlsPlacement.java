package io.nats4j.server.net;

/**
 * Where a listener puts TLS in a new connection's pipeline. Chosen per listener, so that each kind gets what
 * nats-server does for it (and WebSocket can later do TLS at the HTTP layer).
 */
public enum TlsPlacement {
    /** This listener has no TLS. */
    NONE,
    /** TLS from the first byte: the handler is first in the pipeline (routes, gateways, TLS-first leaf nodes). */
    FIRST,
    /**
     * nats-server's client port: the connection sends INFO in plain text and adds the TLS handler itself right
     * after it; only with {@code handshake_first} is the handler placed first, by the listener.
     */
    AFTER_INFO
}
