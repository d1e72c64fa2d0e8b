package io.nats4j.server.connection;

import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive of a client connection: the first PING early (nats-server's firstClientPingInterval), then one per
 * ping_interval unless the client was active, the stale-connection close after ping_max unanswered PINGs, and
 * the round-trip time. Event loop only, except the racy reads of {@link #rttNanos()}.
 */
final class Pinger {

    /** nats-server sends the first PING to a client early (firstClientPingInterval). */
    static final long FIRST_PING_DELAY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final byte[] PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ClientConnection c;
    private int pingsOut;
    private long rttStartNanos;
    private volatile long rttNanos;
    private ScheduledFuture<?> timer;

    Pinger(ClientConnection c) {
        this.c = c;
    }

    /** Starts the timer (after INFO, or after the TLS handshake). */
    void start() {
        long firstPing = Math.min(FIRST_PING_DELAY_NANOS, c.opts.pingInterval.toNanos());
        timer = c.loop.schedule(this::fired, firstPing, TimeUnit.NANOSECONDS);
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void fired() {
        timer = null;
        if (c.closed) {
            return;
        }
        long now = System.nanoTime();
        long interval = c.opts.pingInterval.toNanos();
        boolean needRtt = rttNanos == 0;
        if (now - c.lastInNanos < interval && !needRtt) {
            if (c.log.isDebugEnabled()) {
                c.log.debug(c.prefix() + "Delaying PING due to client activity");
            }
        } else {
            if (pingsOut + 1 > c.opts.pingMax) {
                c.log.debug(c.prefix() + "Stale Client Connection - Closing");
                c.sendErrAndClose("Stale Connection", ClosedState.STALE_CONNECTION);
                return;
            }
            ping();
        }
        timer = c.loop.schedule(this::fired, interval, TimeUnit.NANOSECONDS);
    }

    private void ping() {
        pingsOut++;
        rttStartNanos = System.nanoTime();
        if (c.log.isTraceEnabled()) {
            c.log.trace(c.prefix() + "->> [PING]");
        }
        c.queueOutsideRead(PING);
    }

    /** The client answered. */
    void pong() {
        pingsOut = 0;
        if (rttStartNanos != 0) {
            rttNanos = System.nanoTime() - rttStartNanos;
        }
    }

    /** Pings now when no round trip was measured yet (and none is under way). */
    void requestRtt() {
        if (!c.closed && c.connectReceived() && rttNanos == 0 && rttStartNanos == 0) {
            ping();
        }
    }

    long rttNanos() {
        return rttNanos;
    }
}
