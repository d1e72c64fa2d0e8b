package io.nats4j.server.auth;

import io.nats4j.server.subject.Sublist;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A subject namespace. Every connection belongs to exactly one account and messages never leave it except
 * through exports and imports (security work). Without configured accounts everyone is in {@link #GLOBAL}.
 */
public final class Account {

    /** nats-server's name for the default account. */
    public static final String GLOBAL = "$G";

    private final String name;
    private final Sublist sublist;
    private final AtomicInteger connections = new AtomicInteger();

    public Account(String name) {
        this(name, true);
    }

    /** @param sublistCache false for nats-server's {@code disable_sublist_cache} */
    public Account(String name, boolean sublistCache) {
        this.name = name;
        this.sublist = sublistCache ? new Sublist() : new Sublist(0);
    }

    public String name() {
        return name;
    }

    /** The account's subject index: every subscription of its connections, internal ones included. */
    public Sublist sublist() {
        return sublist;
    }

    public int connectionCount() {
        return connections.get();
    }

    public void addConnection() {
        connections.incrementAndGet();
    }

    public void removeConnection() {
        connections.decrementAndGet();
    }

    @Override
    public String toString() {
        return name;
    }
}
