package io.nats4j.server;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.connection.ServerContext;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.log.ServerLoggers;
import io.nats4j.server.log.StdLogger;
import io.nats4j.server.monitor.ClosedConnections;
import io.nats4j.server.monitor.Monitor;
import io.nats4j.server.monitor.MonitorHttpServer;
import io.nats4j.server.protocol.Json;
import io.nats4j.server.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 * Several servers can run in one JVM; each owns its event loops.
 */
public final class NatsServer implements AutoCloseable {

    private static final long HOUSEKEEPING_INTERVAL_MS = 250;

    private final ServerOptions options;
    private final io.nats4j.server.config.ReloadableLogger log;
    private final String serverId;
    /** The server's signing nkey (its public key is the server id); made only when an auth callout needs it. */
    private final io.nats4j.server.auth.ServerKey serverKey;
    /** The auth callout (configuration mode); null without one. */
    private volatile io.nats4j.server.sys.AuthCalloutService authCallout;
    /** Guards making {@link #authCallout} (not the server's monitor: reload holds that while clients work). */
    private final Object calloutLock = new Object();
    private final String serverName;
    private volatile Accounts accounts;
    private final ServerStats stats = new ServerStats();
    private final ConcurrentHashMap<Long, ClientConnection> clients = new ConcurrentHashMap<>();
    /**
     * The client port's accept queue, as long as nats-server's: Go's net.Listen asks for the kernel's maximum
     * (somaxconn, 4096 on current Linux), and asking for more than that gets exactly the maximum. A burst of
     * connects then waits in the kernel instead of overflowing the queue (each overflow costs a client a SYN
     * retry, a second or more). Also the early listener's ({@link EarlyListener}).
     */
    static final int ACCEPT_BACKLOG = 65535;
    private final AtomicInteger clientCount = new AtomicInteger();
    private final AtomicLong cidGenerator = new AtomicLong();
    private final CountDownLatch shutdownLatch = new CountDownLatch(1);
    private volatile boolean exitAfterClose;
    private final long startMillis = System.currentTimeMillis();
    private final Instant startTime = Instant.now();
    private final ClosedConnections closedConnections;
    private final Monitor monitor = new Monitor(this);
    private MonitorHttpServer httpServer;
    private volatile boolean lameDuck;
    private String infoHost = ServerOptions.DEFAULT_HOST;

    private volatile boolean running;
    private volatile boolean shuttingDown;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel listener;
    private int boundPort;
    private volatile byte[] infoPrefix;
    private ScheduledFuture<?> housekeeping;
    private Path portsFile;
    /** The client port's TLS (loaded at start, off the event loops); null when TLS is off. */
    private volatile ServerTls tls;
    /** System account events and services; null with no_system_account or before start. */
    private volatile io.nats4j.server.sys.SystemAccountService sys;
    /** Where {@link #reload()} reads the new options; null = the config file the options came from. */
    private volatile java.util.concurrent.Callable<ServerOptions> reloadSource;
    /** Builds the logger for reloaded options (the standalone server's); null = keep the logger. */
    private volatile java.util.function.Function<ServerOptions, ServerLogger> loggerFactory;
    private volatile Instant configLoadTime = Instant.now();

    public NatsServer(ServerOptions options) {
        this(options, null);
    }

    private EarlyListener earlyListener;
    @SuppressWarnings("unused") // keeps the JDK channel object of an adopted early listener reachable
    private Object listenerOwner;

    /** With a logger of your own; null means SLF4J (embedded use). */
    public NatsServer(ServerOptions options, ServerLogger logger) {
        this.options = options.copy();
        this.log = new io.nats4j.server.config.ReloadableLogger(logger != null ? logger : ServerLoggers.forEmbedded());
        // an Ed25519 key pair costs the first use tens of ms: only servers that may sign auth callout requests
        // make one (a configured callout, or operator mode, where any account JWT may enable one)
        this.serverKey = this.options.auth.authCallout != null || this.options.auth.operatorMode()
                ? io.nats4j.server.auth.ServerKey.generate() : null;
        this.serverId = serverKey != null ? serverKey.publicKey() : newServerId();
        this.serverName = options.serverName != null && !options.serverName.isEmpty() ? options.serverName : serverId;
        this.closedConnections = new ClosedConnections(this.options.maxClosedClients);
    }

    /** Binds the client port and returns once it accepts connections. */
    public synchronized void start() throws IOException {
        if (running) {
            return;
        }
        // every check of the options, shared with -t (StartupChecks): nothing below may refuse the options
        StartupChecks.Prepared prepared = StartupChecks.run(options);
        StartupTrace.mark("checks (accounts, TLS)");
        accounts = prepared.accounts();
        accounts.warnings(log::warn);
        listenForAccountChanges(accounts);
        if (accounts.nonceRequired()) {
            // the JDK's SecureRandom takes tens of ms to set up: not on the first client's event loop
            Thread t = new Thread(() -> io.nats4j.server.auth.RandomBytes.secure().nextInt(), "nats4j-random");
            t.setDaemon(true);
            t.start();
        }
        log.notice("Starting nats-server");
        log.notice("  Version:  " + Version.NATS_SERVER + " (nats4j " + Version.NATS4J + ")");
        log.notice("  Java:     " + Runtime.version());
        log.notice("  Name:     " + serverName);
        log.notice("  ID:       " + serverId);
        if (accounts.plaintextPasswords()) {
            log.warn("Plaintext passwords detected, use nkeys or bcrypt");
        }
        if (options.configFile != null) {
            log.notice("Using configuration file: " + options.configFile);
        }
        if (accounts.operatorMode() != null) {
            accounts.operatorMode().describe(log::notice);
        }
        tls = prepared.tls();
        StartupTrace.mark("banner");
        boolean epoll = Epoll.isAvailable();
        StartupTrace.mark("epoll");
        IoHandlerFactory ioFactory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("nats4j-accept", true), ioFactory);
        workerGroup = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("nats4j-io", true), ioFactory);
        StartupTrace.mark("event loops");
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null && tls.handshakeFirst()) {
                            // handshake_first: TLS from the first byte (or, with a fallback delay, if the client
                            // starts it in time); otherwise the connection adds the handler itself after INFO
                            java.time.Duration fallback = tls.handshakeFirstFallback();
                            ch.pipeline().addLast(fallback != null ? io.nats4j.server.tls.TlsFirstFallback.NAME : "tls",
                                    fallback != null ? new io.nats4j.server.tls.TlsFirstFallback(tls, fallback)
                                            : tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast("client", new ClientConnection(context));
                    }
                });
        int port = options.port <= 0 ? 0 : options.port;
        String host = options.host == null || options.host.isEmpty() ? ServerOptions.DEFAULT_HOST : options.host;
        infoHost = host;
        if (options.httpPort != 0 || options.httpsPort != 0) {
            startMonitoring(host);
        }
        if (accounts.system() != null) {
            // before the listener: the first client already finds the system services and its imports
            io.nats4j.server.sys.SystemAccountService s = new io.nats4j.server.sys.SystemAccountService(this);
            s.start();
            sys = s;
        }
        if (accounts.callout() != null) {
            log.notice("Authorization callout enabled: requests on \"" + io.nats4j.server.auth.AuthCalloutOptions.SUBJECT
                    + "\" in account \"" + accounts.callout().account() + "\"");
        }
        StartupTrace.mark("system account");
        try {
            listener = listen(b, channelClass, host, port);
        } catch (Exception e) {
            if (sys != null) {
                sys.shutdown();
                sys = null;
            }
            if (authCallout != null) {
                authCallout.shutdown();
                authCallout = null;
            }
            shutdownGroups();
            stopMonitoring();
            throw new IOException("Error listening on port: " + host + ":" + port + ", \"" + e.getMessage() + "\"", e);
        }
        StartupTrace.mark("bound");
        boundPort = ((InetSocketAddress) listener.localAddress()).getPort();
        infoPrefix = buildInfoPrefix(host);
        running = true;
        housekeeping = bossGroup.next().scheduleAtFixedRate(this::housekeeping,
                HOUSEKEEPING_INTERVAL_MS, HOUSEKEEPING_INTERVAL_MS, TimeUnit.MILLISECONDS);
        log.notice("Listening for client connections on " + hostPort(host, boundPort));
        if (tls != null) {
            log.notice("TLS required for client connections");
            if (tls.handshakeFirst() && tls.handshakeFirstFallback() == null) {
                log.warn("Clients that are not using \"TLS Handshake First\" option will fail to connect");
            }
            if (log.isDebugEnabled()) {
                log.debug("TLS provider: " + tls.providerName() + (tls.handshakeFirst() ? ", handshake first" : ""));
            }
        }
        writePidFile();
        writePortsFile(host);
        log.notice("Server is ready");
        StartupTrace.mark("ready");
    }

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
     * Binds the client port, or takes over the socket {@link Main} bound early (same address, epoll transport):
     * Netty registers the listening descriptor as it is and starts accepting, including the clients already
     * waiting in the kernel's queue.
     */
    private Channel listen(ServerBootstrap b, Class<? extends ServerChannel> channelClass, String host, int port)
            throws Exception {
        EarlyListener early = earlyListener;
        if (early != null) {
            earlyListener = null;
            ServerChannel adopted = channelClass == EpollServerSocketChannel.class ? early.adopt(host, port) : null;
            if (adopted != null) {
                listenerOwner = early.owner(); // reachable as long as this server: see EarlyListener#owner
                return b.channelFactory(() -> adopted).register().sync().channel();
            }
            early.close();
        }
        return b.channel(channelClass).bind(new InetSocketAddress(host, port)).sync().channel();
    }

    private void startMonitoring(String clientHost) throws IOException {
        String httpHost = options.httpHost == null || options.httpHost.isEmpty() ? clientHost : options.httpHost;
        MonitorHttpServer http = new MonitorHttpServer(this, monitor, log);
        boolean secure = options.httpsPort != 0;
        try {
            http.start(httpHost, secure ? options.httpsPort : options.httpPort, secure ? tls : null);
        } catch (IOException e) {
            shutdownGroups();
            throw e;
        }
        httpServer = http;
        log.notice("Starting " + (secure ? "https" : "http") + " monitor on " + hostPort(httpHost, http.port()));
    }

    private void stopMonitoring() {
        if (httpServer != null) {
            httpServer.close();
        }
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * The server part of INFO, in nats-server's field order, compact like nats-server's JSON; the
     * per-client fields and the closing brace are appended per connection.
     */
    private byte[] buildInfoPrefix(String host) {
        StringBuilder sb = new StringBuilder(256).append("INFO {\"server_id\":");
        Json.quote(sb, serverId).append(",\"server_name\":");
        Json.quote(sb, serverName).append(",\"version\":");
        Json.quote(sb, Version.NATS_SERVER).append(",\"proto\":").append(Version.PROTO).append(",\"go\":");
        Json.quote(sb, "nats4j/" + Version.NATS4J + " java" + Runtime.version().feature()).append(",\"host\":");
        Json.quote(sb, host).append(",\"port\":").append(boundPort)
                .append(",\"headers\":").append(!options.noHeaderSupport);
        if (tls != null) {
            sb.append(",\"tls_required\":true");
            if (tls.verify()) {
                sb.append(",\"tls_verify\":true");
            }
        }
        if (accounts.authRequired()) {
            sb.append(",\"auth_required\":true");
        }
        sb.append(",\"max_payload\":").append(options.maxPayload);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] infoFor(ClientConnection client) {
        StringBuilder sb = new StringBuilder(64).append(",\"client_id\":").append(client.id()).append(",\"client_ip\":");
        // nats-server ends INFO with "} \r\n" (a space before CRLF); some harnesses match its bytes
        Json.quote(sb, client.remoteIp());
        if (client.nonce() != null) {
            Json.quote(sb.append(",\"nonce\":"), client.nonce());
        }
        sb.append("} \r\n");
        byte[] t = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[infoPrefix.length + t.length];
        System.arraycopy(infoPrefix, 0, out, 0, infoPrefix.length);
        System.arraycopy(t, 0, out, infoPrefix.length, t.length);
        return out;
    }

    private void housekeeping() {
        long now = System.nanoTime();
        long deadline = options.writeDeadline.toNanos();
        for (ClientConnection c : clients.values()) {
            c.checkWriteDeadline(now, deadline);
        }
        accounts.expireResponses(now);
    }

    // ---------------------------------------------------------------- ServerContext

    /**
     * What connections see of the server. A separate object so that the embedding API does not expose the
     * connection plumbing (register, INFO building, client ids, event hooks).
     */
    private final class Context implements ServerContext {
        @Override
        public ServerOptions options() {
            return options;
        }

        @Override
        public ServerLogger logger() {
            return log;
        }

        @Override
        public Account globalAccount() {
            return NatsServer.this.globalAccount();
        }

        @Override
        public Accounts accounts() {
            return accounts;
        }

        @Override
        public byte[] infoFor(ClientConnection client) {
            return NatsServer.this.infoFor(client);
        }

        @Override
        public boolean register(ClientConnection client) {
            return NatsServer.this.register(client);
        }

        @Override
        public void unregister(ClientConnection client) {
            NatsServer.this.unregister(client);
        }

        @Override
        public ServerStats stats() {
            return stats;
        }

        @Override
        public long nextClientId() {
            return NatsServer.this.nextClientId();
        }

        @Override
        public void clientConnected(ClientConnection client) {
            NatsServer.this.clientConnected(client);
        }

        @Override
        public void clientClosed(ClientConnection client, ClosedState reason) {
            NatsServer.this.clientClosed(client, reason);
        }

        @Override
        public void clientAuthError(ClientConnection client) {
            NatsServer.this.clientAuthError(client);
        }

        @Override
        public ServerTls tls() {
            return tls;
        }

        @Override
        public void fetchAccount(String accountKey, Runnable done) {
            try {
                resolverPool().execute(() -> {
                    try {
                        accounts.fetchAccount(accountKey);
                    } finally {
                        done.run();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                done.run(); // nothing fetched: the client is refused (and closed by the shutdown anyway)
            }
        }

        @Override
        public boolean authCallout(ClientConnection client, Account operatorAccount,
                java.util.function.Consumer<io.nats4j.server.auth.Accounts.AuthResult> done) {
            io.nats4j.server.sys.AuthCalloutService s = calloutService();
            return s != null && s.request(client, operatorAccount, done);
        }
    }

    private final ServerContext context = new Context();

    /**
     * Threads for account fetches from a remote ({@code URL(...)}) resolver, made on first use: at most four
     * fetches at once, more wait in line (each ends within the resolver's timeout), idle threads end after 30 s.
     */
    private java.util.concurrent.ThreadPoolExecutor resolverPool;
    // its own lock, not this server's monitor: start() and reload() hold that one while they wait for event
    // loops, and an event loop asks for the pool
    private final Object resolverLock = new Object();

    private java.util.concurrent.ThreadPoolExecutor resolverPool() {
        synchronized (resolverLock) {
            if (resolverPool == null) {
                java.util.concurrent.ThreadPoolExecutor p = new java.util.concurrent.ThreadPoolExecutor(4, 4, 30,
                        TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
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

    /**
     * The auth callout service, made on the first client that needs it (its thread and JSON stay out of the
     * start-up); null when no callout is configured or the server is shutting down.
     */
    private io.nats4j.server.sys.AuthCalloutService calloutService() {
        io.nats4j.server.sys.AuthCalloutService s = authCallout;
        if (s != null || serverKey == null) {
            return s;
        }
        synchronized (calloutLock) {
            if (authCallout == null && !shuttingDown && (accounts.callout() != null || accounts.operatorMode() != null)) {
                authCallout = new io.nats4j.server.sys.AuthCalloutService(this, serverKey);
            }
            return authCallout;
        }
    }

    public ServerOptions options() {
        return options;
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

    private boolean register(ClientConnection client) {
        if (shuttingDown) {
            return false;
        }
        int max = options.maxConnections;
        while (true) {
            int n = clientCount.get();
            if (max > 0 && n >= max) {
                log.error("Maximum connections exceeded (max " + max + "), closing new connection from "
                        + client.remoteIp());
                return false;
            }
            if (clientCount.compareAndSet(n, n + 1)) {
                break;
            }
        }
        clients.put(client.id(), client);
        if (shuttingDown) {
            // close() may have taken its list of clients before the put: undo, or this one would be missed
            if (clients.remove(client.id(), client)) {
                clientCount.decrementAndGet();
            }
            return false;
        }
        stats.totalConnections.increment();
        return true;
    }

    private void unregister(ClientConnection client) {
        if (clients.remove(client.id(), client)) {
            clientCount.decrementAndGet();
            closedConnections.add(client);
        }
    }

    public ServerStats stats() {
        return stats;
    }

    public ServerTls tls() {
        return tls;
    }

    private long nextClientId() {
        return cidGenerator.incrementAndGet();
    }

    // ---------------------------------------------------------------- public API

    /** The bound client port (the real one when started with port 0 or -1). */
    public int port() {
        return running || boundPort != 0 ? boundPort : options.port;
    }

    /** {@code nats://host:port} for clients on this machine. */
    public String clientUrl() {
        String host = options.host == null || options.host.isEmpty() || options.host.equals("0.0.0.0")
                ? "127.0.0.1" : options.host.equals("::") ? "[::1]" : options.host;
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
        return clientCount.get();
    }

    /** A snapshot of the open client connections. */
    public Collection<ClientConnection> connections() {
        return Collections.unmodifiableCollection(new ArrayList<>(clients.values()));
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
        return "nats4j/" + Version.NATS4J + " java" + Runtime.version().feature();
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
        MonitorHttpServer h = httpServer;
        return h == null ? 0 : h.port();
    }

    public boolean isLameDuckMode() {
        return lameDuck;
    }

    /**
     * Lame duck mode (nats-server's SIGUSR2 / {@code --signal ldm}): stops accepting clients, tells the
     * connected ones with an INFO carrying {@code "ldm":true} (clients then reconnect elsewhere), waits
     * {@code lame_duck_grace_period}, closes the clients spread over the rest of {@code lame_duck_duration},
     * then shuts down. Returns at once; the drain runs on its own thread. Idempotent.
     */
    public void enterLameDuckMode() {
        synchronized (this) {
            if (!running || shuttingDown || lameDuck) {
                return;
            }
            lameDuck = true;
        }
        log.notice("Entering lame duck mode, stop accepting new clients");
        io.nats4j.server.sys.SystemAccountService s = sys;
        if (s != null) {
            s.lameDuck();
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        Thread t = new Thread(this::lameDuckDrain, "nats4j-lame-duck");
        t.setDaemon(true);
        t.start();
    }

    private void lameDuckDrain() {
        List<ClientConnection> list = new ArrayList<>(clients.values());
        if (list.isEmpty()) {
            close();
            return;
        }
        long grace = Math.abs(options.lameDuckGracePeriod.toNanos());
        long dur = options.lameDuckDuration.toNanos() - grace;
        if (dur <= 0) {
            dur = TimeUnit.SECONDS.toNanos(1);
        }
        int n = list.size();
        long interval = dur / n;
        int batch = 1;
        if (interval < 1) {
            interval = 1;
            batch = (int) Math.max(1, n / dur);
        } else if (interval > TimeUnit.SECONDS.toNanos(1)) {
            interval = TimeUnit.SECONDS.toNanos(1);
        }
        for (ClientConnection c : list) {
            if (c.clientProtocol() >= 1) {
                c.sendAsyncInfo(lameDuckInfo(c));
            }
        }
        if (waitForShutdown(grace)) {
            return;
        }
        log.notice("Closing existing clients");
        for (int i = 0; i < n; i++) {
            list.get(i).close(ClosedState.SERVER_SHUTDOWN);
            if (i == n - 1) {
                break;
            }
            if (batch == 1 || i % batch == 0) {
                long wait = Math.max(interval / 2, ThreadLocalRandom.current().nextLong(interval));
                if (waitForShutdown(wait)) {
                    return;
                }
            }
        }
        close();
    }

    /** Sleeps up to {@code nanos}; true when the server shut down meanwhile. */
    private boolean waitForShutdown(long nanos) {
        try {
            return shutdownLatch.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** The client's INFO with {@code "ldm":true} after its own fields, where nats-server puts it. */
    private byte[] lameDuckInfo(ClientConnection c) {
        String info = new String(infoFor(c), StandardCharsets.UTF_8);
        int end = info.lastIndexOf('}');
        return (info.substring(0, end) + ",\"ldm\":true" + info.substring(end)).getBytes(StandardCharsets.UTF_8);
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
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        io.nats4j.server.sys.SystemAccountService s = sys;
        if (s != null) {
            s.shutdown(); // $SYS.SERVER.<id>.SHUTDOWN reaches its listeners before they are closed
        }
        io.nats4j.server.sys.AuthCalloutService ac;
        synchronized (calloutLock) {
            ac = authCallout; // shuttingDown is set: no callout service is made after this
        }
        if (ac != null) {
            ac.shutdown();
        }
        java.util.concurrent.ThreadPoolExecutor rp;
        synchronized (resolverLock) {
            rp = resolverPool;
        }
        if (rp != null) {
            rp.shutdownNow(); // a fetch in progress ends with its HTTP timeout at the latest; its client is closed below
        }
        stopMonitoring();
        deleteQuietly(options.pidFile);
        deleteQuietly(portsFile);
        log.notice("Server Exiting..");
        // The client connections last, as nats-server closes them right before its process exits: a client that
        // times its reconnect from the close finds the server gone, not still exiting. The standalone server leaves
        // them (and the event loops that own them) to the process exit: the kernel closes a process's sockets after
        // it has released its memory, right before the exit is reported, whereas a JVM needs 10-20 ms to exit after
        // its shutdown hook (measured: docs/PERFORMANCE.md, "Shutdown").
        if (exitAfterClose) {
            if (bossGroup != null) {
                bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            }
        } else {
            for (ClientConnection c : clients.values()) {
                c.close(ClosedState.SERVER_SHUTDOWN);
            }
            shutdownGroups();
        }
        running = false;
        shutdownLatch.countDown();
    }

    /**
     * Standalone: the process exits as soon as {@link #close()} returns, so close() leaves the client connections
     * and their event loops (daemon threads) to the exit, which closes the sockets last.
     */
    void exitAfterClose() {
        exitAfterClose = true;
    }

    private void shutdownGroups() {
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void clientConnected(ClientConnection client) {
        io.nats4j.server.sys.SystemAccountService s = sys;
        if (s != null) {
            s.clientConnected(client);
        }
    }

    private void clientClosed(ClientConnection client, ClosedState reason) {
        io.nats4j.server.sys.SystemAccountService s = sys;
        if (s != null) {
            s.clientClosed(client, reason);
        }
    }

    private void clientAuthError(ClientConnection client) {
        io.nats4j.server.sys.SystemAccountService s = sys;
        if (s != null) {
            s.clientAuthError(client);
        }
    }

    /** The system account's events and services, or null (no_system_account, not started). */
    public io.nats4j.server.sys.SystemAccountService systemAccountService() {
        return sys;
    }

    // ---------------------------------------------------------------- operator mode account changes

    private void listenForAccountChanges(Accounts a) {
        io.nats4j.server.auth.OperatorMode om = a.operatorMode();
        if (om == null) {
            return;
        }
        om.accountListener(new io.nats4j.server.auth.OperatorMode.AccountListener() {
            @Override
            public void accountUpdated(Account account, io.nats4j.server.auth.JwtClaims.Account old,
                    io.nats4j.server.auth.JwtClaims.Account neu) {
                accountClaimsChanged(om, account, old, neu);
            }

            @Override
            public void accountDeleted(Account account) {
                log.debug("Disable account " + account.name() + " due to remove");
                for (ClientConnection c : clientsOf(account)) {
                    c.closeWithError(io.nats4j.server.auth.OperatorMode.ACCOUNT_EXPIRED, ClosedState.AUTHENTICATION_EXPIRED);
                }
            }
        });
    }

    /** The connected clients of an account, newest first. */
    private List<ClientConnection> clientsOf(Account account) {
        List<ClientConnection> list = new ArrayList<>();
        for (ClientConnection c : clients.values()) {
            if (c.account() == account && !c.isClosed()) {
                list.add(c);
            }
        }
        list.sort(java.util.Comparator.comparingLong(ClientConnection::startMillis).thenComparingLong(ClientConnection::id)
                .reversed());
        return list;
    }

    /**
     * nats-server's updateAccountClaims for the live clients: with a lower connection limit the newest clients
     * up to it stay and the older ones are closed ("maximum account active connections exceeded"); the
     * others are checked against the new revocations, bearer rule and signing keys, and keep running with
     * the new limits. Called with the operator mode's lock held: only schedules work on the client loops.
     */
    private void accountClaimsChanged(io.nats4j.server.auth.OperatorMode om, Account account,
            io.nats4j.server.auth.JwtClaims.Account old, io.nats4j.server.auth.JwtClaims.Account neu) {
        int max = account.maxConnections();
        int i = 0;
        for (ClientConnection c : clientsOf(account)) {
            if (max >= 0 && i++ >= max) {
                log.error(c + " - maximum account active connections exceeded");
                c.closeWithError("maximum account active connections exceeded", ClosedState.MAX_ACCOUNT_CONNECTIONS_EXCEEDED);
                continue;
            }
            if (c.isCalloutAuthorized()) {
                // authorized by an auth callout: its CONNECT JWT is the sentinel's, not the user it became
                continue;
            }
            io.nats4j.server.auth.OperatorMode.Recheck r = om.recheck(c.connectOptions(), old, neu);
            switch (r.verdict()) {
                case REVOKED -> {
                    log.debug(c + " - User Authentication Revoked");
                    c.closeWithError("User Authentication Revoked", ClosedState.REVOCATION);
                }
                case BEARER_REFUSED -> c.closeWithError("Authorization Violation", ClosedState.AUTHENTICATION_VIOLATION);
                case SIGNER_CHANGED -> c.close(ClosedState.AUTHENTICATION_VIOLATION);
                case KEEP -> c.jwtLimitsChanged(r.limits());
            }
        }
    }

    /** nats-server's DisconnectClientByID: closes the client with reason Kicked; false when there is none. */
    public boolean kickClient(long cid) {
        ClientConnection c = clients.get(cid);
        if (c == null) {
            return false;
        }
        c.close(ClosedState.KICKED);
        return true;
    }

    /** nats-server's LDMClientByID: sends that client an INFO with {@code "ldm":true}; false when there is none. */
    public boolean lameDuckClient(long cid) {
        ClientConnection c = clients.get(cid);
        if (c == null) {
            return false;
        }
        c.sendAsyncInfo(lameDuckInfo(c));
        return true;
    }

    // ---------------------------------------------------------------- config reload

    /**
     * Where {@link #reload()} reads the new options from (the standalone server re-reads its config file and
     * re-applies its command line flags). Default: {@link ServerOptions#fromConfigFile} of the file the
     * options were read from.
     */
    public void reloadSource(java.util.concurrent.Callable<ServerOptions> source) {
        this.reloadSource = source;
    }

    /** Builds a new logger when a reload changes logging options (the standalone server's). */
    public void loggerFactory(java.util.function.Function<ServerOptions, ServerLogger> factory) {
        this.loggerFactory = factory;
    }

    /**
     * nats-server's config reload (SIGHUP, {@code --signal reload}, {@code $SYS.REQ.SERVER.<id>.RELOAD}):
     * re-reads the configuration, refuses it whole if an option that cannot change at run time changed
     * ({@code config reload not supported for <Field>: old=..., new=...}), otherwise applies logging, limits,
     * authorization (every connected client is re-checked) and TLS, and logs
     * {@code Reloaded server configuration}.
     *
     * @throws IOException with nats-server's error text; the running configuration is then unchanged
     */
    public synchronized void reload() throws IOException {
        if (!running || shuttingDown) {
            throw new IOException("server is not running");
        }
        java.util.concurrent.Callable<ServerOptions> source = reloadSource;
        if (source == null) {
            Path file = options.configFile;
            if (file == null) {
                throw new IOException("can only reload config when a file is provided using -c or --config");
            }
            source = () -> ServerOptions.fromConfigFile(file);
        }
        ServerOptions neu;
        try {
            neu = source.call();
        } catch (io.nats4j.server.config.ConfigException e) {
            throw new IOException(String.join("\n", e.errors()), e);
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
        io.nats4j.server.config.ConfigReload.Changes changes;
        try {
            changes = io.nats4j.server.config.ConfigReload.diff(options, neu);
        } catch (io.nats4j.server.config.ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
        // build everything that can fail before changing anything
        Accounts next = null;
        if (changes.auth()) {
            if (neu.auth.authCallout != null && serverKey == null) {
                throw new IOException("config reload not supported for auth_callout: the server started without one"
                        + " (nats4j makes the server's signing key only then); restart the server");
            }
            try {
                next = Accounts.rebuild(neu, accounts);
                next.warnings(log::warn);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        ServerTls nextTls = changes.tls() ? ServerTls.load(neu.tls) : tls;
        ServerLogger nextLog = null;
        java.util.function.Function<ServerOptions, ServerLogger> lf = loggerFactory;
        if (changes.logging() && lf != null) {
            try {
                nextLog = lf.apply(neu);
            } catch (RuntimeException e) {
                throw new IOException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), e);
            }
        }
        io.nats4j.server.config.ConfigReload.apply(options, neu);
        if (nextLog != null) {
            log.swap(nextLog);
        }
        for (String c : changes.changed()) {
            log.notice("Reloaded: " + c);
        }
        if (next != null) {
            Accounts previous = accounts;
            next.warnings(log::warn);
            listenForAccountChanges(next);
            accounts = next;
            previous.replaced(next);
        }
        tls = nextTls;
        infoPrefix = buildInfoPrefix(infoHost);
        if (next != null && next.operatorMode() != null && next.operatorMode().resolver() != null
                && next.operatorMode().resolver().remote()) {
            // a URL(...) resolver: the rebuilt accounts of connected clients are fetched here, not by the
            // clients' event loops when they re-authenticate below
            java.util.Set<String> names = new java.util.HashSet<>();
            for (ClientConnection c : clients.values()) {
                Account a = c.account();
                if (a != null) {
                    names.add(a.name());
                }
            }
            for (String name : names) {
                next.fetchAccount(name);
            }
        }
        // as nats-server, reload returns once every client runs with the new settings: each client applies
        // them on its own event loop, and this waits (bounded) for all of them
        List<java.util.concurrent.Future<?>> applied = new ArrayList<>();
        for (ClientConnection c : clients.values()) {
            applied.add(c.reloaded(accounts));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (java.util.concurrent.Future<?> f : applied) {
            try {
                f.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                log.warn("Config reload: a client did not apply the new settings in time: " + e);
            }
        }
        io.nats4j.server.sys.SystemAccountService s = sys;
        if (s != null && next != null) {
            s.accountsChanged(next);
        }
        configLoadTime = Instant.now();
        log.notice("Reloaded server configuration");
    }

    // ---------------------------------------------------------------- files

    private void writePidFile() throws IOException {
        if (options.pidFile == null) {
            return;
        }
        try {
            Files.writeString(options.pidFile, Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new IOException("Could not write pidfile: " + e.getMessage(), e);
        }
    }

    private void writePortsFile(String host) throws IOException {
        if (options.portsFileDir == null) {
            return;
        }
        String exe = System.getProperty("nats4j.exe", "nats4j");
        Path file = options.portsFileDir.resolve(exe + "_" + ProcessHandle.current().pid() + ".ports");
        List<String> urls = new ArrayList<>();
        for (String h : advertisedHosts(host)) {
            urls.add("nats://" + hostPort(h, boundPort));
        }
        StringBuilder json = new StringBuilder("{\"nats\":[");
        for (int i = 0; i < urls.size(); i++) {
            Json.quote(i == 0 ? json : json.append(','), urls.get(i));
        }
        json.append("]}");
        try {
            Files.writeString(file, json.toString());
        } catch (IOException e) {
            throw new IOException("Error writing ports file (" + file + "): " + e.getMessage(), e);
        }
        portsFile = file;
    }

    /** The addresses a listener on {@code host} can be reached at (all interfaces for 0.0.0.0). */
    static List<String> advertisedHosts(String host) {
        List<String> out = new ArrayList<>();
        if (!host.equals("0.0.0.0") && !host.equals("::")) {
            out.add(host);
            return out;
        }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address || host.equals("::")) {
                        out.add(a.getHostAddress().replaceAll("%.*$", ""));
                    }
                }
            }
        } catch (IOException e) {
            out.add("127.0.0.1");
        }
        if (out.isEmpty()) {
            out.add("127.0.0.1");
        }
        return out;
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort at shutdown
            }
        }
    }

    // ---------------------------------------------------------------- ids

    /** A 56-character id starting with 'N', the shape of nats-server's server ids (public nkeys). */
    static String newServerId() {
        byte[] raw = new byte[32];
        io.nats4j.server.auth.RandomBytes.fill(raw);
        return io.nats4j.server.auth.NKeys.encodePublic(io.nats4j.server.auth.NKeys.PREFIX_SERVER, raw);
    }
}
