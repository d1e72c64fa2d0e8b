package io.nats4j.server;

import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.AuthCalloutOptions;
import io.nats4j.server.auth.RandomBytes;
import io.nats4j.server.auth.ServerKey;
import io.nats4j.server.config.ReloadableLogger;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.log.ServerLoggers;
import io.nats4j.server.log.StdLogger;
import io.nats4j.server.monitor.ClosedConnections;
import io.nats4j.server.monitor.Monitor;
import io.nats4j.server.net.ConnectionRegistry;
import io.nats4j.server.net.KindRegistry;
import io.nats4j.server.net.Listener;
import io.nats4j.server.net.ListenerSpec;
import io.nats4j.server.net.Listeners;
import io.nats4j.server.net.PreboundSocket;
import io.nats4j.server.net.TlsPlacement;
import io.nats4j.server.net.Transport;
import io.nats4j.server.sys.AuthCalloutService;
import io.nats4j.server.sys.SystemAccountService;
import io.nats4j.server.tls.ServerTls;
import io.netty.channel.ServerChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A NATS server. Embedding:
 *
 * <pre>{@code
 * ServerOptions options = new ServerOptions();
 * options.port = 0; // ephemeral
 * try (NatsServer server = new NatsServer(options)) {
 *     server.start();                  // returns once clients can connect
 *     String url = server.clientUrl(); // nats://127.0.0.1:PORT
 * }
 * }</pre>
 *
 * Several servers can run in one JVM; each owns its event loops. This class holds the lifecycle (start, lame
 * duck, shutdown) and the public API; the roles live beside it: {@link Listeners} (sockets and pipelines),
 * {@link ConnectionRegistry} (connections by kind), {@link ServerInfo} (INFO), {@link ConfigReloader} (reload),
 * {@link AccountChanges} (operator-mode account updates), {@link LameDuck}, {@link ServerFiles} (pid and ports
 * files), {@link ClientContext} (what client connections see of the server), {@link ServerServices} ($SYS, the
 * auth callout, JetStream, the monitoring listener), {@link ClientOps} (actions on open clients) and
 * {@link StartupBanner}.
 */
public final class NatsServer implements AutoCloseable {

    private static final long HOUSEKEEPING_INTERVAL_MS = 250;
    /** The name of the client connection's handler in its pipeline. */
    static final String CLIENT_HANDLER = "client";

    /** The running options: a private copy, replaced as a whole by a reload (never changed in place). */
    private volatile ServerOptions options;
    /** What event loops read of the options, published with them. */
    private volatile HotSettings settings;
    private final ReloadableLogger log;
    private final String serverId;
    /** The server's signing nkey (its public key is the server id); made only when an auth callout needs it. */
    private final ServerKey serverKey;
    /** $SYS, the auth callout, JetStream and the monitoring listener. */
    private final ServerServices services;
    private final String serverName;
    private volatile Accounts accounts;
    private final ServerStats stats = new ServerStats();
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private final KindRegistry<ClientConnection> clients;
    private final CountDownLatch shutdownLatch = new CountDownLatch(1);
    private volatile boolean exitAfterClose;
    private final long startMillis = System.currentTimeMillis();
    private final Instant startTime = Instant.now();
    private final ClosedConnections closedConnections;
    private final Monitor monitor = new Monitor(this);
    private final ServerInfo info = new ServerInfo();
    private final ServerFiles files = new ServerFiles();
    private final ConfigReloader reloader = new ConfigReloader(this);
    private final ClientContext context;
    private final ClientOps clientOps;
    private volatile boolean lameDuck;
    private String infoHost = ServerOptions.DEFAULT_HOST;

    private volatile boolean running;
    private volatile boolean shuttingDown;
    private Transport transport;
    private Listeners listeners;
    private Listener clientListener;
    private int boundPort;
    private ScheduledFuture<?> housekeeping;
    /** The client port's TLS (loaded at start, off the event loops); null when TLS is off. */
    private volatile ServerTls tls;
    private volatile Instant configLoadTime = Instant.now();
    /** The routes (cluster {}); null when not clustered. */
    private volatile io.nats4j.server.cluster.Cluster cluster;
    /** Standalone: the client port bound before Netty was ready, until {@link #start()} takes it over. */
    private EarlyListener earlyListener;
    /** Tests only: run by {@link #start()} once the client listener is open, before the server is fully built. */
    volatile Runnable afterClientListenerOpened;

    public NatsServer(ServerOptions options) {
        this(options, null);
    }

    /** With a logger of your own; null means SLF4J (embedded use). */
    public NatsServer(ServerOptions options, ServerLogger logger) {
        this.options = options.copy();
        this.settings = HotSettings.of(this.options);
        this.log = new ReloadableLogger(logger != null ? logger : ServerLoggers.forEmbedded());
        // an Ed25519 key pair costs the first use tens of ms: only servers that may sign auth callout requests
        // make one (a configured callout, or operator mode, where any account JWT may enable one)
        this.serverKey = this.options.auth.authCallout != null || this.options.auth.operatorMode()
                ? ServerKey.generate() : null;
        this.serverId = serverKey != null ? serverKey.publicKey() : newServerId();
        this.services = new ServerServices(this, serverKey);
        this.serverName = options.serverName != null && !options.serverName.isEmpty() ? options.serverName : serverId;
        this.closedConnections = new ClosedConnections(this.options.maxClosedClients);
        this.clients = registry.add(ConnectionKind.CLIENT, () -> settings.maxConnections());
        this.context = new ClientContext(this, clients);
        this.clientOps = new ClientOps(clients, info);
    }

    /** Binds the client port and returns once it accepts connections. */
    public synchronized void start() throws IOException {
        if (running) {
            return;
        }
        ServerOptions o = options;
        // every check of the options, shared with -t (StartupChecks): nothing below may refuse the options
        StartupChecks.Prepared prepared = StartupChecks.run(o);
        StartupTrace.mark("checks (accounts, TLS)");
        accounts = prepared.accounts();
        accounts.warnings(log::warn);
        AccountChanges.listen(this, accounts);
        if (accounts.nonceRequired()) {
            // the JDK's SecureRandom takes tens of ms to set up: not on the first client's event loop
            Thread t = new Thread(() -> RandomBytes.secure().nextInt(), "nats4j-random");
            t.setDaemon(true);
            t.start();
        }
        StartupBanner.log(log, o, serverName, serverId, accounts);
        tls = prepared.tls();
        StartupTrace.mark("banner");
        transport = Transport.create();
        listeners = new Listeners(transport);
        StartupTrace.mark("event loops");
        String host = o.host == null || o.host.isEmpty() ? ServerOptions.DEFAULT_HOST : o.host;
        int port = o.port <= 0 ? 0 : o.port;
        infoHost = host;
        if (o.httpPort != 0 || o.httpsPort != 0) {
            try {
                services.startMonitoring(o, host, monitor, tls, log);
            } catch (IOException e) {
                transport.shutdown();
                throw e;
            }
        }
        if (accounts.system() != null) {
            // before the listener: the first client already finds the system services and its imports
            services.startSystemAccount();
        }
        if (accounts.callout() != null) {
            log.notice("Authorization callout enabled: requests on \"" + AuthCalloutOptions.SUBJECT
                    + "\" in account \"" + accounts.callout().account() + "\"");
        }
        if (o.jetStream.enabled) {
            // before the listener: recovered streams ingest from the first client on
            try {
                services.startJetStream(o.jetStream.copy());
            } catch (IOException e) {
                abortStart();
                throw e;
            }
            info.jetStream(true);
        }
        StartupTrace.mark("system account");
        try {
            // opened paused: a connection must find the server fully built (its INFO needs the bound port, so it
            // is built after this), and an adopted early listener may already hold clients in its backlog.
            // Accepting starts at the end of start(); clients wait in the kernel's queue until then.
            clientListener = listeners.open(clientListenerSpec(host, port), takeOverEarlyListener(host, port), false);
        } catch (Exception e) {
            abortStart();
            throw new IOException("Error listening on port: " + host + ":" + port + ", \"" + e.getMessage() + "\"", e);
        }
        StartupTrace.mark("bound");
        Runnable hook = afterClientListenerOpened;
        if (hook != null) {
            hook.run();
        }
        boundPort = clientListener.port();
        rebuildInfo();
        if (o.cluster.listening()) {
            io.nats4j.server.cluster.Cluster c = new io.nats4j.server.cluster.Cluster(this, o.cluster);
            cluster = c;
            try {
                c.start(transport, host, boundPort);
            } catch (Exception e) {
                c.shutdown();
                listeners.closeAll();
                abortStart();
                throw new IOException("Error listening on router port: " + o.cluster.port + " - " + e.getMessage(), e);
            }
        }
        running = true;
        housekeeping = transport.acceptGroup().next().scheduleAtFixedRate(this::housekeeping,
                HOUSEKEEPING_INTERVAL_MS, HOUSEKEEPING_INTERVAL_MS, TimeUnit.MILLISECONDS);
        clientListener.startAccepting();
        log.notice("Listening for client connections on " + ServerFiles.hostPort(host, boundPort));
        if (tls != null) {
            log.notice("TLS required for client connections");
            if (tls.handshakeFirst() && tls.handshakeFirstFallback() == null) {
                log.warn("Clients that are not using \"TLS Handshake First\" option will fail to connect");
            }
            if (log.isDebugEnabled()) {
                log.debug("TLS provider: " + tls.providerName() + (tls.handshakeFirst() ? ", handshake first" : ""));
            }
        }
        files.writePidFile(o.pidFile);
        files.writePortsFile(o.portsFileDir, host, boundPort);
        log.notice("Server is ready");
        StartupTrace.mark("ready");
    }

    /** A start that failed after the event loops were made: stops what start() had started, in its order. */
    private void abortStart() {
        stopServices();
        services.forgetSystemAccount();
        transport.shutdown();
        services.stopMonitoring();
    }

    /**
     * The client listener, assembled in one place: nats-server's client port, TLS after the plain-text INFO
     * (from the first byte with {@code handshake_first}), one {@link ClientConnection} per connection.
     */
    private ListenerSpec clientListenerSpec(String host, int port) {
        return new ListenerSpec("client", ConnectionKind.CLIENT, host, port, TlsPlacement.AFTER_INFO, this::tls,
                (ch, listenerTls) -> ch.pipeline().addLast(CLIENT_HANDLER, new ClientConnection(context)));
    }

    // ---------------------------------------------------------------- early listener hand-off

    /** Standalone: the client port Main bound before Netty was ready; taken over by {@link #start()}. */
    synchronized void earlyListener(EarlyListener early) {
        this.earlyListener = early;
    }

    /** Closes the early listener if {@link #start()} did not take it over (a start that failed before). */
    synchronized void dropEarlyListener() {
        if (earlyListener != null) {
            earlyListener.close();
            earlyListener = null;
        }
    }

    /**
     * The one step where a socket bound before the server existed becomes the client listener: the early
     * listener of {@link Main} when it is on the address the client listener wants and Netty's epoll transport
     * can adopt its descriptor (clients already waiting in the kernel's queue are then accepted); otherwise it
     * is closed and the listener binds as usual. Null when there is nothing to adopt.
     */
    private PreboundSocket takeOverEarlyListener(String host, int port) {
        EarlyListener early = earlyListener;
        if (early == null) {
            return null;
        }
        earlyListener = null;
        ServerChannel adopted = transport.epoll() ? early.adopt(host, port) : null;
        if (adopted != null) {
            return new PreboundSocket(adopted, early.owner());
        }
        early.close();
        return null;
    }

    private void housekeeping() {
        clientOps.housekeeping(settings, accounts);
    }

    // ---------------------------------------------------------------- what the role classes share

    /** The running options (never changed in place; a reload publishes a new object). */
    ServerOptions runningOptions() {
        return options;
    }

    /** The settings event loops read: one immutable snapshot, replaced as a whole by a reload. */
    public HotSettings settings() {
        return settings;
    }

    /** The open client connections, with max_connections. */
    KindRegistry<ClientConnection> clientRegistry() {
        return clients;
    }

    /**
     * Publishes a reload's result at once: options, hot settings, accounts and TLS, then the INFO built from
     * them. Connections read each through its own volatile reference and apply the change on their loops.
     */
    void publish(ServerOptions nextOptions, Accounts nextAccounts, ServerTls nextTls) {
        options = nextOptions;
        settings = HotSettings.of(nextOptions);
        accounts = nextAccounts;
        tls = nextTls;
        rebuildInfo();
        configLoadTime = Instant.now();
    }

    private void rebuildInfo() {
        info.rebuild(new ServerInfo.Identity(serverId, serverName, infoHost, boundPort), settings,
                accounts.authRequired(), tls);
    }

    void swapLogger(ServerLogger next) {
        log.swap(next);
    }

    boolean hasServerKey() {
        return serverKey != null;
    }

    boolean isShuttingDown() {
        return shuttingDown;
    }

    /** The auth callout service, made on first use; null without a callout or while shutting down. */
    AuthCalloutService calloutService() {
        return services.calloutService();
    }

    // ---------------------------------------------------------------- public API

    /** A copy of the running options (changing it changes nothing; a reload replaces the running ones). */
    public ServerOptions options() {
        return options.copy();
    }

    public ServerLogger logger() {
        return log;
    }

    public Account globalAccount() {
        return accounts.global();
    }

    public Accounts accounts() {
        return accounts;
    }

    public ServerStats stats() {
        return stats;
    }

    public ServerTls tls() {
        return tls;
    }

    /** The INFO this server sends, per kind of connection. */
    public ServerInfo info() {
        return info;
    }

    /** The open connections by kind, and the connection ids. */
    public ConnectionRegistry registry() {
        return registry;
    }

    /** The server's listeners (null before start); another kind of connection adds its own here. */
    public Listeners listeners() {
        return listeners;
    }

    /** The server's JetStream, or null when it is not enabled (or the server not started). */
    public JetStream jetStream() {
        return services.jetStream();
    }

    /** The cluster (routes), or null when the server is not clustered. */
    public io.nats4j.server.cluster.Cluster cluster() {
        return cluster;
    }

    /**
     * The cluster's client INFO fields changed (a server joined or left, the cluster name was negotiated): new
     * clients get them, and connected clients that take asynchronous INFOs get one now (nats-server's
     * sendAsyncInfoToClients), which is how clients learn the cluster's servers.
     */
    public void clusterInfoChanged(String fields) {
        info.clusterFields(fields);
        if (!running) {
            return;
        }
        clientOps.sendAsyncInfo();
    }

    /** The system account's events and services, or null (no_system_account, not started). */
    public SystemAccountService systemAccountService() {
        return services.systemAccount();
    }

    /** The bound client port (the real one when started with port 0 or -1). */
    public int port() {
        return running || boundPort != 0 ? boundPort : options.port;
    }

    /** {@code nats://host:port} for clients on this machine. */
    public String clientUrl() {
        String h = options.host;
        String host = h == null || h.isEmpty() || h.equals("0.0.0.0") ? "127.0.0.1" : h.equals("::") ? "[::1]" : h;
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "nats://" + host + ":" + port();
    }

    public String serverId() {
        return serverId;
    }

    public String serverName() {
        return serverName;
    }

    public boolean isRunning() {
        return running;
    }

    public int connectionCount() {
        return clients.count();
    }

    /** A snapshot of the open client connections. */
    public Collection<ClientConnection> connections() {
        return Collections.unmodifiableCollection(new ArrayList<>(clients.connections()));
    }

    public ServerStats statistics() {
        return stats;
    }

    public long startMillis() {
        return startMillis;
    }

    /** When the server was created (wall clock). */
    public Instant startTime() {
        return startTime;
    }

    /** When the configuration was loaded (the server's creation, or the last successful reload). */
    public Instant configLoadTime() {
        return configLoadTime;
    }

    /** The host the client listener was asked to bind (INFO's and /varz's {@code host}). */
    public String infoHost() {
        return infoHost;
    }

    /** What INFO and /varz show in nats-server's {@code go} field: the runtime. */
    public String goVersion() {
        return ServerInfo.goVersion();
    }

    /** The recently closed connections and per-account totals of closed ones. */
    public ClosedConnections closedConnections() {
        return closedConnections;
    }

    /** The monitoring endpoints' content (also served over HTTP with {@code http_port}). */
    public Monitor monitor() {
        return monitor;
    }

    /** The bound monitoring port, or 0 when monitoring is off. */
    public int monitorPort() {
        return services.monitorPort();
    }

    /** nats-server's DisconnectClientByID: closes the client with reason Kicked; false when there is none. */
    public boolean kickClient(long cid) {
        return clientOps.kick(cid);
    }

    /** nats-server's LDMClientByID: sends that client an INFO with {@code "ldm":true}; false when there is none. */
    public boolean lameDuckClient(long cid) {
        return clientOps.lameDuck(cid);
    }

    // ---------------------------------------------------------------- config reload

    /**
     * Where {@link #reload()} reads the new options from (the standalone server re-reads its config file and
     * re-applies its command line flags). Default: {@link ServerOptions#fromConfigFile} of the file the
     * options were read from.
     */
    public void reloadSource(Callable<ServerOptions> source) {
        reloader.source(source);
    }

    /** Builds a new logger when a reload changes logging options (the standalone server's). */
    public void loggerFactory(Function<ServerOptions, ServerLogger> factory) {
        reloader.loggerFactory(factory);
    }

    /**
     * nats-server's config reload (SIGHUP, {@code --signal reload}, {@code $SYS.REQ.SERVER.<id>.RELOAD}):
     * re-reads the configuration, refuses it whole if an option that cannot change at run time changed
     * ({@code config reload not supported for <Field>: old=..., new=...}), otherwise applies logging, limits,
     * authorization (every connected client is re-checked) and TLS, and logs
     * {@code Reloaded server configuration}. See {@link ConfigReloader}.
     *
     * @throws IOException with nats-server's error text; the running configuration is then unchanged
     */
    public synchronized void reload() throws IOException {
        if (!running || shuttingDown) {
            throw new IOException("server is not running");
        }
        reloader.reload();
    }

    // ---------------------------------------------------------------- lame duck, logs, shutdown

    public boolean isLameDuckMode() {
        return lameDuck;
    }

    /**
     * Lame duck mode (nats-server's SIGUSR2 / {@code --signal ldm}): stops accepting clients, tells the
     * connected ones with an INFO carrying {@code "ldm":true} (clients then reconnect elsewhere), waits
     * {@code lame_duck_grace_period}, closes the clients spread over the rest of {@code lame_duck_duration},
     * then shuts down. Returns at once; the drain ({@link LameDuck}) runs on its own thread. Idempotent.
     */
    public void enterLameDuckMode() {
        synchronized (this) {
            if (!running || shuttingDown || lameDuck) {
                return;
            }
            lameDuck = true;
        }
        log.notice("Entering lame duck mode, stop accepting new clients");
        SystemAccountService s = services.systemAccount();
        if (s != null) {
            s.lameDuck();
        }
        if (clientListener != null) {
            clientListener.close();
        }
        io.nats4j.server.cluster.Cluster c = cluster;
        if (c != null) {
            c.lameDuck();
        }
        Thread t = new Thread(new LameDuck(this), "nats4j-lame-duck");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Standalone: the process exits as soon as {@link #close()} returns, so close() leaves the client connections
     * and their event loops (daemon threads) to the exit, which closes the sockets last.
     */
    void exitAfterClose() {
        exitAfterClose = true;
    }

    /** Sleeps up to {@code nanos}; true when the server shut down meanwhile. */
    boolean waitForShutdown(long nanos) {
        try {
            return shutdownLatch.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** nats-server's SIGUSR1: reopens the log file (for external rotation). */
    public void reopenLogFile() {
        if (log.delegate() instanceof StdLogger std && options.logFile != null) {
            try {
                std.reopen();
                log.notice("File log re-opened");
            } catch (IOException e) {
                log.error("File log re-open failed: " + e.getMessage());
            }
        } else {
            log.notice("File log re-open ignored, not a file logger");
        }
    }

    /** Blocks until the server has shut down. */
    public void awaitShutdown() throws InterruptedException {
        shutdownLatch.await();
    }

    /** Shuts down: stops accepting, closes every client, releases the port. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (!running || shuttingDown) {
                if (!running) {
                    shutdownLatch.countDown();
                }
                return;
            }
            shuttingDown = true;
        }
        log.notice("Initiating Shutdown...");
        if (housekeeping != null) {
            housekeeping.cancel(false);
        }
        io.nats4j.server.cluster.Cluster routes = cluster;
        if (routes != null) {
            routes.shutdown();
        }
        listeners.closeAll();
        services.closeJetStream();
        stopServices();
        services.stopMonitoring();
        files.delete();
        log.notice("Server Exiting..");
        // The client connections last, as nats-server closes them right before its process exits: a client that
        // times its reconnect from the close finds the server gone, not still exiting. The standalone server leaves
        // them (and the event loops that own them) to the process exit: the kernel closes a process's sockets after
        // it has released its memory, right before the exit is reported, whereas a JVM needs 10-20 ms to exit after
        // its shutdown hook (measured: docs/PERFORMANCE.md, "Shutdown").
        if (!exitAfterClose) {
            for (ClientConnection c : clients.connections()) {
                c.close(ClosedState.SERVER_SHUTDOWN);
            }
            transport.shutdown();
        }
        running = false;
        shutdownLatch.countDown();
    }

    /** Stops the internal services: $SYS (its SHUTDOWN event reaches listeners first), the callout, the resolver's threads. */
    private void stopServices() {
        services.stop();
        context.shutdown();
    }

    // ---------------------------------------------------------------- ids

    /** A 56-character id starting with 'N', the shape of nats-server's server ids (public nkeys). */
    static String newServerId() {
        byte[] raw = new byte[32];
        RandomBytes.fill(raw);
        return io.nats4j.server.auth.NKeys.encodePublic(io.nats4j.server.auth.NKeys.PREFIX_SERVER, raw);
    }
}
