package io.nats4j.server.connection;

import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.NKeys;
import io.nats4j.server.protocol.ProtocolParser;
import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A client connection's start: when its channel becomes active, the connection's state (address, parser,
 * account), its registration with the server (before the first write), the INFO, the auth timer, then the TLS
 * handshake or the pinger. On the connection's loop.
 */
final class ConnectionSetup {

    private ConnectionSetup() {
    }

    /** The channel became active: the connection's state, registration, INFO, timers. On its loop. */
    static void activate(ClientConnection c, ChannelHandlerContext ctx) {
        io.nats4j.server.StartupTrace.markFirst("connection active");
        c.channel = ctx.channel();
        c.loop = c.channel.eventLoop();
        c.alloc = ctx.alloc();
        c.outbound.attach(c.channel, c.alloc);
        if (c.channel.remoteAddress() instanceof InetSocketAddress isa) {
            c.remoteIp = isa.getAddress() == null ? isa.getHostString() : isa.getAddress().getHostAddress();
            c.remotePort = isa.getPort();
            c.remote = (c.remoteIp.indexOf(':') >= 0 ? "[" + c.remoteIp + "]" : c.remoteIp) + ":" + c.remotePort;
        }
        c.parser = new ProtocolParser(c, c.alloc, c.opts().maxControlLine(), c.opts().maxPayload());
        c.parser.headersAllowed(false); // until a CONNECT announces header support
        c.account = c.server.globalAccount();
        c.sublist = c.account.sublist();
        c.subscriptions.maxSubs = c.opts().maxSubscriptions();
        c.lastInNanos = System.nanoTime();
        Accounts accounts = c.server.accounts();
        if (accounts.authRequired()) {
            c.awaitingAuth = true;
            c.parser.connectRequired(true);
            if (accounts.nonceRequired()) {
                c.nonce = NKeys.newNonce();
            }
        }
        if (c.log.isDebugEnabled()) {
            c.log.debug(c.prefix() + "Client connection created");
        }
        c.tls.init(c.server.tls(), c.channel);
        // Register before the first write: writing INFO to a client that already reset fails at once and closes
        // this connection (exceptionCaught -> detach) before the write call returns, and detach can only undo a
        // registration that exists. Registering after INFO left such a connection registered for good.
        boolean admitted = register(c);
        if (!c.tls.first()) {
            c.sendInfo();
        }
        io.nats4j.server.StartupTrace.markFirst("INFO queued");
        if (!admitted) {
            c.sendErrAndClose("maximum connections exceeded", ClosedState.MAX_CONNECTIONS_EXCEEDED);
            return;
        }
        if (c.closed) {
            return; // INFO could not be written: closed and detached already
        }
        if (c.awaitingAuth) {
            // as nats-server: with TLS the client gets at least the handshake timeout plus a second
            long authNanos = c.opts().authTimeout().toNanos();
            if (c.tls.enabled()) {
                authNanos = Math.max(authNanos, c.tls.options().options().timeout.toNanos() + TimeUnit.SECONDS.toNanos(1));
            }
            c.authTimer = c.loop.schedule(c.auth::authTimeout, authNanos, TimeUnit.NANOSECONDS);
        }
        if (c.tls.enabled()) {
            c.tls.start(ctx, c.alloc);
        } else {
            c.pinger.start();
        }
        ctx.fireChannelActive();
    }

    /**
     * Adds this connection to the server's and its account's counts, unless it is already closed (then there is
     * nothing to undo later). On this connection's loop, like the close's detach, so the two cannot
     * interleave.
     */
    private static boolean register(ClientConnection c) {
        if (c.closed || c.closing.detached() || !c.server.register(c)) {
            return false;
        }
        c.registered = true;
        c.account.addConnection();
        return true;
    }
}
