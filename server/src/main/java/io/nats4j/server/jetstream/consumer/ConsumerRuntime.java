package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.log.ServerLogger;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What every consumer of a server shares: the virtual threads their serial executors run on (store work may
 * block there, never on an event loop), one timer thread that only hands work to those executors, the server's
 * counters and logger. One per JetStream server; {@link #close()} at shutdown.
 */
public final class ConsumerRuntime implements AutoCloseable {

    final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("nats4j-consumer-", 0).factory());
    final ScheduledThreadPoolExecutor timers;
    final ServerStats stats;
    final ServerLogger log;

    public ConsumerRuntime(ServerStats stats, ServerLogger log) {
        this.stats = stats;
        this.log = log;
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nats4j-consumer-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        // no thread while no consumer has a timer: a server without consumers keeps none
        timers.setKeepAliveTime(2, TimeUnit.SECONDS);
        timers.allowCoreThreadTimeOut(true);
    }

    @Override
    public void close() {
        timers.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
