package io.nats4j.server.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection's outbound side: the bytes queued for it (written by any publisher's thread under {@link #lock}),
 * handed to the channel only by the connection's own loop, at most one scheduled flush at a time, and the
 * progress figures the slow-consumer rules and producers' flow control read.
 *
 * <p>Lock order: a thread holds at most one connection's {@link #lock} and takes no other lock under it.
 */
final class Outbound {

    private static final int INITIAL_OUT_BUFFER = 1024;
    private static final int MAX_OUT_BUFFER_HINT = 256 * 1024;

    /** Guards {@link #out}, the out counters and the subscriptions' delivery counters of this connection. */
    final Object lock = new Object();
    private final ClientConnection conn;
    private final OutboundQueue out = new OutboundQueue();
    /** What {@link #flush()} is handing to the channel: the connection's loop only, empty in between. */
    private final OutboundQueue flushing = new OutboundQueue();
    private long outMsgs;
    private long outBytes;
    /** Bytes handed to the channel so far; with the channel's pending bytes this shows write progress. */
    private volatile long handedOff;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Size of the last flushed buffer: the next buffer starts that big, so it rarely has to grow. */
    private int lastFlushBytes = INITIAL_OUT_BUFFER;
    private final Runnable flushTask = this::scheduledFlush;
    /** Set when an append left the connection over half its max_pending (read by producers, racy hint). */
    private volatile boolean overStallThreshold;
    /** Set when an append left it over {@link ProducerFlowControl#PACE_PENDING_BYTES} queued (racy hint). */
    private volatile boolean overPaceThreshold;
    // write deadline tracking (read by the server's housekeeping thread)
    /** Bytes handed off when the current write-deadline window began (-1: nothing pending). */
    private long deadlineMarkBytes = -1;
    private long deadlineMarkNanos;

    private Channel channel;
    private EventLoop loop;
    private ByteBufAllocator alloc;

    Outbound(ClientConnection conn) {
        this.conn = conn;
    }

    /** The channel became active. */
    void attach(Channel channel, ByteBufAllocator alloc) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.alloc = alloc;
    }

    /** Room for {@code bytes} more at the end of the queue. Lock held. */
    ByteBuf writable(int bytes) {
        return out.writable(alloc, bytes, lastFlushBytes);
    }

    /** Bytes queued here and in the channel. Lock held (any thread). */
    long queuedLocked() {
        return out.readableBytes() + channelPendingBytes();
    }

    /**
     * A message of {@code size} payload bytes was appended, leaving {@code queued} bytes queued: the out
     * counters, and the producers' hints (volatile, stored only when they change, not per message). Lock held.
     */
    void appended(int size, long queued, long maxPending) {
        outMsgs++;
        outBytes += size;
        boolean overStall = queued > maxPending / 2;
        if (overStall != overStallThreshold) {
            overStallThreshold = overStall;
        }
        boolean overPace = queued > ProducerFlowControl.PACE_PENDING_BYTES;
        if (overPace != overPaceThreshold) {
            overPaceThreshold = overPace;
        }
    }

    /** Queues {@code bytes} unless the connection is closed; true when queued. Any thread. */
    boolean queue(byte[] bytes) {
        synchronized (lock) {
            if (conn.isClosed()) {
                return false;
            }
            writable(bytes.length).writeBytes(bytes);
        }
        return true;
    }

    long channelPendingBytes() {
        Channel ch = channel;
        if (ch == null) {
            return 0;
        }
        ChannelOutboundBuffer cob = ch.unsafe().outboundBuffer();
        return cob == null ? 0 : cob.totalPendingWriteBytes();
    }

    /** Bytes the channel has written to its socket so far (racy: any thread). */
    long bytesWritten() {
        return handedOff - channelPendingBytes();
    }

    /** Bytes queued and not yet written to the socket. Any thread. */
    long pendingBytes() {
        long own;
        synchronized (lock) {
            own = out.readableBytes();
        }
        return own + channelPendingBytes();
    }

    boolean overStallThreshold() {
        return overStallThreshold;
    }

    boolean overPaceThreshold() {
        return overPaceThreshold;
    }

    /** In place on the connection's loop, otherwise one task there (none if one is scheduled already). */
    void flushFrom(EventLoop publisherLoop) {
        if (loop == publisherLoop) {
            flush();
        } else {
            scheduleFlush();
        }
    }

    /** One flush task on the connection's loop, unless one is pending. Any thread. */
    void scheduleFlush() {
        EventLoop l = loop;
        if (l != null && flushScheduled.compareAndSet(false, true)) {
            l.execute(flushTask);
        }
    }

    private void scheduledFlush() {
        flushScheduled.set(false);
        flush();
    }

    /** Hands the queued bytes to the channel. On the connection's loop only. */
    void flush() {
        synchronized (lock) {
            if (out.isEmpty()) {
                return;
            }
            // a racy hint for the next allocation; bounded so one burst does not pin a huge buffer
            lastFlushBytes = (int) Math.min(Math.max(INITIAL_OUT_BUFFER, out.readableBytes()), MAX_OUT_BUFFER_HINT);
            out.moveTo(flushing);
        }
        if (conn.isClosed()) {
            flushing.release();
            return;
        }
        handedOff += flushing.writeAndFlush(channel);
    }

    /**
     * Hands everything queued to the channel and runs {@code whenWritten} once it is written; false (nothing
     * done, the queue dropped) when there is nothing to write or the channel is gone. On the connection's loop.
     */
    boolean flushThen(ChannelFutureListener whenWritten) {
        synchronized (lock) {
            out.moveTo(flushing);
        }
        if (flushing.readableBytes() > 0 && channel.isActive()) {
            handedOff += flushing.writeAndFlush(channel);
            // an empty write completes after the ones queued before it
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(whenWritten);
            return true;
        }
        flushing.release();
        return false;
    }

    /** Drops what is queued. Lock held. */
    void releaseLocked() {
        out.release();
    }

    /** Drops what is queued. Any thread. */
    void release() {
        synchronized (lock) {
            out.release();
        }
    }

    /**
     * The write deadline (housekeeping thread): true when bytes handed to the socket when a window started are
     * still not all written {@code deadlineNanos} later. Like a write call in nats-server that must finish
     * within write_deadline; partial progress does not reset it, so a reader that trickles is caught as well as
     * one that stopped.
     */
    boolean writeDeadlinePassed(long nowNanos, long deadlineNanos) {
        long handed = handedOff;
        long pending = channelPendingBytes();
        long written = handed - pending;
        if (deadlineMarkBytes < 0 || written >= deadlineMarkBytes) {
            if (pending > 0) {
                deadlineMarkBytes = handed;
                deadlineMarkNanos = nowNanos;
            } else {
                deadlineMarkBytes = -1;
            }
            return false;
        }
        return nowNanos - deadlineMarkNanos > deadlineNanos;
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
}
