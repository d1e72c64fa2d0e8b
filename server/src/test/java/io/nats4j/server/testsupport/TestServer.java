package io.nats4j.server.testsupport;

import io.nats4j.server.ServerOptions;
import java.io.IOException;

/**
 * A NATS server for system tests: nats4j in-process or the Go {@code nats-server}, chosen by the system
 * property {@value #SERVER_PROPERTY} ({@value #NATS4J} by default, or {@value #GO}). The tests are
 * written once and run against both, so behaviour differences show up as failures.
 *
 * <p>Options are the embedding API's {@link ServerOptions}; the Go implementation writes the limits it
 * understands into a config file. Servers always listen on 127.0.0.1 and a free port.
 */
public interface TestServer extends AutoCloseable {

    String SERVER_PROPERTY = "nats.test.server";
    String NATS4J = "nats4j";
    String GO = "nats-server";

    /** Which implementation this run uses: {@value #NATS4J} or {@value #GO}. */
    static String kind() {
        String kind = System.getProperty(SERVER_PROPERTY, NATS4J).trim();
        return kind.isEmpty() ? NATS4J : kind;
    }

    /** True when the suite runs against the Go reference server. */
    static boolean isGoServer() {
        return GO.equals(kind());
    }

    /** Options every test server starts from: loopback, a free port, nats-server defaults otherwise. */
    static ServerOptions defaultOptions() {
        ServerOptions options = new ServerOptions();
        options.host = "127.0.0.1";
        options.port = 0;
        return options;
    }

    /** A not yet started server of the kind selected for this run. */
    static TestServer create(ServerOptions options) {
        return create(options, "");
    }

    /**
     * Same, with config-file text (nats-server syntax) on top of the options: the Go server gets it in its
     * config file, nats4j reads it with its config loader.
     */
    static TestServer create(ServerOptions options, String configText) {
        return switch (kind()) {
            case NATS4J -> new EmbeddedTestServer(options, configText);
            case GO -> new GoTestServer(options, configText);
            default -> throw new IllegalStateException(
                    "unknown -D" + SERVER_PROPERTY + "=" + kind() + " (use " + NATS4J + " or " + GO + ")");
        };
    }

    /** Creates and starts a server; returns once clients can connect. */
    static TestServer start(ServerOptions options) throws IOException {
        return start(options, "");
    }

    /** Creates and starts a server with config-file text on top of the options. */
    static TestServer start(ServerOptions options, String configText) throws IOException {
        TestServer server = create(options, configText);
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Starts the server; returns once its client port accepts connections. */
    void start() throws IOException;

    /** The bound client port (valid after {@link #start()}). */
    int port();

    /** {@code nats://127.0.0.1:PORT}. */
    default String url() {
        return "nats://127.0.0.1:" + port();
    }

    /** The bound monitoring port; start with {@code options.httpPort = -1} to get one (0 when off). */
    int monitorPort();

    /** {@code http://127.0.0.1:PORT} of the monitoring listener. */
    default String monitorUrl() {
        return "http://127.0.0.1:" + monitorPort();
    }

    /** Enters lame duck mode: the embedding API for nats4j, SIGUSR2 for nats-server. */
    void enterLameDuckMode() throws IOException;

    /** Stops the server and waits until it is gone; idempotent. */
    void stop();

    /** Stops the server and starts it again on the same port. */
    void restart() throws IOException;

    /** The options the server was created with (a copy; changes have no effect). */
    ServerOptions options();

    @Override
    default void close() {
        stop();
    }
}
