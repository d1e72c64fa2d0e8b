package io.nats4j.server;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.connection.ServerContext;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.net.KindRegistry;
import io.nats4j.server.sys.AuthCalloutService;
import io.nats4j.server.sys.SystemAccountService;
import io.nats4j.server.tls.ServerTls;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What client connections see of their server: a separate object, so the embedding API does not expose the
 * connection plumbing (registration, INFO, client ids, event hooks, the resolver's threads).
 */
final class ClientContext implements ServerContext {

    private final NatsServer server;
    private final KindRegistry<ClientConnection> clients;
    /**
     * Threads for account fetches from a remote ({@code URL(...)}) resolver, made on first use: at most four
     * fetches at once, more wait in line (each ends within the resolver's timeout), idle threads end after 30 s.
     */
    private ThreadPoolExecutor resolverPool;
    // its own lock, not the server's monitor: start() and reload() hold that one while they wait for event
    // loops, and an event loop asks for the pool
    private final Object resolverLock = new Object();

    ClientContext(NatsServer server, KindRegistry<ClientConnection> clients) {
        this.server = server;
        this.clients = clients;
    }

    @Override
    public HotSettings settings() {
        return server.settings();
    }

    @Override
    public ServerLogger logger() {
        return server.logger();
    }

    @Override
    public Account globalAccount() {
        return server.globalAccount();
    }

    @Override
    public Accounts accounts() {
        return server.accounts();
    }

    @Override
    public byte[] infoFor(ClientConnection client) {
        return server.info().forClient(client);
    }

    /** Registers a new client; false when shutting down or at max_connections (logged as nats-server does). */
    @Override
    public boolean register(ClientConnection client) {
        if (server.isShuttingDown()) {
            return false;
        }
        if (!clients.register(client.id(), client)) {
            server.logger().error("Maximum connections exceeded (max " + clients.limit() + "), closing new connection from "
                    + client.remoteIp());
            return false;
        }
        if (server.isShuttingDown()) {
            // close() may have taken its list of clients before this registration: undo, or it would be missed
            clients.unregister(client.id(), client);
            return false;
        }
        server.stats().totalConnections.increment();
        return true;
    }

    @Override
    public void unregister(ClientConnection client) {
        if (clients.unregister(client.id(), client)) {
            server.closedConnections().add(client);
        }
    }

    @Override
    public ServerStats stats() {
        return server.stats();
    }

    @Override
    public long nextClientId() {
        return server.registry().nextId();
    }

    @Override
    public void clientConnected(ClientConnection client) {
        SystemAccountService s = server.systemAccountService();
        if (s != null) {
            s.clientConnected(client);
        }
    }

    @Override
    public void clientClosed(ClientConnection client, ClosedState reason) {
        SystemAccountService s = server.systemAccountService();
        if (s != null) {
            s.clientClosed(client, reason);
        }
    }

    @Override
    public void clientAuthError(ClientConnection client) {
        SystemAccountService s = server.systemAccountService();
        if (s != null) {
            s.clientAuthError(client);
        }
    }

    @Override
    public ServerTls tls() {
        return server.tls();
    }

    @Override
    public void fetchAccount(String accountKey, Runnable done) {
        try {
            resolverPool().execute(() -> {
                try {
                    server.accounts().fetchAccount(accountKey);
                } finally {
                    done.run();
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            done.run(); // nothing fetched: the client is refused (and closed by the shutdown anyway)
        }
    }

    @Override
    public boolean authCallout(ClientConnection client, Account operatorAccount, Consumer<Accounts.AuthResult> done) {
        AuthCalloutService s = server.calloutService();
        return s != null && s.request(client, operatorAccount, done);
    }

    private ThreadPoolExecutor resolverPool() {
        synchronized (resolverLock) {
            if (resolverPool == null) {
                ThreadPoolExecutor p = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "nats4j-resolver");
                    t.setDaemon(true);
                    return t;
                });
                p.allowCoreThreadTimeOut(true);
                resolverPool = p;
            }
            return resolverPool;
        }
    }

    /** Stops the resolver's threads (a fetch in progress ends with its HTTP timeout at the latest). */
    void shutdown() {
        ThreadPoolExecutor rp;
        synchronized (resolverLock) {
            rp = resolverPool;
        }
        if (rp != null) {
            rp.shutdownNow();
        }
    }
}
