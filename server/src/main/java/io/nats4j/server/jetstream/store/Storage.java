package io.nats4j.server.jetstream.store;

import java.util.Set;

/**
 * All the streams of one storage type on a server: memory ({@link MemoryStorage}) or file
 * ({@link RocksStorage}, one RocksDB database per server). Opening recovers every stream.
 */
public interface Storage extends AutoCloseable {

    /** The stream store named {@code name}: the existing one, or a new empty one with {@code limits}. */
    StreamStore createStream(String name, StreamLimits limits);

    /** The stream store named {@code name}, or {@code null}. */
    StreamStore stream(String name);

    Set<String> streamNames();

    /** Deletes a stream, its messages and its consumers' state. */
    void deleteStream(String name);

    /** Closes every stream and the storage; the data stays (for file storage). */
    @Override
    void close();
}
