package io.nats4j.server.connection;

/** nats-server's connection kinds: one connection type, many roles. Only CLIENT exists so far. */
public enum ConnectionKind {
    CLIENT, ROUTER, GATEWAY, SYSTEM, LEAF, JETSTREAM, ACCOUNT
}
