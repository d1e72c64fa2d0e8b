package io.nats4j.server.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outbound side of any connection that publishers write into: the bytes queued for it in chunks
 * ({@link OutboundQueue}, appended by any thread under {@link #lock}), handed to the channel only by the
 * connection's own loop with at most one scheduled flush at a time, and the progress figures and racy hints the
 * slow-consumer rules and producers' flow control read. A client's {@link Outbound} and a route's outbound extend
 * it with what they write and with their own write-deadline rule.
 *
 * <p>Direct writes (a client's outbound only, see {@link #mayWriteDirectly()} and docs/ARCHITECTURE.md): a
 * publisher on another thread writes what is queued straight to the socket, under {@link #lock}, when the
 * connection's loop has nothing of it in hand or in the channel, instead of waking that loop with a flush task.
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
    /**
     * Direct writes are on: {@link #socket} is the channel's descriptor, and the loop's handler will switch them
     * off (under the lock) before that descriptor is closed ({@link GuardedIoHandler}). Lock held.
     */
    private boolean direct;
    private FileDescriptor socket;
    /** The loop is handing bytes to the channel ({@link #flush}): no direct write meanwhile. */
    private volatile boolean handing;
    /** Bytes written to the socket directly by publishers (written under the lock). */
    private volatile long directBytes;
    /** Direct writes were considered for this connection already (they are, once). The loop only. */
    private boolean directTried;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Flush tasks run for other threads (a hand-off each: a wake-up of this loop when it was idle). */
    private volatile long flushTasksRun;
    private final Runnable flushTask = () -> {
        flushScheduled.set(false);
        flushTasksRun++;
        if (!directTried) {
            enableDirectWrites();
        }
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

    /**
     * True when this connection's bytes may be written to its socket by other threads: nothing in its pipeline
     * changes outbound bytes (no TLS), and the connection wants it. Asked once, on the loop. Routes: never.
     */
    protected boolean mayWriteDirectly() {
        return false;
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

    /** Bytes handed to the channel, or written to its socket directly, so far. */
    protected final long handedOff() {
        return handedOff + directBytes;
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

    /**
     * In place on the connection's loop; from another thread a direct write when possible, otherwise one task on
     * the connection's loop (none if one is scheduled already).
     */
    public final void flushFrom(EventLoop publisherLoop) {
        if (loop == publisherLoop) {
            flush();
        } else if (!writeDirectly()) {
            scheduleFlush();
        }
    }

    /**
     * The most a direct write takes: more is left to the connection's loop, which then writes in parallel with the
     * publisher (a 1:1 stream at full speed lost about 30% with 32 KiB here; a request or a trickle is far below).
     */
    static final int DIRECT_WRITE_MAX_BYTES = 4 * 1024;
    /** Tests only: runs under the lock right before each direct write (to hold a writer there). */
    static volatile java.util.function.Consumer<ChunkedOutbound> directWriteHook;
    /** {@code -Dnats4j.directWrites=false} turns direct writes off (for comparisons). */
    private static final boolean DIRECT_WRITES = !"false".equals(System.getProperty("nats4j.directWrites"));

    /**
     * Writes what is queued to the socket from this (non-loop) thread, if the connection allows direct writes and
     * its loop has nothing in hand: true when nothing is left queued. Any thread but the connection's loop.
     */
    private boolean writeDirectly() {
        synchronized (lock) {
            if (!direct || handing || ownerClosed()) {
                return false;
            }
            long queued = out.readableBytes();
            if (queued == 0) {
                return true;
            }
            if (queued > DIRECT_WRITE_MAX_BYTES) {
                return false;
            }
            // Nothing of the loop's in the channel (what it handed is all in the socket): a write here cannot
            // overtake or interleave with the loop's. Its own writes start under this lock (handing).
            ChannelOutboundBuffer cob = channel.unsafe().outboundBuffer();
            if (cob == null || cob.totalPendingWriteBytes() != 0) {
                return false;
            }
            java.util.function.Consumer<ChunkedOutbound> hook = directWriteHook;
            if (hook != null) {
                hook.accept(this);
            }
            long n;
            try {
                n = out.writeTo(socket);
            } catch (IOException e) {
                direct = false; // the loop's write meets the same error and closes the connection
                return false;
            }
            if (n > 0) {
                directBytes += n;
            }
            return out.isEmpty();
        }
    }

    /**
     * Turns direct writes on when {@link #mayWriteDirectly()} and the loop's handler promises to call back before
     * the descriptor is closed. On the loop, when it first flushes for another thread.
     */
    private void enableDirectWrites() {
        directTried = true;
        if (!DIRECT_WRITES || !GuardedIoHandler.usable() || !(channel instanceof UnixChannel unix) || !mayWriteDirectly()
                || !GuardedIoHandler.guard(channel, this::endDirectWrites)) {
            return;
        }
        synchronized (lock) {
            if (!ownerClosed()) {
                socket = unix.fd();
                direct = true;
            }
        }
    }

    /** No more direct writes (the descriptor is about to close, or the connection is closing). Any thread. */
    protected final void endDirectWrites() {
        synchronized (lock) {
            direct = false;
            socket = null;
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
            handing = true;
        }
        try {
            if (dropOnFlush()) {
                flushing.release();
                return;
            }
            handedOff += flushing.writeAndFlush(channel);
        } finally {
            handing = false; // after the channel counts what it was given (a direct writer reads this first)
        }
    }

    /**
     * Moves everything queued out and hands it to the channel unless the owner is gone; the bytes handed, or -1
     * when there was nothing or the channel is inactive (then what was queued is dropped). On the loop.
     */
    protected final long flushAll() {
        synchronized (lock) {
            out.moveTo(flushing);
            direct = false; // the last flush: nothing may follow it
            socket = null;
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

    /** Flush tasks run on the loop for other threads so far (racy; tests). */
    final long flushTasksRun() {
        return flushTasksRun;
    }

    /** Bytes written to the socket directly by other threads so far (racy; tests). */
    final long directBytes() {
        return directBytes;
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
