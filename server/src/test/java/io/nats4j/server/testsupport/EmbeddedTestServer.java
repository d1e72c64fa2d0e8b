package io.nats4j.server.testsupport;

import io.nats4j.server.NatsServer;
import io.nats4j.server.config.ConfigException;
import io.nats4j.server.config.ConfigLoader;
import io.nats4j.server.config.ConfigParser;
import io.nats4j.server.config.ConfigValue;
import java.nio.file.Path;
import io.nats4j.server.ServerOptions;
import java.io.IOException;

/** nats4j running in the test JVM through the embedding API. */
public final class EmbeddedTestServer implements TestServer {

    private final ServerOptions options;
    private NatsServer server;
    private int port = -1;

    public EmbeddedTestServer(ServerOptions options) {
        this(options, "");
    }

    /** With config-file text read by nats4j's config loader on top of the options. */
    public EmbeddedTestServer(ServerOptions options, String configText) {
        this.options = options.copy();
        if (configText != null && !configText.isBlank()) {
            try {
                ConfigValue root = ConfigParser.parseString(configText, "test.conf", Path.of(""), System::getenv);
                ConfigLoader.apply(root, this.options);
            } catch (ConfigException e) {
                throw new IllegalArgumentException(String.join("\n", e.errors()), e);
            }
        }
    }

    @Override
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        ServerOptions startOptions = options.copy();
        if (port > 0) {
            startOptions.port = port; // a restart keeps the port the clients know
        }
        NatsServer s = new NatsServer(startOptions);
        try {
            s.start();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        server = s;
        port = s.port();
    }

    @Override
    public synchronized int port() {
        if (port <= 0) {
            throw new IllegalStateException("not started");
        }
        return port;
    }

    @Override
    public synchronized int monitorPort() {
        return server == null ? 0 : server.monitorPort();
    }

    @Override
    public synchronized void enterLameDuckMode() {
        server.enterLameDuckMode();
    }

    /** The embedded server (null when stopped). */
    public synchronized NatsServer server() {
        return server;
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            NatsServer s = server;
            server = null;
            s.close();
        }
    }

    @Override
    public synchronized void restart() throws IOException {
        stop();
        start();
    }

    @Override
    public ServerOptions options() {
        return options.copy();
    }

    @Override
    public String toString() {
        return "nats4j(embedded) on port " + port;
    }
}
