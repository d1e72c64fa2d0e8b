package io.nats4j.server.jetstream.store;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Memory storage: streams in the heap, gone when the server stops (nats-server's memstore). */
public final class MemoryStorage implements Storage {

    private final ConcurrentHashMap<String, MemoryStreamStore> streams = new ConcurrentHashMap<>();
    private final LongSupplier clockNanos;

    /** With the system clock. */
    public MemoryStorage() {
        this(SystemClock::nowNanos);
    }

    /** With an injected clock (epoch nanoseconds), for expiry tests. */
    public MemoryStorage(LongSupplier clockNanos) {
        this.clockNanos = clockNanos;
    }

    @Override
    public StreamStore createStream(String name, StreamLimits limits) {
        return streams.computeIfAbsent(name, n -> new MemoryStreamStore(n, limits, clockNanos));
    }

    @Override
    public StreamStore stream(String name) {
        return streams.get(name);
    }

    @Override
    public Set<String> streamNames() {
        return new TreeSet<>(streams.keySet());
    }

    @Override
    public void deleteStream(String name) {
        MemoryStreamStore s = streams.remove(name);
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void close() {
        streams.values().forEach(MemoryStreamStore::close);
    }
}
