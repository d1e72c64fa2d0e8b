package io.nats4j.server.cluster;

import io.nats4j.server.connection.ChunkedOutbound;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;

/**
 * A route's outbound side ({@link ChunkedOutbound}): the {@code RMSG}/{@code HMSG}, {@code RS+}/{@code RS-} and
 * protocol lines queued for the peer, appended by any thread under the lock (publishers' loops, interest listeners
 * under an account's index lock: lock order index, then this), handed to the channel only by the route's loop.
 *
 * <p>Why it is a client's outbound too: the bytes go into a list of chunks, never one buffer that grows (a regrow
 * copied everything queued so far under the lock, while the route's loop waited for that lock to flush); the lock
 * is held for one append or for moving the chunks out, never for a write; and the route publishes the same racy
 * hints as a client, so a client producer that outruns the route waits for it as nats-server stalls a producer on
 * any receiver over half its max_pending. Without that a publisher filled the route to max_pending in seconds and
 * the route was cut as a slow consumer (docs/PERFORMANCE.md, "Cluster"). What differs from a client: bigger first
 * chunks, a flush that writes until the channel is gone, and the route's write-deadline rule.
 */
final class RouteOutbound extends ChunkedOutbound {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] RMSG = "RMSG ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HMSG = "HMSG ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PLUS_REPLY = " + ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_REPLY = " |".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RS_PLUS = "RS+ ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RS_MINUS = "RS- ".getBytes(StandardCharsets.US_ASCII);
    private static final int INITIAL_CHUNK = 64 * 1024;
    private static final int MAX_CHUNK_HINT = 1024 * 1024;

    private final RouteConnection route;
    private final Cluster cluster;
    // write deadline (the server's housekeeping thread)
    private long deadlineMarkBytes = -1;
    private long deadlineMarkNanos;

    RouteOutbound(RouteConnection route, Cluster cluster) {
        super(INITIAL_CHUNK, MAX_CHUNK_HINT);
        this.route = route;
        this.cluster = cluster;
    }

    @Override
    protected boolean ownerClosed() {
        return route.isClosed();
    }

    /** A route's flush writes until the channel itself is gone (its closing -ERR must still go out). */
    @Override
    protected boolean dropOnFlush() {
        return !channel().isActive();
    }

    /** The route's handler was added to its channel. */
    void attach(Channel channel) {
        attach(channel, channel.alloc());
    }

    /** RS+ (with the queue weight) or RS- for this server's interest. Any thread (an account's index lock held). */
    void interest(byte[] account, String subject, String queue, int weight) {
        synchronized (lock) {
            if (route.isClosed()) {
                return;
            }
            ByteBuf b = writable(account.length + subject.length() + (queue == null ? 0 : queue.length()) + 24);
            b.writeBytes(weight > 0 ? RS_PLUS : RS_MINUS).writeBytes(account).writeByte(' ');
            b.writeCharSequence(subject, StandardCharsets.US_ASCII);
            if (queue != null) {
                b.writeByte(' ').writeCharSequence(queue, StandardCharsets.US_ASCII);
                if (weight > 0) {
                    b.writeByte(' ').writeCharSequence(Integer.toString(weight), StandardCharsets.US_ASCII);
                }
            }
            b.writeBytes(CRLF);
        }
        scheduleFlush();
    }

    /**
     * One RMSG (HMSG with headers, when the peer takes them) for the subscriptions {@code subs} of the peer in
     * the account: the queue groups among them form the queue list. On the publisher's thread; false when
     * nothing was queued (closed, or the route went over max_pending and is closed as a slow consumer).
     */
    boolean message(byte[] account, Message msg, Subscription[] subs, int count, boolean peerHeaders) {
        int queueBytes = 0;
        boolean queues = false;
        for (int i = 0; i < count; i++) {
            if (subs[i].queue != null) {
                queues = true;
                queueBytes += subs[i].queue.length() + 1;
            }
        }
        boolean withHeaders = msg.hasHeaders() && peerHeaders;
        int dataOffset = msg.dataOffset();
        int dataLength = msg.totalSize();
        if (msg.hasHeaders() && !peerHeaders) {
            dataOffset += msg.headerSize();
            dataLength -= msg.headerSize();
        }
        int size = 5 + account.length + 1 + msg.subjectLength() + 3 + Math.max(0, msg.replyLength()) + queueBytes + 26
                + dataLength + 2;
        long maxPending = cluster.maxPending();
        long queued;
        synchronized (lock) {
            if (route.isClosed()) {
                return false;
            }
            queued = queuedLocked();
            if (queued + size > maxPending) {
                cluster.slowConsumer(route);
                return false;
            }
            ByteBuf b = writable(size);
            b.writeBytes(withHeaders ? HMSG : RMSG).writeBytes(account).writeByte(' ');
            b.writeBytes(msg.subjectArray(), msg.subjectOffset(), msg.subjectLength());
            if (queues) {
                if (msg.hasReply()) {
                    b.writeBytes(PLUS_REPLY);
                    b.writeBytes(msg.replyArray(), msg.replyOffset(), msg.replyLength());
                } else {
                    b.writeBytes(NO_REPLY);
                }
                for (int i = 0; i < count; i++) {
                    if (subs[i].queue != null) {
                        b.writeByte(' ').writeCharSequence(subs[i].queue, StandardCharsets.US_ASCII);
                    }
                }
            } else if (msg.hasReply()) {
                b.writeByte(' ').writeBytes(msg.replyArray(), msg.replyOffset(), msg.replyLength());
            }
            b.writeByte(' ');
            if (withHeaders) {
                b.writeBytes(msg.headerDigits(), msg.headerDigitsOffset(), msg.headerDigitsLength()).writeByte(' ');
                b.writeBytes(msg.totalDigits(), msg.totalDigitsOffset(), msg.totalDigitsLength());
            } else if (dataLength != msg.totalSize()) {
                b.writeCharSequence(Integer.toString(dataLength), StandardCharsets.US_ASCII);
            } else {
                b.writeBytes(msg.totalDigits(), msg.totalDigitsOffset(), msg.totalDigitsLength());
            }
            b.writeBytes(CRLF);
            b.writeBytes(msg.data(), dataOffset, dataLength);
            b.writeBytes(CRLF);
            appended(dataLength, queued + size, maxPending);
        }
        return true;
    }

    /**
     * Closes the route as a slow consumer, with nats-server's notice, when it passed the write deadline {@code d}
     * ({@link #writeDeadlinePassed}). The cluster's timer.
     */
    void checkWriteDeadline(long nowNanos, java.time.Duration d) {
        if (d.isZero() || d.isNegative() || route.isClosed() || !writeDeadlinePassed(nowNanos, d.toNanos())) {
            return;
        }
        route.notice("Slow Consumer Detected: WriteDeadline of " + goDuration(d) + " exceeded with " + channelChunks()
                + " chunks of " + channelPendingBytes() + " total bytes.");
        route.close("Slow Consumer (Write Deadline)");
    }

    /** A duration as Go prints one: 10s, 1.5s, 500ms. */
    static String goDuration(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        return ms % 1000 == 0 ? (ms / 1000) + "s"
                : java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
    }

    /**
     * The write deadline (the cluster's timer): true when bytes were waiting in the channel and none of them was
     * written for {@code deadlineNanos}. nats-server closes a route on a write timeout only when nothing at all
     * was written (a client also when a write was partial): a route that writes slowly stays, one that stopped
     * reading goes.
     */
    boolean writeDeadlinePassed(long nowNanos, long deadlineNanos) {
        long pending = channelPendingBytes();
        long written = handedOff() - pending;
        if (pending == 0 || written != deadlineMarkBytes) {
            deadlineMarkBytes = pending == 0 ? -1 : written;
            deadlineMarkNanos = nowNanos;
            return false;
        }
        return nowNanos - deadlineMarkNanos > deadlineNanos;
    }
}
