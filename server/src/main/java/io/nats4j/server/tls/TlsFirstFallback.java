package io.nats4j.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code handshake_first} with a fallback delay ({@code handshake_first: 300ms}, or 50 ms for {@code "auto"}), as
 * nats-server 2.10.3+: a new connection is given the delay to send something. If it does (a TLS-first client's
 * ClientHello), this handler makes way for the {@link io.netty.handler.ssl.SslHandler} and the connection is TLS
 * first (INFO after the handshake); if the delay passes in silence, the client is an INFO-first one: the
 * connection gets INFO in plain text and the TLS handshake follows, as without {@code handshake_first}. The bytes
 * are not checked: what is not a ClientHello fails the handshake.
 *
 * <p>Until it decides, the handler holds back the connection's {@code channelActive}, so the client connection
 * starts in the right mode; it reads which one from {@link #fellBack(Channel)}. One instance per connection, on
 * the connection's event loop.
 */
public final class TlsFirstFallback extends ChannelInboundHandlerAdapter {

    /** Handler name in the pipeline. */
    public static final String NAME = "tls-first-fallback";

    private static final AttributeKey<Boolean> FELL_BACK = AttributeKey.valueOf("nats4j.tlsFirstFellBack");

    private final ServerTls tls;
    private final long delayNanos;
    private ScheduledFuture<?> timer;
    private boolean decided;

    public TlsFirstFallback(ServerTls tls, Duration delay) {
        this.tls = tls;
        this.delayNanos = delay.toNanos();
    }

    /** True when the connection's client did not start TLS within the delay: INFO goes first. */
    public static boolean fellBack(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(FELL_BACK).get());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> fallBack(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided) {
            ctx.fireChannelRead(msg);
            return;
        }
        decided = true;
        timer.cancel(false);
        // TLS first: the SslHandler takes this handler's place and gets the bytes from the start of the pipeline
        ctx.pipeline().replace(this, "tls", tls.newHandler(ctx.alloc()));
        ctx.pipeline().context("tls").fireChannelActive();
        ByteBuf first = (ByteBuf) msg;
        ctx.pipeline().fireChannelRead(first);
    }

    private void fallBack(ChannelHandlerContext ctx) {
        if (decided) {
            return;
        }
        decided = true;
        ctx.channel().attr(FELL_BACK).set(Boolean.TRUE);
        ctx.fireChannelActive(); // the client connection sends INFO and adds the SslHandler after it
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!decided) {
            // closed before deciding: the connection still starts (and ends) as the others do
            decided = true;
            if (timer != null) {
                timer.cancel(false);
            }
            ctx.channel().attr(FELL_BACK).set(Boolean.TRUE);
            ctx.fireChannelActive();
        }
        ctx.fireChannelInactive();
    }
}
