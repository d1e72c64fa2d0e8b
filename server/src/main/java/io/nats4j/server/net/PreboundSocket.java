package io.nats4j.server.net;

/**
 * A listening socket that already exists when the server starts (the standalone server's early listener), to
 * be adopted by Netty instead of binding a new one: clients already queued in it are accepted, none is refused.
 *
 * @param fd    the listening descriptor (Netty's epoll transport only)
 * @param owner the JDK object that owns the descriptor; kept reachable as long as the listener so it is never
 *              collected and closed under Netty
 */
public record PreboundSocket(int fd, Object owner) {
}
