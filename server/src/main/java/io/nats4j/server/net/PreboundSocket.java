package io.nats4j.server.net;

import io.netty.channel.ServerChannel;

/**
 * A listening socket that already exists when the server starts (the standalone server's early listener, or one
 * inherited through socket activation), to be adopted by Netty instead of binding a new one: clients already
 * queued in it are accepted, none is refused.
 *
 * @param channel the socket as Netty's (epoll) server channel, not registered yet
 * @param owner   the JDK object that owns the descriptor, or null; kept reachable as long as the listener so it is
 *                never collected and closed under Netty
 */
public record PreboundSocket(ServerChannel channel, Object owner) {
}
