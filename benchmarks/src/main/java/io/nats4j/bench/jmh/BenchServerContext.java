package io.nats4j.bench.jmh;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ServerContext;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.log.ServerLogger;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The least a {@link ClientConnection} needs from a server, for benchmarks that drive real connections
 * over Netty's {@code EmbeddedChannel}: default options, one global account, a silent logger.
 */
final class BenchServerContext implements ServerContext {

    private static final byte[] INFO = "INFO {\"server_id\":\"bench\",\"headers\":true,\"max_payload\":1048576}\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private final ServerOptions options;
    private final Accounts accounts;

    BenchServerContext() {
        this(new ServerOptions());
    }

    /** A server with these options (accounts, users, imports from a config file). */
    BenchServerContext(ServerOptions options) {
        this.options = options;
        this.accounts = Accounts.build(options);
    }
    private final ServerStats stats = new ServerStats();
    private final AtomicLong cids = new AtomicLong();

    @Override
    public ServerOptions options() {
        return options;
    }

    @Override
    public ServerLogger logger() {
        return SilentLogger.INSTANCE;
    }

    @Override
    public Account globalAccount() {
        return accounts.global();
    }

    @Override
    public Accounts accounts() {
        return accounts;
    }

    @Override
    public byte[] infoFor(ClientConnection client) {
        return INFO;
    }

    @Override
    public boolean register(ClientConnection client) {
        return true;
    }

    @Override
    public void unregister(ClientConnection client) {
    }

    @Override
    public ServerStats stats() {
        return stats;
    }

    @Override
    public long nextClientId() {
        return cids.incrementAndGet();
    }

    /** Logs nothing: benchmarks measure the message path, not logging. */
    enum SilentLogger implements ServerLogger {
        INSTANCE;

        @Override
        public void notice(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void error(String message) {
        }

        @Override
        public void fatal(String message) {
        }

        @Override
        public void debug(String message) {
        }

        @Override
        public void trace(String message) {
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }
    }
}
