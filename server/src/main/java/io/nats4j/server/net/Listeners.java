package io.nats4j.server.net;

import io.nats4j.server.tls.ServerTls;
import io.nats4j.server.tls.TlsFirstFallback;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Opens the server's listeners, one per kind of connection (client today; route, gateway, leaf node,
 * WebSocket, MQTT next), all on the same {@link Transport}. Each listener is a bootstrap whose accepted
 * connections get, in this order: the TLS handler when its {@link TlsPlacement} puts TLS first, then the
 * handlers of its kind's {@link PipelineFactory}. Nothing else differs between kinds here.
 */
public final class Listeners {

    /** The name of the TLS handler in every pipeline (connections that add it later use the same name). */
    public static final String TLS_HANDLER = "tls";

    private final Transport transport;
    private final List<Listener> open = new CopyOnWriteArrayList<>();

    public Listeners(Transport transport) {
        this.transport = transport;
    }

    public Transport transport() {
        return transport;
    }

    /** Binds {@code spec}'s address and returns once it accepts connections. */
    public Listener open(ListenerSpec spec) throws Exception {
        return open(spec, null);
    }

    /**
     * Same, adopting {@code prebound} (a socket already listening on the spec's address, epoll transport only)
     * instead of binding a new one; null binds.
     */
    public Listener open(ListenerSpec spec, PreboundSocket prebound) throws Exception {
        return open(spec, prebound, true);
    }

    /**
     * Same, with {@code accepting} false: the socket is bound (or adopted) but accepts nothing until
     * {@link Listener#startAccepting()}; clients that connect meanwhile wait in the kernel's backlog. For a
     * listener opened before the server is fully built (the client port's INFO needs the bound port).
     */
    public Listener open(ListenerSpec spec, PreboundSocket prebound, boolean accepting) throws Exception {
        ServerBootstrap b = transport.bootstrap().childHandler(initializer(spec));
        if (!accepting) {
            b.option(ChannelOption.AUTO_READ, false); // the server channel's "read" is its accept
        }
        Channel ch;
        if (prebound != null) {
            if (!transport.epoll()) {
                throw new IllegalStateException("adopting a listening socket needs the epoll transport");
            }
            ServerChannel adopted = prebound.channel();
            ChannelFactory<ServerChannel> adopt = () -> adopted;
            ch = b.channelFactory(adopt).register().sync().channel();
        } else {
            ch = b.channel(transport.serverChannelClass()).bind(new InetSocketAddress(spec.host(), spec.port()))
                    .sync().channel();
        }
        Listener l = new Listener(spec, ch, prebound == null ? null : prebound.owner());
        open.add(l);
        return l;
    }

    /** The pipeline of one accepted connection: TLS where the listener places it, then the kind's handlers. */
    private static ChannelInitializer<SocketChannel> initializer(ListenerSpec spec) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ServerTls tls = spec.placement() == TlsPlacement.NONE ? null : spec.tls().get();
                if (tls != null && spec.placement() == TlsPlacement.FIRST) {
                    ch.pipeline().addLast(TLS_HANDLER, tls.newHandler(ch.alloc()));
                } else if (tls != null && tls.handshakeFirst()) {
                    // handshake_first on a connection-decides listener: TLS from the first byte, or, with a
                    // fallback delay, only if the client starts it in time (TlsFirstFallback decides)
                    java.time.Duration fallback = tls.handshakeFirstFallback();
                    if (fallback != null) {
                        ch.pipeline().addLast(TlsFirstFallback.NAME, new TlsFirstFallback(tls, fallback));
                    } else {
                        ch.pipeline().addLast(TLS_HANDLER, tls.newHandler(ch.alloc()));
                    }
                }
                spec.pipeline().addHandlers(ch, tls);
            }
        };
    }

    /** The listeners opened so far (closed ones included until {@link #closeAll}). */
    public List<Listener> all() {
        return List.copyOf(open);
    }

    /** Closes every listener (new connections are refused; accepted ones stay). */
    public void closeAll() {
        for (Listener l : open) {
            l.close();
        }
    }
}
