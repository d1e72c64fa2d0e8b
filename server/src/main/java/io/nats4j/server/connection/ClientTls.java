package io.nats4j.server.connection;

import io.nats4j.server.tls.ServerTls;
import io.nats4j.server.tls.TlsConnectionState;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The TLS handshake of a client connection: the handler placed after INFO (or first, with handshake_first),
 * the outcome (INFO and the ping timer once it succeeded, nats-server's error wording when it failed) and the
 * negotiated state for monitoring and authentication. Event loop only, except {@link #state()}.
 */
final class ClientTls {

    private final ClientConnection c;
    /** The port's TLS, or null without TLS. */
    private ServerTls tls;
    private boolean handshaking;
    /** TLS before INFO on this connection: handshake_first, and the client started TLS within any fallback delay. */
    private boolean first;
    private volatile TlsConnectionState state;

    ClientTls(ClientConnection c) {
        this.c = c;
    }

    /** The connection became active on a port with {@code tls} (null: none). */
    void init(ServerTls tls, Channel channel) {
        this.tls = tls;
        this.first = tls != null && tls.handshakeFirst() && !io.nats4j.server.tls.TlsFirstFallback.fellBack(channel);
    }

    boolean enabled() {
        return tls != null;
    }

    /** TLS before INFO (handshake_first, unless the client let its fallback delay pass). */
    boolean first() {
        return first;
    }

    ServerTls options() {
        return tls;
    }

    /**
     * Starts the handshake: INFO went out in plain text (it is past the pipeline already), everything after it
     * is TLS. With handshake_first the handler has been in the pipeline from the start and INFO waits for it.
     */
    void start(ChannelHandlerContext ctx, ByteBufAllocator alloc) {
        if (!first()) {
            ctx.pipeline().addBefore(ctx.name(), "tls", tls.newHandler(alloc));
        }
        handshaking = true;
        if (c.log.isDebugEnabled()) {
            c.log.debug(c.prefix() + "Starting TLS client connection handshake");
        }
    }

    /** The handshake ended: on success the client proceeds (INFO first with handshake_first). */
    void completed(ChannelHandlerContext ctx, SslHandshakeCompletionEvent done) {
        if (!handshaking || c.closed) {
            return;
        }
        handshaking = false;
        if (!done.isSuccess()) {
            c.log.error(c.prefix() + "TLS handshake error: " + errorText(done.cause()));
            c.closeNow(ClosedState.TLS_HANDSHAKE_ERROR);
            return;
        }
        SslHandler handler = ctx.pipeline().get(SslHandler.class);
        String refused = tls.checkClientCertificate(handler.engine().getSession());
        if (refused != null) { // e.g. a resumed session whose certificate has expired since (ServerTls)
            c.log.error(c.prefix() + "TLS handshake error: tls: " + refused);
            c.closeNow(ClosedState.TLS_HANDSHAKE_ERROR);
            return;
        }
        TlsConnectionState s = TlsConnectionState.of(handler);
        state = s;
        if (c.log.isDebugEnabled()) {
            c.log.debug(c.prefix() + "TLS handshake complete");
            c.log.debug(c.prefix() + "TLS version " + s.version() + ", cipher suite " + s.cipherSuite());
        }
        if (first) {
            c.sendInfo();
        }
        c.pinger.start();
    }

    /**
     * An exception while the handshake runs or after it failed: the SslHandler reports a failure both as a
     * completion event and as an exception. True when it was a handshake failure (the connection is closed).
     */
    boolean handshakeFailed(Throwable cause) {
        if (!handshaking && c.closedState != ClosedState.TLS_HANDSHAKE_ERROR) {
            return false;
        }
        if (handshaking) {
            c.log.error(c.prefix() + "TLS handshake error: " + errorText(cause));
            handshaking = false;
        }
        c.closeNow(ClosedState.TLS_HANDSHAKE_ERROR);
        return true;
    }

    /** The negotiated version, suite and client identity once the handshake completed; null before or without. */
    TlsConnectionState state() {
        return state;
    }

    private static String errorText(Throwable cause) {
        Throwable t = cause;
        while (t instanceof io.netty.handler.codec.DecoderException && t.getCause() != null) {
            t = t.getCause();
        }
        // nats-server's (Go's) wording for the two common cases
        if (t instanceof io.netty.handler.ssl.NotSslRecordException) {
            return "tls: first record does not look like a TLS handshake";
        }
        if (t instanceof java.nio.channels.ClosedChannelException) {
            return "EOF";
        }
        while (t.getCause() != null && t.getMessage() != null && t.getMessage().startsWith("javax.net.ssl")) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /**
     * The PEM text of the certificates the client presented (leaf first), for the auth callout request; empty
     * without TLS or client certificates. Any thread.
     */
    static List<String> peerCertificatesPem(Channel ch) {
        SslHandler h = ch == null ? null : ch.pipeline().get(SslHandler.class);
        if (h == null) {
            return List.of();
        }
        try {
            java.security.cert.Certificate[] certs = h.engine().getSession().getPeerCertificates();
            List<String> out = new ArrayList<>(certs.length);
            java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'});
            for (java.security.cert.Certificate cert : certs) {
                out.add("-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
            }
            return out;
        } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateEncodingException e) {
            return List.of();
        }
    }
}
