package io.nats4j.server.connection;

import io.netty.channel.EventLoop;

/**
 * A receiver with an outbound buffer that a publisher writes to during a read and flushes once when the read
 * ends ({@link PendingFlushSet}, nats-server's "pcd").
 */
public interface BatchFlushable {

    long id();

    /**
     * Hands what was queued to the socket: in place when called on the receiver's own loop
     * ({@code publisherLoop}), otherwise by one task on its loop (none if one is already scheduled).
     * {@code publisherLoop} is null for a publisher that is not an event loop.
     */
    void flushFrom(EventLoop publisherLoop);
}
