package io.nats4j.server;

import io.nats4j.server.tls.TlsOptions;
import io.nats4j.server.auth.AuthOptions;
import java.nio.file.Path;
import io.nats4j.server.options.ClusterOptions;
import io.nats4j.server.options.GatewayOptions;
import io.nats4j.server.options.JetStreamOptions;
import io.nats4j.server.options.LeafNodeOptions;
import io.nats4j.server.options.MqttOptions;
import io.nats4j.server.options.WebSocketOptions;
import java.time.Duration;

/**
 * Everything a server is started with. Built in code by an embedding application, or filled from a
 * {@code nats-server} config file and command line (see {@code io.nats4j.server.config}).
 *
 * <p>Fields are public and mutable like nats-server's {@code Options} struct: set them before
 * {@link NatsServer#start()}; the server takes a copy and never reads this object again. Every default
 * is one constant below and equals nats-server's. A running server never changes its copy either: a config
 * reload publishes a new copy, and the settings event loops read ({@link HotSettings}) as one immutable
 * snapshot.
 */
public final class ServerOptions {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 4222;
    /** Port value meaning "pick a free port" (nats-server's {@code -p -1}); 0 means the same here. */
    public static final int RANDOM_PORT = -1;
    public static final int DEFAULT_MAX_PAYLOAD = 1024 * 1024;
    public static final int DEFAULT_MAX_CONTROL_LINE = 4096;
    public static final int DEFAULT_MAX_CONNECTIONS = 64 * 1024;
    public static final long DEFAULT_MAX_PENDING = 64L * 1024 * 1024;
    public static final Duration DEFAULT_WRITE_DEADLINE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofMinutes(2);
    public static final int DEFAULT_PING_MAX = 2;
    public static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_LAME_DUCK_DURATION = Duration.ofMinutes(2);
    public static final Duration DEFAULT_LAME_DUCK_GRACE_PERIOD = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CLOSED_CLIENTS = 10_000;

    // ---- listen ----
    /** Interface the client port binds to. */
    public String host = DEFAULT_HOST;
    /** Client port; 0 or -1 picks a free port (see {@link NatsServer#port()}). */
    public int port = DEFAULT_PORT;
    /** Server name; defaults to the server id when null. */
    public String serverName;
    /** host:port advertised to clients in connect_urls instead of the bound address. */
    public String clientAdvertise;

    // ---- limits ----
    public int maxPayload = DEFAULT_MAX_PAYLOAD;
    public int maxControlLine = DEFAULT_MAX_CONTROL_LINE;
    public int maxConnections = DEFAULT_MAX_CONNECTIONS;
    /** 0 = unlimited. */
    public int maxSubscriptions;
    public long maxPending = DEFAULT_MAX_PENDING;
    public Duration writeDeadline = DEFAULT_WRITE_DEADLINE;
    public Duration pingInterval = DEFAULT_PING_INTERVAL;
    public int pingMax = DEFAULT_PING_MAX;
    public Duration authTimeout = DEFAULT_AUTH_TIMEOUT;
    public Duration lameDuckDuration = DEFAULT_LAME_DUCK_DURATION;
    public Duration lameDuckGracePeriod = DEFAULT_LAME_DUCK_GRACE_PERIOD;
    public int maxClosedClients = DEFAULT_MAX_CLOSED_CLIENTS;
    /** nats-server's {@code no_header_support}: when true, INFO says headers:false. */
    public boolean noHeaderSupport;
    /** nats-server's {@code disable_sublist_cache}. */
    public boolean noSublistCache;

    // ---- files ----
    public Path pidFile;
    public Path portsFileDir;
    /** The config file the options were read from, if any (for reload and INFO). */
    public Path configFile;

    // ---- logging ----
    public Path logFile;
    public boolean logTime = true;
    /** nats-server's {@code logtime_utc}: log timestamps in UTC. */
    public boolean logTimeUtc;
    public boolean debug;
    public boolean trace;
    /** -VV / -DVV: trace also system account traffic (accepted; same as trace until $SYS exists). */
    public boolean traceVerbose;
    public boolean syslog;
    public String remoteSyslog;
    public long logSizeLimit;
    public int logMaxNum;
    /** Longest message payload printed when tracing; 0 = unlimited. */
    public int maxTracedMsgLen;

    // ---- authentication (flags --user/--pass/--auth, authorization {} in the config file) ----
    /** The single user of {@code --user}/{@code authorization { user }}. */
    public String username;
    /** Its password, plain or bcrypt ({@code $2a$...}). */
    public String password;
    /** {@code --auth}/{@code authorization { token }}, plain or bcrypt. */
    public String authorizationToken;
    /** Users lists, accounts, no_auth_user, system account. */
    public AuthOptions auth = new AuthOptions();

    // ---- TLS on the client port ----
    /** The {@code tls {}} block (or the --tls* flags); null means plain TCP. */
    public TlsOptions tls;

    // ---- monitoring (HTTP) ----
    /** Monitoring port ({@code -m}, {@code http_port}); 0 = off, -1 = a free port (see NatsServer#monitorPort()). */
    public int httpPort;
    /** HTTPS monitoring port ({@code -ms}, {@code https_port}, {@code https}) served with the {@code tls} block; 0 = off. */
    public int httpsPort;
    /** Interface the monitoring port binds to; null = the client {@link #host}. */
    public String httpHost;
    /** nats-server's {@code http_base_path}: a prefix for every monitoring endpoint ("" = none). */
    public String httpBasePath = "";

    // ---- capabilities, one group each; not built yet: a server with any of them set refuses to start ----
    /** {@code cluster {}}: routes to the other servers of a cluster. */
    public ClusterOptions cluster = new ClusterOptions();
    /** {@code gateway {}}: links between clusters. */
    public GatewayOptions gateway = new GatewayOptions();
    /** {@code leafnodes {}}: leaf node listener and remotes. */
    public LeafNodeOptions leafNodes = new LeafNodeOptions();
    /** {@code websocket {}}: the client protocol over WebSocket. */
    public WebSocketOptions webSocket = new WebSocketOptions();
    /** {@code mqtt {}}: MQTT clients. */
    public MqttOptions mqtt = new MqttOptions();
    /** {@code jetstream {}}: persistence and streams. */
    public JetStreamOptions jetStream = new JetStreamOptions();

    /**
     * Options read from a nats-server config file (the same file {@code bin/nats4j -c} takes).
     *
     * @throws io.nats4j.server.config.ConfigException with {@code file:line:col} for every problem found
     */
    public static ServerOptions fromConfigFile(Path file) throws io.nats4j.server.config.ConfigException {
        return io.nats4j.server.config.ConfigLoader.load(file);
    }

    /** A deep enough copy: the server keeps its own. */
    public ServerOptions copy() {
        ServerOptions c = new ServerOptions();
        c.host = host;
        c.port = port;
        c.serverName = serverName;
        c.clientAdvertise = clientAdvertise;
        c.maxPayload = maxPayload;
        c.maxControlLine = maxControlLine;
        c.maxConnections = maxConnections;
        c.maxSubscriptions = maxSubscriptions;
        c.maxPending = maxPending;
        c.writeDeadline = writeDeadline;
        c.pingInterval = pingInterval;
        c.pingMax = pingMax;
        c.authTimeout = authTimeout;
        c.lameDuckDuration = lameDuckDuration;
        c.lameDuckGracePeriod = lameDuckGracePeriod;
        c.maxClosedClients = maxClosedClients;
        c.noHeaderSupport = noHeaderSupport;
        c.noSublistCache = noSublistCache;
        c.pidFile = pidFile;
        c.portsFileDir = portsFileDir;
        c.configFile = configFile;
        c.logFile = logFile;
        c.logTime = logTime;
        c.logTimeUtc = logTimeUtc;
        c.debug = debug;
        c.trace = trace;
        c.traceVerbose = traceVerbose;
        c.syslog = syslog;
        c.remoteSyslog = remoteSyslog;
        c.logSizeLimit = logSizeLimit;
        c.logMaxNum = logMaxNum;
        c.maxTracedMsgLen = maxTracedMsgLen;
        c.username = username;
        c.password = password;
        c.authorizationToken = authorizationToken;
        c.auth = auth.copy();
        c.httpPort = httpPort;
        c.httpsPort = httpsPort;
        c.httpHost = httpHost;
        c.httpBasePath = httpBasePath;
        c.cluster = cluster.copy();
        c.gateway = gateway.copy();
        c.leafNodes = leafNodes.copy();
        c.webSocket = webSocket.copy();
        c.mqtt = mqtt.copy();
        c.jetStream = jetStream.copy();
        c.tls = tls == null ? null : tls.copy();
        return c;
    }
}
