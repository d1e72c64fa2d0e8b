package io.nats4j.server.options;

/**
 * nats-server's {@code websocket {}} block: a listener speaking the client protocol inside WebSocket frames
 * (TLS at the HTTP layer). Not built yet: a server with any of these set refuses to start.
 */
public final class WebSocketOptions {

    public String host;
    /** 0 = not listening. */
    public int port;
    /** {@code websocket { no_tls }}: plain HTTP (nats-server requires TLS otherwise). */
    public boolean noTls;

    public boolean configured() {
        return host != null || port != 0;
    }

    public WebSocketOptions copy() {
        WebSocketOptions c = new WebSocketOptions();
        c.host = host;
        c.port = port;
        c.noTls = noTls;
        return c;
    }
}
