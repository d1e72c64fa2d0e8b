package io.nats4j.server;

import java.io.IOException;

/**
 * A NATS server. Embedding:
 *
 * <pre>{@code
 * ServerOptions options = new ServerOptions();
 * options.port = 0; // ephemeral
 * try (NatsServer server = new NatsServer(options)) {
 *     server.start();                 // returns once clients can connect
 *     String url = server.clientUrl(); // nats://127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class NatsServer implements AutoCloseable {

    private final ServerOptions options;

    public NatsServer(ServerOptions options) {
        this.options = options.copy();
    }

    /** Binds the client port and returns once it accepts connections. */
    public void start() throws IOException {
        throw new UnsupportedOperationException("being built");
    }

    /** The bound client port (the real one when started with port 0 or -1). */
    public int port() {
        return options.port;
    }

    /** {@code nats://host:port} for clients on this machine. */
    public String clientUrl() {
        return "nats://127.0.0.1:" + port();
    }

    @Override
    public void close() {
    }
}
