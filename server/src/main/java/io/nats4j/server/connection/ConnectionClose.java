package io.nats4j.server.connection;

import java.nio.charset.StandardCharsets;

/**
 * Closing a client connection, for every reason: after a final {@code -ERR} and a flush, at once, or as a slow
 * consumer (from a publisher's thread, under the outbound lock). Whatever the way, the connection leaves the
 * server and its account once ({@link #detach}): parser stopped, timers cancelled, subscriptions out of the
 * account (interest listeners hear it), queued bytes and held input released, the disconnect event.
 */
final class ConnectionClose {

    private final ClientConnection c;
    private boolean detached;

    ConnectionClose(ClientConnection c) {
        this.c = c;
    }

    /** Runs {@code task} on the connection's loop (in place when already there); nothing before it is active. */
    void onLoop(Runnable task) {
        io.netty.channel.EventLoop l = c.loop;
        if (l == null) {
            return;
        }
        if (l.inEventLoop()) {
            task.run();
        } else {
            l.execute(task);
        }
    }

    void sendErrAndClose(String text, ClosedState reason) {
        c.outbound.queue(("-ERR '" + text + "'\r\n").getBytes(StandardCharsets.UTF_8));
        if (c.parser != null) {
            c.parser.close();
        }
        closeAfterFlush(reason);
    }

    void closeAfterFlush(ClosedState reason) {
        if (c.closed) {
            return;
        }
        if (c.closedState == null) {
            c.closedState = reason;
        }
        // Input not read yet stays unread, as nats-server leaves it: closing a socket with unread input makes the
        // kernel reset the connection, so a client still sending (a payload over max_payload) sees the -ERR and
        // then a connection reset, not a clean end of stream.
        if (c.channel == null) {
            closeNow(reason);
            return;
        }
        c.channel.config().setAutoRead(false);
        if (reason == ClosedState.MAX_PAYLOAD_EXCEEDED && c.channel.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null) {
            // nats-server never reads a payload over max_payload (its first reads are 512 bytes), so its close always
            // leaves it unread; a payload small enough to arrive with the PUB line in one of our reads must end the
            // same way: a reset (SO_LINGER 0) once the -ERR is written. Over TLS both servers send close_notify.
            c.channel.config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
        }
        if (c.outbound.flushThen(f -> closeNow(reason))) {
            // stop reading and delivering right away
            c.closed = true;
            detach(reason);
        } else {
            closeNow(reason);
        }
    }

    void markSlowConsumer(ClosedState reason) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        c.closedState = reason;
        c.server.stats().slowConsumers.increment();
        c.outbound.releaseLocked();
        c.log.notice(c.prefix() + "Slow Consumer Detected: " + (reason == ClosedState.SLOW_CONSUMER_PENDING_BYTES
                ? "MaxPending of " + c.maxPending + " Exceeded"
                : "WriteDeadline of " + c.opts().writeDeadline().toMillis() + "ms exceeded"));
        c.loop.execute(() -> closeNow(reason));
    }

    void closeNow(ClosedState reason) {
        if (c.closedState == null) {
            c.closedState = reason;
        }
        c.closed = true;
        detach(c.closedState);
        if (c.channel != null && c.channel.isOpen()) {
            c.channel.close();
        }
    }

    /** True once {@link #detach} ran (on the connection's loop). */
    boolean detached() {
        return detached;
    }

    /** Removes the connection from the server and its account: once. On the connection's loop. */
    private void detach(ClosedState reason) {
        if (detached) {
            return;
        }
        detached = true;
        if (c.parser != null) {
            c.parser.close();
        }
        c.pinger.cancel();
        if (c.authTimer != null) {
            c.authTimer.cancel(false);
        }
        if (c.expiryTimer != null) {
            c.expiryTimer.cancel(false);
        }
        c.subscriptions.closeAll();
        c.outbound.release();
        if (c.heldInput != null) {
            c.heldInput.release();
            c.heldInput = null;
        }
        if (c.registered) {
            c.server.unregister(c);
            c.account.removeConnection();
            if (c.authenticated) {
                c.server.clientClosed(c, reason);
            }
        }
        if (c.log.isDebugEnabled()) {
            c.log.debug(c.prefix() + "Client connection closed: " + reason.text());
        }
    }
}
