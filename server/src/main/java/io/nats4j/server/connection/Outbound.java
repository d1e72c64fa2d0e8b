package io.nats4j.server.connection;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;

/**
 * A client connection's outbound side ({@link ChunkedOutbound}): small first chunks (most clients receive little),
 * the close-after-written hand-off, and the client's write-deadline rule.
 */
final class Outbound extends ChunkedOutbound {

    private static final int INITIAL_OUT_BUFFER = 1024;
    private static final int MAX_OUT_BUFFER_HINT = 256 * 1024;

    private final ClientConnection conn;
    // write deadline tracking (read by the server's housekeeping thread)
    /** Bytes handed off when the current write-deadline window began (-1: nothing pending). */
    private long deadlineMarkBytes = -1;
    private long deadlineMarkNanos;

    Outbound(ClientConnection conn) {
        super(INITIAL_OUT_BUFFER, MAX_OUT_BUFFER_HINT);
        this.conn = conn;
    }

    @Override
    protected boolean ownerClosed() {
        return conn.isClosed();
    }

    /** A plain-text client whose pipeline is only itself: what it is sent reaches the socket unchanged. */
    @Override
    protected boolean mayWriteDirectly() {
        io.netty.channel.ChannelPipeline p = channel().pipeline();
        return !conn.tls.enabled() && p.first() == conn && p.last() == conn;
    }

    /**
     * Hands everything queued to the channel and runs {@code whenWritten} once it is written; false (nothing
     * done, the queue dropped) when there is nothing to write or the channel is gone. On the connection's loop.
     */
    boolean flushThen(ChannelFutureListener whenWritten) {
        if (flushAll() < 0) {
            return false;
        }
        // an empty write completes after the ones queued before it
        channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(whenWritten);
        return true;
    }

    /**
     * The write deadline (housekeeping thread): true when bytes handed to the socket when a window started are
     * still not all written {@code deadlineNanos} later. Like a write call in nats-server that must finish
     * within write_deadline; partial progress does not reset it, so a reader that trickles is caught as well as
     * one that stopped.
     */
    boolean writeDeadlinePassed(long nowNanos, long deadlineNanos) {
        long handed = handedOff();
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
}
