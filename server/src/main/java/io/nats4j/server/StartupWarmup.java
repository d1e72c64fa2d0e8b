package io.nats4j.server;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.util.NetUtil;
import java.security.SecureRandom;

/**
 * Standalone start-up work moved onto a second thread. Started once logging is set up (SLF4J calls from
 * Netty go to the server's log); the main thread then builds the server and its accounts while this thread
 * initialises what {@link NatsServer#start()} needs next and would otherwise do in sequence: the security
 * providers behind {@link SecureRandom} (server id, account reply prefixes), Netty's epoll transport
 * (extracting and loading its native library), {@link NetUtil} (network interfaces, the listen backlog limit)
 * and the pooled allocator. Each is a class initialisation the main thread repeats: if this thread is still
 * busy with one, the JVM makes the main thread wait for it, and a failure here is the main thread's failure
 * there (reported there). Nothing observable changes; the main thread only finds the work done.
 */
final class StartupWarmup {

    private StartupWarmup() {
    }

    static void start() {
        Thread t = new Thread(StartupWarmup::run, "nats4j-warmup");
        t.setDaemon(true);
        t.start();
    }

    private static void run() {
        try {
            new SecureRandom().nextInt();
            Epoll.isAvailable();
            if (NetUtil.SOMAXCONN < 0) {
                throw new AssertionError();
            }
            PooledByteBufAllocator.DEFAULT.metric();
        } catch (Throwable ignored) {
            // the main thread does the same and reports what fails
        }
    }
}
