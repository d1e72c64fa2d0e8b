package io.nats4j.server;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.config.ConfigException;
import io.nats4j.server.config.ConfigReload;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.tls.ServerTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * nats-server's config reload (SIGHUP, {@code --signal reload}, {@code $SYS.REQ.SERVER.<id>.RELOAD}), in three
 * steps: read the new options and refuse them whole if something that cannot change at run time changed; build
 * everything that can fail (accounts, TLS, logger) without touching the running server; then publish the new
 * options, settings, accounts and TLS at once and let every client apply them on its own loop. Accounts that
 * still exist keep their {@link Account} object (see {@link Accounts#rebuild}).
 */
final class ConfigReloader {

    /** How long a reload waits for the clients to apply it, as a whole. */
    private static final long CLIENTS_WAIT_SECONDS = 5;

    private final NatsServer server;
    /** Where the new options come from; null = the config file the options were read from. */
    private volatile Callable<ServerOptions> source;
    /** Builds the logger for reloaded options (the standalone server's); null = keep the logger. */
    private volatile Function<ServerOptions, ServerLogger> loggerFactory;

    ConfigReloader(NatsServer server) {
        this.server = server;
    }

    void source(Callable<ServerOptions> source) {
        this.source = source;
    }

    void loggerFactory(Function<ServerOptions, ServerLogger> factory) {
        this.loggerFactory = factory;
    }

    /** Runs one reload; the caller holds the server's monitor (reloads and start/stop do not overlap). */
    void reload() throws IOException {
        ServerOptions current = server.runningOptions();
        ServerOptions neu = read(current);
        ConfigReload.Changes changes;
        try {
            changes = ConfigReload.diff(current, neu);
        } catch (ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
        // build everything that can fail before changing anything
        Accounts accounts = server.accounts();
        Accounts next = null;
        if (changes.auth()) {
            if (neu.auth.authCallout != null && !server.hasServerKey()) {
                throw new IOException("config reload not supported for auth_callout: the server started without one"
                        + " (nats4j makes the server's signing key only then); restart the server");
            }
            try {
                next = Accounts.rebuild(neu, accounts);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        ServerTls nextTls = changes.tls() ? ServerTls.load(neu.tls) : server.tls();
        ServerLogger nextLog = null;
        Function<ServerOptions, ServerLogger> lf = loggerFactory;
        if (changes.logging() && lf != null) {
            try {
                nextLog = lf.apply(neu);
            } catch (RuntimeException e) {
                if (next != null) {
                    next.abandon();
                }
                throw new IOException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), e);
            }
        }
        // publish: from here on nothing fails
        ServerLogger log = server.logger();
        if (nextLog != null) {
            server.swapLogger(nextLog);
        }
        for (String c : changes.changed()) {
            log.notice("Reloaded: " + c);
        }
        if (next != null) {
            next.warnings(log::warn);
            AccountChanges.listen(server, next);
            accounts.replaced(next);
            fetchRemoteAccounts(next);
        }
        server.publish(ConfigReload.merge(current, neu), next != null ? next : accounts, nextTls);
        applyToClients(next != null ? next : accounts);
        io.nats4j.server.sys.SystemAccountService sys = server.systemAccountService();
        if (sys != null && next != null) {
            sys.accountsChanged(next);
        }
        if (server.jetStream() != null && next != null) {
            server.jetStream().accountsChanged(next);
        }
        log.notice("Reloaded server configuration");
    }

    private ServerOptions read(ServerOptions current) throws IOException {
        Callable<ServerOptions> src = source;
        if (src == null) {
            Path file = current.configFile;
            if (file == null) {
                throw new IOException("can only reload config when a file is provided using -c or --config");
            }
            src = () -> ServerOptions.fromConfigFile(file);
        }
        try {
            return src.call();
        } catch (ConfigException e) {
            throw new IOException(String.join("\n", e.errors()), e);
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * A {@code URL(...)} resolver: the accounts of connected clients are fetched here, not by the clients' event
     * loops when they re-authenticate.
     */
    private void fetchRemoteAccounts(Accounts next) {
        if (next.operatorMode() == null || next.operatorMode().resolver() == null
                || !next.operatorMode().resolver().remote()) {
            return;
        }
        Set<String> names = new HashSet<>();
        for (ClientConnection c : server.clientRegistry().connections()) {
            Account a = c.account();
            if (a != null) {
                names.add(a.name());
            }
        }
        for (String name : names) {
            next.fetchAccount(name);
        }
    }

    /**
     * As nats-server, a reload returns once every client runs with the new settings: each client applies them
     * on its own event loop, and this waits (bounded) for all of them.
     */
    private void applyToClients(Accounts accounts) {
        List<Future<?>> applied = new ArrayList<>();
        for (ClientConnection c : server.clientRegistry().connections()) {
            applied.add(c.reloaded(accounts));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLIENTS_WAIT_SECONDS);
        for (Future<?> f : applied) {
            try {
                f.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                server.logger().warn("Config reload: a client did not apply the new settings in time: " + e);
            }
        }
    }
}
