package io.nats4j.server.net;

import io.nats4j.server.connection.ConnectionKind;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The server's open connections, one {@link KindRegistry} per kind with that kind's limit, and the connection
 * ids, shared by every kind as in nats-server (a cid is unique across clients, routes, leaf nodes...).
 */
public final class ConnectionRegistry {

    private final Map<ConnectionKind, KindRegistry<?>> kinds = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /**
     * Adds the registry of a kind.
     *
     * @param limit the kind's current limit (read at each registration); 0 or less = none
     * @throws IllegalStateException when the kind has one already
     */
    public <C> KindRegistry<C> add(ConnectionKind kind, IntSupplier limit) {
        KindRegistry<C> r = new KindRegistry<>(kind, limit);
        if (kinds.putIfAbsent(kind, r) != null) {
            throw new IllegalStateException("connection kind " + kind + " is registered already");
        }
        return r;
    }

    /** The registry of a kind, or null when the server has no listener for that kind. */
    public KindRegistry<?> of(ConnectionKind kind) {
        return kinds.get(kind);
    }

    /** The next connection id (cid), for any kind. */
    public long nextId() {
        return ids.incrementAndGet();
    }

    /** Open connections of every kind. */
    public int total() {
        int n = 0;
        for (KindRegistry<?> r : kinds.values()) {
            n += r.count();
        }
        return n;
    }
}
