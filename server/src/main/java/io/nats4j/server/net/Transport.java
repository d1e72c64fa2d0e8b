package io.nats4j.server.net;

import io.nats4j.server.connection.GuardedIoHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The server's event loops, shared by every listener: one I/O loop per core ({@code nats4j-io}). They also
 * accept: a listener is registered on one of them, and the server's housekeeping and timers run on them too.
 * Native epoll when Netty has it here, NIO otherwise.
 *
 * <p>Why no separate accept loop (issue #15): a new client then cost three thread wake-ups before its INFO
 * (the accept loop for the connection, a registration task handed to the client's I/O loop, that loop again
 * for the client's first bytes), each a wait for a CPU on a busy machine, plus a thread of its own. Accepting
 * on an I/O loop registers the connections that loop gets itself, with no hand-off; only those that go to
 * another loop are handed over.
 */
public final class Transport {

    /**
     * SO_BACKLOG of every listener (and of the early listener), as long as nats-server's: Go's net.Listen asks for
     * the kernel's maximum (somaxconn, 4096 on current Linux), and asking for more than that gets exactly the
     * maximum. A burst of connects then waits in the kernel instead of overflowing the queue (each overflow costs
     * a client a SYN retry, a second or more).
     */
    public static final int BACKLOG = 65535;

    private final boolean epoll;
    private final EventLoopGroup ioGroup;

    private Transport(boolean epoll, EventLoopGroup ioGroup) {
        this.epoll = epoll;
        this.ioGroup = ioGroup;
    }

    /** Makes the event loop group (its threads start with their first task). */
    public static Transport create() {
        boolean epoll = Epoll.isAvailable();
        // epoll: wrapped so that a client connection hears of its socket's close first (direct writes, see
        // GuardedIoHandler)
        IoHandlerFactory io = epoll ? GuardedIoHandler.wrap(EpollIoHandler.newFactory()) : NioIoHandler.newFactory();
        return new Transport(epoll, new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("nats4j-io", true), io));
    }

    /** True with Netty's native epoll transport (only then can a listening descriptor be adopted). */
    public boolean epoll() {
        return epoll;
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The I/O loops (connections the server dials: routes). */
    public EventLoopGroup ioGroup() {
        return ioGroup;
    }

    /** The channel class of a connection the server dials. */
    public Class<? extends io.netty.channel.socket.SocketChannel> socketChannelClass() {
        return epoll ? io.netty.channel.epoll.EpollSocketChannel.class : io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    /**
     * Where listeners are registered and the server's periodic work (housekeeping, redials) runs: the I/O
     * loops themselves (see the class comment).
     */
    public EventLoopGroup acceptGroup() {
        return ioGroup;
    }

    /** A bootstrap on these loops with the socket options every NATS listener uses; no channel or handler yet. */
    ServerBootstrap bootstrap() {
        return new ServerBootstrap()
                .group(ioGroup, ioGroup)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true);
    }

    /** Stops every loop (connections still open are closed by it); waits at most a few seconds. */
    public void shutdown() {
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
