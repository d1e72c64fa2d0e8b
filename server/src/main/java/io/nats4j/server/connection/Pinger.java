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
    /**
     * How long after the last read a client still counts as sending: its PING waits (issue #10 item 9). Reads
     * come far more often than this while a client streams, also on a busy machine.
     */
    static final long INPUT_ACTIVE_NANOS = TimeUnit.SECONDS.toNanos(1);
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
        long firstPing = Math.min(FIRST_PING_DELAY_NANOS, c.opts().pingInterval().toNanos());
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
        long interval = c.opts().pingInterval().toNanos();
        if (inputPending(now, interval)) {
            // Never an unsolicited write to a client that is still sending to us. If it has already closed its
            // socket (a burst, then close), its kernel answers any byte we send with a reset, and the reset makes
            // our kernel discard the input we have not read yet: the tail of the burst would be lost. Asked again
            // shortly, so an idle client still gets its first PING about when nats-server sends it.
            timer = c.loop.schedule(this::fired, activeNanos(interval), TimeUnit.NANOSECONDS);
            return;
        }
        boolean needRtt = rttNanos == 0;
        if (now - c.lastInNanos < interval && !needRtt) {
            if (c.log.isDebugEnabled()) {
                c.log.debug(c.prefix() + "Delaying PING due to client activity");
            }
        } else {
            if (pingsOut + 1 > c.opts().pingMax()) {
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

    /**
     * True while the client may have sent more than we have read: it was read less than {@link #activeNanos}
     * ago, its last read filled the read buffer (more is likely waiting; for at most a ping interval), or its
     * reading is paused by producer flow control.
     */
    private boolean inputPending(long now, long interval) {
        long sinceRead = now - c.lastInNanos;
        return sinceRead < activeNanos(interval) || (c.lastReadFull && sinceRead < interval) || c.flow.holdingBack();
    }

    /** {@link #INPUT_ACTIVE_NANOS}, or half the ping interval when that is shorter (tests, short intervals). */
    private static long activeNanos(long interval) {
        return Math.min(INPUT_ACTIVE_NANOS, interval / 2);
    }

    /** Pings now when no round trip was measured yet (and none is under way), unless the client is sending. */
    void requestRtt() {
        if (!c.closed && c.connectReceived() && rttNanos == 0 && rttStartNanos == 0
                && !inputPending(System.nanoTime(), c.opts().pingInterval().toNanos())) {
            ping();
        }
    }

    long rttNanos() {
        return rttNanos;
    }
}
