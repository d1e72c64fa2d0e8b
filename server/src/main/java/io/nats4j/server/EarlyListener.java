package io.nats4j.server;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * The standalone server's client port, bound and listening in the first milliseconds of {@code main}, before
 * Netty's epoll transport has initialised (tens of milliseconds of class initialisation and native library
 * loading on a small machine). Clients that connect in that window wait in the kernel's accept queue instead of
 * being refused; once the server is built, {@link NatsServer#start()} hands the socket to Netty, which accepts
 * them and sends each its INFO. A start that fails later (bad accounts, unsupported options) exits as before,
 * and those clients see the connection closed.
 *
 * <p>Only on Linux with Netty's epoll transport, and only where the JDK lets the server read the socket's file
 * descriptor ({@code Add-Opens: java.base/sun.nio.ch} in the jar's manifest, which {@code bin/nats4j} uses).
 * Anywhere else, or if the bind fails (the port is taken), nothing is bound here and the server binds as usual,
 * reporting any failure in nats-server's words.
 *
 * <p>Socket activation: when bin/nats4j starts the JVM through its small C launcher (launcher/nats4j-listen.c),
 * the client port was bound before the JVM started, and the launcher names the inherited descriptor and the
 * address it read from the command line and config file ({@code -Dnats4j.listen.fd}, {@code -Dnats4j.listen.addr});
 * {@link #inherited()} wraps it. The server adopts it only if its own reading of the options gives the same
 * host and port, and the socket is really bound there ({@link #adopt}); otherwise it closes it and binds as usual.
 */
final class EarlyListener {

    private static final int BACKLOG = io.nats4j.server.net.Transport.BACKLOG;

    private final ServerSocketChannel channel;
    private final String host;
    private final int port;
    private final int fd;
    private boolean closed;

    private EarlyListener(ServerSocketChannel channel, String host, int port, int fd) {
        this.channel = channel;
        this.host = host;
        this.port = port;
        this.fd = fd;
    }

    /** The listening socket bin/nats4j's launcher bound before the JVM started; null when there is none. */
    static EarlyListener inherited() {
        String fdText = System.getProperty("nats4j.listen.fd");
        String addr = System.getProperty("nats4j.listen.addr");
        if (fdText == null || addr == null) {
            return null;
        }
        int colon = addr.lastIndexOf(':');
        try {
            int fd = Integer.parseInt(fdText);
            int port = Integer.parseInt(addr.substring(colon + 1));
            return colon > 0 && fd > 2 ? new EarlyListener(null, addr.substring(0, colon), port, fd) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The socket as Netty's epoll channel, if it is bound to {@code host:port} as the server resolves them (the
     * wildcard, or the same address; any port when {@code port} is 0); null otherwise (then {@link #close()} it).
     */
    io.netty.channel.epoll.EpollServerSocketChannel adopt(String host, int port) {
        if (closed || !matches(host, port)) {
            return null;
        }
        io.netty.channel.epoll.EpollServerSocketChannel ch = new io.netty.channel.epoll.EpollServerSocketChannel(fd);
        if (channel != null) {
            return ch; // bound here by open(host, port): nothing to check
        }
        boolean same;
        try {
            InetSocketAddress bound = ch.localAddress();
            java.net.InetAddress want = new InetSocketAddress(host, port).getAddress();
            same = bound != null && want != null && (port == 0 || bound.getPort() == port)
                    && (want.isAnyLocalAddress() ? bound.getAddress().isAnyLocalAddress() : want.equals(bound.getAddress()));
        } catch (RuntimeException e) {
            same = false;
        }
        if (!same) {
            closed = true;
            ch.unsafe().closeForcibly();
            return null;
        }
        return ch;
    }

    /** Binds {@code host:port} (port 0: any free port); null when not possible or not useful here. */
    static EarlyListener open(String host, int port) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return null;
        }
        Method fdVal;
        try {
            // sun.nio.ch.SelChImpl#getFDVal: the descriptor of a JDK socket channel
            fdVal = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
            if (!fdVal.trySetAccessible()) {
                return null;
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
        ServerSocketChannel ch = null;
        try {
            ch = ServerSocketChannel.open();
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(host, port), BACKLOG);
            ch.configureBlocking(false); // Netty's epoll loop accepts until EAGAIN
            int fd = (Integer) fdVal.invoke(ch);
            return new EarlyListener(ch, host, port, fd);
        } catch (Exception | LinkageError e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing bound then
                }
            }
            return null;
        }
    }

    /** Whether this is the address the server is about to listen on. */
    boolean matches(String host, int port) {
        return this.host.equals(host) && this.port == port;
    }

    /** The listening socket's descriptor, for Netty to take over. */
    int fd() {
        return fd;
    }

    /**
     * Keeps the JDK's channel object reachable while Netty uses its descriptor: it is never closed through the
     * JDK once handed over (Netty closes the descriptor), and must not be collected and closed under Netty.
     */
    Object owner() {
        return channel;
    }

    /** Closes the socket when it is not handed over. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (channel == null) {
            try {
                if (io.netty.channel.epoll.Epoll.isAvailable()) {
                    new io.netty.channel.unix.FileDescriptor(fd).close();
                }
            } catch (IOException | RuntimeException | LinkageError ignored) {
                // the process exits soon, or the server's own bind reports the port as taken
            }
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // the server binds on its own next
        }
    }
}
