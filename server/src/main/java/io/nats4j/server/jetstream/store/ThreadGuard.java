package io.nats4j.server.jetstream.store;

import io.netty.channel.EventLoop;
import io.netty.util.internal.ThreadExecutorMap;

/** Refuses blocking store work on a Netty event loop (DESIGN.md: blocking work never runs there). */
final class ThreadGuard {

    private ThreadGuard() {
    }

    static void checkNotEventLoop() {
        if (ThreadExecutorMap.currentExecutor() instanceof EventLoop) {
            throw new StoreException(StoreException.Kind.WRONG_THREAD,
                    "stream store called on event loop thread " + Thread.currentThread().getName(), null);
        }
    }
}
