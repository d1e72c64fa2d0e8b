package io.nats4j.bench.jmh;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs JMH's benchmark threads as Netty {@code FastThreadLocalThread}s, the kind of thread a server's event
 * loop runs on. Netty 4.2 pools {@code PooledByteBuf} objects, outbound-buffer entries and its allocator's
 * thread caches only on such threads, so on a plain JMH thread every flush would allocate a few objects the
 * real server never allocates. Selected with {@code -Djmh.executor=CUSTOM
 * -Djmh.executor.class=io.nats4j.bench.jmh.EventLoopThreadExecutor} (see {@link #EXECUTOR}).
 */
public final class EventLoopThreadExecutor extends ThreadPoolExecutor {

    /** The forked JVM's arguments that select this executor. */
    static final String EXECUTOR = "-Djmh.executor=CUSTOM";
    static final String EXECUTOR_CLASS = "-Djmh.executor.class=io.nats4j.bench.jmh.EventLoopThreadExecutor";
    /**
     * As bin/nats4j runs the server: without Netty's sampled leak detection, which records a stack trace
     * for one buffer in 128 (about 12 B per flushed buffer on average, and microseconds each time).
     */
    static final String NO_LEAK_DETECTION = "-Dio.netty.leakDetection.level=disabled";

    /** The constructor JMH calls for a custom executor. */
    public EventLoopThreadExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
