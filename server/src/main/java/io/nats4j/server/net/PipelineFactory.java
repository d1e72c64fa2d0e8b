package io.nats4j.server.net;

import io.nats4j.server.tls.ServerTls;
import io.netty.channel.socket.SocketChannel;

/**
 * Adds one kind's handlers to the pipeline of a connection its listener accepted (after the TLS handler when
 * the listener placed one first). Called on the connection's event loop, once per connection.
 */
@FunctionalInterface
public interface PipelineFactory {

    /**
     * @param ch  the accepted connection
     * @param tls the listener's TLS at the time of the accept (a reload may replace it), or null without TLS
     */
    void addHandlers(SocketChannel ch, ServerTls tls);
}
