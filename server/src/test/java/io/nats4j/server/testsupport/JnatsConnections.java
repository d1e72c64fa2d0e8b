package io.nats4j.server.testsupport;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * jnats connections to a test server, all closed together. (jnats' {@code Connection.close()} throws
 * InterruptedException, which makes it a poor try-with-resources resource under -Xlint:all.)
 */
public final class JnatsConnections implements AutoCloseable {

    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final TestServer server;
    private final List<Connection> connections = new ArrayList<>();

    public JnatsConnections(TestServer server) {
        this.server = server;
    }

    /** A connection that does not reconnect (failures show up at once). */
    public Connection connect() throws Exception {
        return connect(Options.builder().noReconnect());
    }

    /** A connection built from the given builder; the server URL and connect timeout are filled in. */
    public Connection connect(Options.Builder options) throws Exception {
        Connection c = Nats.connect(options.server(server.url()).connectionTimeout(CONNECT_TIMEOUT).build());
        connections.add(c);
        return c;
    }

    @Override
    public void close() {
        boolean interrupted = false;
        for (Connection c : connections) {
            try {
                c.close();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        connections.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
