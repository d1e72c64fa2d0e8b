package io.nats4j.server.cluster;

import io.nats4j.server.connection.ServerStats;

/**
 * A route's inbound message counters: counted per message in plain fields on the route's loop, published once
 * per read (the monitoring figures and the server's totals), as a client publisher's are. Per message that saves
 * three volatile stores, two {@code LongAdder} updates and a clock read.
 */
final class RouteInCounters {

    private long batchMsgs;
    private long batchBytes;
    /** Published at the end of each read (any thread reads them for monitoring). */
    volatile long inMsgs;
    volatile long inBytes;
    volatile long lastActivityMillis = System.currentTimeMillis();

    /** A routed message of {@code bytes} arrived. The route's loop. */
    void count(int bytes) {
        batchMsgs++;
        batchBytes += bytes;
    }

    /** The read is processed: publishes what it counted. The route's loop. */
    void endRead(ServerStats stats) {
        long n = batchMsgs;
        if (n == 0) {
            return;
        }
        long b = batchBytes;
        batchMsgs = 0;
        batchBytes = 0;
        inMsgs += n;
        inBytes += b;
        lastActivityMillis = System.currentTimeMillis();
        stats.inMsgs.add(n);
        stats.inBytes.add(b);
    }
}
