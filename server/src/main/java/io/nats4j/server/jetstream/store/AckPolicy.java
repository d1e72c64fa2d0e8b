package io.nats4j.server.jetstream.store;

/** A consumer's ack policy, as its state store needs to know it. */
public enum AckPolicy {
    NONE, ALL, EXPLICIT
}
