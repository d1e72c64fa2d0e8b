package io.nats4j.server.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The bytes queued for one client and not yet handed to its channel: a list of buffers (nats-server keeps
 * its outbound data as a list of chunks too) rather than one buffer that grows.
 *
 * <p>Why: a receiver on another event loop is flushed by a task on its own loop, so publishers can append a
 * lot before that flush runs. Growing one pooled buffer reallocates and copies everything queued so far at
 * every doubling; JFR showed that copy as the largest Java cost of 1 KiB pub/sub. Here a buffer that has no
 * room left (without reallocation) and holds at least {@link #SEAL_BYTES} is sealed and a new one started,
 * so every byte is copied exactly once, from the publisher's read buffer into this queue.
 *
 * <p>Not thread-safe: the owning connection (a client's {@code Outbound}, a route's outbound) guards it with its lock. Allocates no objects once
 * its deque has grown to the usual number of chunks.
 */
public final class OutboundQueue {

    /** Below this a full buffer is grown instead (copying a few KiB is cheaper than another write). */
    static final int SEAL_BYTES = 8 * 1024;

    private final ArrayDeque<ByteBuf> sealed = new ArrayDeque<>(4);
    private long sealedBytes;
    private ByteBuf current;

    /**
     * A buffer with room for {@code bytes} more, to be written at once. New buffers start with
     * {@code max(sizeHint, bytes)} bytes.
     */
    public ByteBuf writable(ByteBufAllocator alloc, int bytes, int sizeHint) {
        ByteBuf b = current;
        if (b == null) {
            return current = alloc.directBuffer(Math.max(sizeHint, bytes));
        }
        if (b.maxFastWritableBytes() < bytes) {
            int queued = b.readableBytes();
            if (queued >= SEAL_BYTES) {
                sealed.addLast(b);
                sealedBytes += queued;
                return current = alloc.directBuffer(Math.max(sizeHint, bytes));
            }
            b.ensureWritable(bytes);
        }
        return b;
    }

    /** Bytes queued. */
    public long readableBytes() {
        ByteBuf b = current;
        return sealedBytes + (b == null ? 0 : b.readableBytes());
    }

    public boolean isEmpty() {
        return current == null && sealed.isEmpty();
    }

    /** Moves everything queued to {@code target}, which must be empty; this queue is empty afterwards. */
    public void moveTo(OutboundQueue target) {
        if (!target.isEmpty()) {
            throw new IllegalStateException("target not empty");
        }
        ByteBuf b;
        while ((b = sealed.pollFirst()) != null) {
            target.sealed.addLast(b);
        }
        target.sealedBytes = sealedBytes;
        target.current = current;
        sealedBytes = 0;
        current = null;
    }

    /**
     * Writes every queued buffer to {@code channel} in order and flushes once; this queue is empty
     * afterwards. Empty buffers are released instead. Returns the bytes written.
     */
    public long writeAndFlush(Channel channel) {
        long bytes = 0;
        ByteBuf b;
        while ((b = sealed.pollFirst()) != null) {
            bytes += b.readableBytes();
            channel.write(b, channel.voidPromise());
        }
        sealedBytes = 0;
        b = current;
        current = null;
        if (b != null && b.isReadable()) {
            bytes += b.readableBytes();
            channel.write(b, channel.voidPromise());
        } else if (b != null) {
            b.release();
        }
        if (bytes > 0) {
            channel.flush();
        }
        return bytes;
    }

    /**
     * Writes the queued bytes, in order, to {@code socket} (non-blocking) until all are written or the socket
     * takes no more; returns the bytes written. What was written leaves the queue (its buffers released), what was
     * not stays at its head. The caller makes sure nobody else writes to the socket meanwhile.
     */
    public long writeTo(FileDescriptor socket) throws IOException {
        long total = 0;
        ByteBuf b;
        while ((b = sealed.peekFirst()) != null) {
            int len = b.readableBytes();
            int n = write(socket, b, len);
            total += n;
            sealedBytes -= n;
            if (n < len) {
                return total;
            }
            sealed.pollFirst();
            b.release();
        }
        b = current;
        if (b != null) {
            int len = b.readableBytes();
            int n = len == 0 ? 0 : write(socket, b, len);
            total += n;
            if (n == len) {
                current = null;
                b.release();
            }
        }
        return total;
    }

    private static int write(FileDescriptor socket, ByteBuf b, int len) throws IOException {
        int start = b.readerIndex();
        int n;
        if (b.hasMemoryAddress()) {
            n = socket.writeAddress(b.memoryAddress(), start, start + len);
        } else {
            java.nio.ByteBuffer nio = b.internalNioBuffer(start, len);
            n = socket.write(nio, nio.position(), nio.limit());
        }
        b.readerIndex(start + n);
        return n;
    }

    /** Drops everything queued. */
    public void release() {
        ByteBuf b;
        while ((b = sealed.pollFirst()) != null) {
            b.release();
        }
        sealedBytes = 0;
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
