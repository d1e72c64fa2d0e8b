package io.nats4j.server.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outbound side of any connection that publishers write into: the bytes queued for it in chunks
 * ({@link OutboundQueue}, appended by any thread under {@link #lock}), handed to the channel only by the
 * connection's own loop with at most one scheduled flush at a time, and the progress figures and racy hints the
 * slow-consumer rules and producers' flow control read. A client's {@link Outbound} and a route's outbound extend
 * it with what they write and with their own write-deadline rule.
 *
 * <p>Lock order: a thread holds at most one connection's {@link #lock} and takes no other lock under it.
 */
public abstract class ChunkedOutbound {

    /** Guards the queue, the out counters and what a subclass says it guards. */
    protected final Object lock = new Object();
    private final OutboundQueue out = new OutboundQueue();
    /** What {@link #flush()} is handing to the channel: the connection's loop only, empty in between. */
    private final OutboundQueue flushing = new OutboundQueue();
    private final int initialChunk;
    private final int maxChunkHint;
    /** Size of the last flush, bounded: the next chunk starts that big, so it rarely has to grow. Lock held. */
    private int chunkHint;
    private long outMsgs;
    private long outBytes;
    /** Bytes handed to the channel so far; with the channel's pending bytes this shows write progress. */
    private volatile long handedOff;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Runnable flushTask = () -> {
        flushScheduled.set(false);
        flush();
    };
    /** Set when an append left the connection over half its max_pending (read by producers, racy hint). */
    private volatile boolean overStallThreshold;
    /** Set when an append left it over {@link FlowReceiver#PACE_PENDING_BYTES} queued (racy hint). */
    private volatile boolean overPaceThreshold;

    private Channel channel;
    private EventLoop loop;
    private ByteBufAllocator alloc;

    /** {@code initialChunk}: the first chunk's size; {@code maxChunkHint}: the most a later one starts with. */
    protected ChunkedOutbound(int initialChunk, int maxChunkHint) {
        this.initialChunk = initialChunk;
        this.maxChunkHint = maxChunkHint;
        this.chunkHint = initialChunk;
    }

    /** True once the owner is closed: nothing more is queued. Any thread. */
    protected abstract boolean ownerClosed();

    /** True when a flush must drop what it took instead of writing it. On the loop. */
    protected boolean dropOnFlush() {
        return ownerClosed();
    }

    /** The channel became active (or the handler was added to it). */
    public void attach(Channel channel, ByteBufAllocator alloc) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.alloc = alloc;
    }

    protected final Channel channel() {
        return channel;
    }

    public final EventLoop loop() {
        return loop;
    }

    /** Room for {@code bytes} more at the end of the queue. Lock held. */
    protected final ByteBuf writable(int bytes) {
        return out.writable(alloc, bytes, chunkHint);
    }

    /** Bytes queued here and in the channel. Lock held (any thread). */
    protected final long queuedLocked() {
        return out.readableBytes() + channelPendingBytes();
    }

    /**
     * A message of {@code size} payload bytes was appended, leaving {@code queued} bytes queued: the out
     * counters, and the producers' hints (volatile, stored only when they change, not per message). Lock held.
     */
    protected final void appended(int size, long queued, long maxPending) {
        outMsgs++;
        outBytes += size;
        boolean overStall = queued > maxPending / 2;
        if (overStall != overStallThreshold) {
            overStallThreshold = overStall;
        }
        boolean overPace = queued > FlowReceiver.PACE_PENDING_BYTES;
        if (overPace != overPaceThreshold) {
            overPaceThreshold = overPace;
        }
    }

    /** Queues {@code bytes} unless the owner is closed; true when queued. Any thread. */
    public final boolean queue(byte[] bytes) {
        synchronized (lock) {
            if (ownerClosed()) {
                return false;
            }
            writable(bytes.length).writeBytes(bytes);
        }
        return true;
    }

    /** Bytes the channel holds that its socket has not taken yet. Any thread (racy). */
    public final long channelPendingBytes() {
        ChannelOutboundBuffer cob = outboundBuffer();
        return cob == null ? 0 : cob.totalPendingWriteBytes();
    }

    /** Buffers waiting in the channel (nats-server's "chunks" of its write-deadline notice). Any thread (racy). */
    public final int channelChunks() {
        ChannelOutboundBuffer cob = outboundBuffer();
        return cob == null ? 0 : cob.size();
    }

    private ChannelOutboundBuffer outboundBuffer() {
        Channel ch = channel;
        return ch == null ? null : ch.unsafe().outboundBuffer();
    }

    /** Bytes handed to the channel so far. */
    protected final long handedOff() {
        return handedOff;
    }

    /** Bytes the channel has written to its socket so far (racy: any thread). */
    public final long bytesWritten() {
        return handedOff - channelPendingBytes();
    }

    /** Bytes queued and not yet written to the socket. Any thread. */
    public final long pendingBytes() {
        long own;
        synchronized (lock) {
            own = out.readableBytes();
        }
        return own + channelPendingBytes();
    }

    public final boolean overStallThreshold() {
        return overStallThreshold;
    }

    public final boolean overPaceThreshold() {
        return overPaceThreshold;
    }

    /** In place on the connection's loop, otherwise one task there (none if one is scheduled already). */
    public final void flushFrom(EventLoop publisherLoop) {
        if (loop == publisherLoop) {
            flush();
        } else {
            scheduleFlush();
        }
    }

    /** One flush task on the connection's loop, unless one is pending. Any thread. */
    public final void scheduleFlush() {
        EventLoop l = loop;
        if (l != null && flushScheduled.compareAndSet(false, true)) {
            l.execute(flushTask);
        }
    }

    /** Hands the queued bytes to the channel. On the connection's loop only. */
    public final void flush() {
        synchronized (lock) {
            if (out.isEmpty()) {
                return;
            }
            // a racy hint for the next allocation; bounded so one burst does not pin a huge buffer
            chunkHint = (int) Math.min(Math.max(initialChunk, out.readableBytes()), maxChunkHint);
            out.moveTo(flushing);
        }
        if (dropOnFlush()) {
            flushing.release();
            return;
        }
        handedOff += flushing.writeAndFlush(channel);
    }

    /**
     * Moves everything queued out and hands it to the channel unless the owner is gone; the bytes handed, or -1
     * when there was nothing or the channel is inactive (then what was queued is dropped). On the loop.
     */
    protected final long flushAll() {
        synchronized (lock) {
            out.moveTo(flushing);
        }
        if (flushing.readableBytes() > 0 && channel.isActive()) {
            long n = flushing.writeAndFlush(channel);
            handedOff += n;
            return n;
        }
        flushing.release();
        return -1;
    }

    /** Drops what is queued. Lock held. */
    protected final void releaseLocked() {
        out.release();
    }

    /** Drops what is queued. Any thread. */
    public final void release() {
        synchronized (lock) {
            out.release();
        }
    }

    public final long outMsgs() {
        synchronized (lock) {
            return outMsgs;
        }
    }

    public final long outBytes() {
        synchronized (lock) {
            return outBytes;
        }
    }
}
