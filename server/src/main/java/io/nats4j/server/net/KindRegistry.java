package io.nats4j.server.net;

import io.nats4j.server.connection.ConnectionKind;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The open connections of one kind, by connection id, with the kind's limit (nats-server's
 * {@code max_connections} for clients; routes and leaf nodes get theirs with their listeners). Any thread.
 *
 * @param <C> the connection type of the kind
 */
public final class KindRegistry<C> {

    private final ConnectionKind kind;
    private final IntSupplier limit;
    private final ConcurrentHashMap<Long, C> byId = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    /** @param limit the current limit, read at every registration (a reload may change it); 0 or less = none */
    KindRegistry(ConnectionKind kind, IntSupplier limit) {
        this.kind = kind;
        this.limit = limit;
    }

    public ConnectionKind kind() {
        return kind;
    }

    /** The limit now; 0 or less = none. */
    public int limit() {
        return limit.getAsInt();
    }

    /** Adds a connection; false (and nothing added) when the kind is at its limit. */
    public boolean register(long id, C connection) {
        int max = limit.getAsInt();
        while (true) {
            int n = count.get();
            if (max > 0 && n >= max) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                break;
            }
        }
        byId.put(id, connection);
        return true;
    }

    /** Removes a registered connection; false when it was not (or no longer) registered. */
    public boolean unregister(long id, C connection) {
        if (byId.remove(id, connection)) {
            count.decrementAndGet();
            return true;
        }
        return false;
    }

    public C get(long id) {
        return byId.get(id);
    }

    public int count() {
        return count.get();
    }

    /** A live view (weakly consistent, as ConcurrentHashMap's). */
    public Collection<C> connections() {
        return Collections.unmodifiableCollection(byId.values());
    }
}
