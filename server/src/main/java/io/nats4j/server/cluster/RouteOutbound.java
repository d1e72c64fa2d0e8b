package io.nats4j.server.cluster;

import io.nats4j.server.connection.OutboundQueue;
import io.nats4j.server.connection.FlowReceiver;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A route's outbound side: the {@code RMSG}/{@code HMSG}, {@code RS+}/{@code RS-} and protocol lines queued for
 * the peer, appended by any thread under {@link #lock} (publishers' loops, interest listeners under an account's
 * index lock: lock order index, then this), handed to the channel only by the route's loop, one scheduled flush
 * at a time.
 *
 * <p>Why it looks like a client's outbound: the bytes go into a list of chunks ({@link OutboundQueue}), never one
 * buffer that grows (a regrow copied everything queued so far under the lock, while the route's loop waited for
 * that lock to flush); the lock is held for one append or for moving the chunks out, never for a write; and the
 * route publishes the same racy hints as a client ({@link #overStallThreshold()}, {@link #overPaceThreshold()}),
 * so a client producer that outruns the route waits for it as nats-server stalls a producer on any receiver over
 * half its max_pending. Without that a publisher filled the route to max_pending in seconds and the route was cut
 * as a slow consumer (docs/PERFORMANCE.md, "Cluster").
 */
final class RouteOutbound {

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
    /** Guards {@link #out}, {@link #outMsgs}, {@link #outBytes}, {@link #chunkHint}. */
    private final Object lock = new Object();
    private final OutboundQueue out = new OutboundQueue();
    /** What {@link #flush()} hands to the channel: the route's loop only, empty in between. */
    private final OutboundQueue flushing = new OutboundQueue();
    private long outMsgs;
    private long outBytes;
    private int chunkHint = INITIAL_CHUNK;
    /** Bytes handed to the channel so far (written by the route's loop). */
    private volatile long handedOff;
    private volatile boolean overStall;
    private volatile boolean overPace;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Runnable flushTask = () -> {
        flushScheduled.set(false);
        flush();
    };
    // write deadline (the server's housekeeping thread)
    private long deadlineMarkBytes = -1;
    private long deadlineMarkNanos;

    private Channel channel;
    private EventLoop loop;
    private ByteBufAllocator alloc;

    RouteOutbound(RouteConnection route, Cluster cluster) {
        this.route = route;
        this.cluster = cluster;
    }

    /** The route's handler was added to its channel. */
    void attach(Channel channel) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.alloc = channel.alloc();
    }

    EventLoop loop() {
        return loop;
    }

    /** Queues raw protocol bytes; false when the route is closed. Any thread. */
    boolean queue(byte[] bytes) {
        synchronized (lock) {
            if (route.isClosed()) {
                return false;
            }
            out.writable(alloc, bytes.length, chunkHint).writeBytes(bytes);
        }
        return true;
    }

    /** RS+ (with the queue weight) or RS- for this server's interest. Any thread (an account's index lock held). */
    void interest(byte[] account, String subject, String queue, int weight) {
        synchronized (lock) {
            if (route.isClosed()) {
                return;
            }
            ByteBuf b = out.writable(alloc, account.length + subject.length() + (queue == null ? 0 : queue.length()) + 24,
                    chunkHint);
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
            queued = out.readableBytes() + channelPending();
            if (queued + size > maxPending) {
                cluster.slowConsumer(route);
                return false;
            }
            ByteBuf b = out.writable(alloc, size, chunkHint);
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
            outMsgs++;
            outBytes += dataLength;
        }
        queued += size;
        // volatile hints, stored only when they change
        boolean stall = queued > maxPending / 2;
        if (stall != overStall) {
            overStall = stall;
        }
        boolean pace = queued > FlowReceiver.PACE_PENDING_BYTES;
        if (pace != overPace) {
            overPace = pace;
        }
        return true;
    }

    /** In place on the route's loop, otherwise one task there (none if one is scheduled already). */
    void flushFrom(EventLoop publisherLoop) {
        if (publisherLoop == loop) {
            flush();
        } else {
            scheduleFlush();
        }
    }

    void scheduleFlush() {
        EventLoop l = loop;
        if (l != null && flushScheduled.compareAndSet(false, true)) {
            l.execute(flushTask);
        }
    }

    /** Hands what is queued to the channel. On the route's loop. */
    void flush() {
        synchronized (lock) {
            if (out.isEmpty()) {
                return;
            }
            chunkHint = (int) Math.min(Math.max(INITIAL_CHUNK, out.readableBytes()), MAX_CHUNK_HINT);
            out.moveTo(flushing);
        }
        if (!channel.isActive()) {
            flushing.release();
            return;
        }
        handedOff += flushing.writeAndFlush(channel);
    }

    /** Drops what is queued (the route closed). Any thread. */
    void release() {
        synchronized (lock) {
            out.release();
        }
    }

    private long channelPending() {
        Channel ch = channel;
        if (ch == null) {
            return 0;
        }
        ChannelOutboundBuffer cob = ch.unsafe().outboundBuffer();
        return cob == null ? 0 : cob.totalPendingWriteBytes();
    }

    // ---- figures (any thread, racy)

    boolean overStallThreshold() {
        return overStall;
    }

    boolean overPaceThreshold() {
        return overPace;
    }

    long bytesWritten() {
        return handedOff - channelPending();
    }

    long pendingBytes() {
        long own;
        synchronized (lock) {
            own = out.readableBytes();
        }
        return own + channelPending();
    }

    long outMsgs() {
        synchronized (lock) {
            return outMsgs;
        }
    }

    long outBytes() {
        synchronized (lock) {
            return outBytes;
        }
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
                + " chunks of " + channelPending() + " total bytes.");
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
        long pending = channelPending();
        long written = handedOff - pending;
        if (pending == 0 || written != deadlineMarkBytes) {
            deadlineMarkBytes = pending == 0 ? -1 : written;
            deadlineMarkNanos = nowNanos;
            return false;
        }
        return nowNanos - deadlineMarkNanos > deadlineNanos;
    }

    /** Buffers queued in the channel (nats-server's "chunks" of its write-deadline notice). */
    int channelChunks() {
        Channel ch = channel;
        ChannelOutboundBuffer cob = ch == null ? null : ch.unsafe().outboundBuffer();
        return cob == null ? 0 : cob.size();
    }
}
