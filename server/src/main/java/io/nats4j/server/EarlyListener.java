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
 */
final class EarlyListener {

    private static final int BACKLOG = NatsServer.ACCEPT_BACKLOG;

    private final ServerSocketChannel channel;
    private final String host;
    private final int port;
    private final int fd;

    private EarlyListener(ServerSocketChannel channel, String host, int port, int fd) {
        this.channel = channel;
        this.host = host;
        this.port = port;
        this.fd = fd;
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
        try {
            channel.close();
        } catch (IOException ignored) {
            // the server binds on its own next
        }
    }
}
