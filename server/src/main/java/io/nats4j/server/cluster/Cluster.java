package io.nats4j.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Passwords;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.net.KindRegistry;
import io.nats4j.server.net.Listener;
import io.nats4j.server.net.ListenerSpec;
import io.nats4j.server.net.Transport;
import io.nats4j.server.options.ClusterOptions;
import io.nats4j.server.protocol.Json;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A server's side of its cluster: the route listener, the routes it solicits (explicit ones retried for ever,
 * implicit ones learnt by gossip retried {@code connect_retries} times), the routes by remote server id
 * (duplicates resolved as nats-server does: the second registration of a server id is closed), the cluster
 * name (configured, or dynamic and negotiated), and the client URLs of the cluster that clients learn through
 * INFO {@code connect_urls}.
 */
public final class Cluster {

    /** nats-server's routeConnectDelay / DEFAULT_ROUTE_RECONNECT. */
    static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);
    /** How often accounts created since (operator mode, reload) are wired into the routes. */
    private static final long ACCOUNT_SWEEP_MS = 1000;
    /** How often routes' write deadlines are checked. */
    private static final long WRITE_DEADLINE_CHECK_MS = 100;

    private final NatsServer server;
    private final ClusterOptions opts;
    private final ServerLogger log;
    private volatile String name;
    private volatile boolean dynamic;
    private KindRegistry<RouteConnection> registry;
    private final ConcurrentHashMap<String, RouteConnection> byRemoteId = new ConcurrentHashMap<>();
    /** host:port of routes being dialed or connected (implicit routes are not dialed twice). */
    private final Set<String> dialing = ConcurrentHashMap.newKeySet();
    private final List<URI> explicitRoutes = new ArrayList<>();
    private Listener listener;
    private Bootstrap dialer;
    private String infoHost;
    private int infoPort;
    /** INFO "ip": nats-route://advertise/ when cluster.advertise is set, else empty. */
    private String infoIp = "";
    private volatile byte[] routeInfo;
    private volatile boolean lameDuck;
    private volatile boolean shuttingDown;
    private ScheduledFuture<?> sweep;
    private ScheduledFuture<?> deadlineTimer;
    private JetStreamApiImport jsApi;
    private final List<String> ownClientUrls = new ArrayList<>();
    /** Route TLS, or null. */
    private RouteTls tls;
    /**
     * The first host name (not an IP address) of the configured routes: the name a route learnt by gossip (whose
     * URL has an IP address) checks the other server's certificate against, as nats-server's routeTLSName.
     */
    private String tlsName;

    public Cluster(NatsServer server, ClusterOptions opts) {
        this.server = server;
        this.opts = opts;
        this.log = server.logger();
        this.dynamic = opts.name == null || opts.name.isEmpty();
        this.name = dynamic ? dynamicName() : opts.name;
    }

    /** A generated cluster name, shaped like nats-server's (a NUID: 22 letters and digits). */
    private static String dynamicName() {
        String digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder(22);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 22; i++) {
            sb.append(digits.charAt(r.nextInt(digits.length())));
        }
        return sb.toString();
    }

    /** Opens the route listener and dials the configured routes. */
    public void start(Transport transport, String clientHost, int clientPort) throws Exception {
        registry = server.registry().add(ConnectionKind.ROUTER, () -> 0);
        Account system = server.accounts().system();
        if (!server.options().jetStream.configured() && system != null) {
            // nats-server's mixed mode: JetStream API requests go to the servers of the cluster that run it
            jsApi = new JetStreamApiImport(system, server.serverName(), this::name, stats());
            jsApi.wire(server.accounts().all(), server.accounts().global());
        }
        String host = opts.host == null || opts.host.isEmpty() ? ServerOptions.DEFAULT_HOST : opts.host;
        int port = opts.port < 0 ? 0 : opts.port;
        log.notice("Cluster name is " + name);
        if (dynamic) {
            log.warn("Cluster name was dynamically generated, consider setting one");
        }
        if (opts.tls != null) {
            tls = RouteTls.load(opts.tls);
        }
        io.nats4j.server.net.PipelineFactory accepted =
                (ch, listenerTls) -> ch.pipeline().addLast("route", new RouteConnection(this, null, false));
        RouteTls t = tls;
        listener = server.listeners().open(t == null ? ListenerSpec.plain("route", ConnectionKind.ROUTER, host, port, accepted)
                : new ListenerSpec("route", ConnectionKind.ROUTER, host, port, io.nats4j.server.net.TlsPlacement.FIRST,
                        t::server, accepted));
        log.notice("Listening for route connections on " + hostPort(host, listener.port()));
        if (tls != null) {
            log.notice("TLS required for route connections");
        }
        infoHost = host;
        infoPort = listener.port();
        if (opts.advertise != null && !opts.advertise.isEmpty()) {
            String adv = opts.advertise;
            int colon = adv.lastIndexOf(':');
            if (colon > 0 && adv.indexOf(']') < colon) {
                infoHost = adv.substring(0, colon).replace("[", "").replace("]", "");
                infoPort = Integer.parseInt(adv.substring(colon + 1));
            } else {
                infoHost = adv;
            }
            infoIp = "nats-route://" + hostPort(infoHost, infoPort) + "/";
        }
        ownClientUrls.addAll(clientUrls(server.options().clientAdvertise, clientHost, clientPort));
        rebuildInfo();
        updateClientUrls();
        dialer = new Bootstrap().group(transport.ioGroup()).channel(transport.socketChannelClass())
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
        for (String r : opts.routes) {
            String h = URI.create(r).getHost();
            if (tlsName == null && h != null && !h.isEmpty() && !Character.isDigit(h.charAt(h.length() - 1))
                    && h.indexOf(':') < 0) {
                tlsName = h;
            }
        }
        for (String r : opts.routes) {
            URI u = URI.create(r);
            explicitRoutes.add(u);
            dial(u, true, 0);
        }
        sweep = transport.acceptGroup().next().scheduleAtFixedRate(this::wireNewAccounts, ACCOUNT_SWEEP_MS,
                ACCOUNT_SWEEP_MS, TimeUnit.MILLISECONDS);
        deadlineTimer = transport.acceptGroup().next().scheduleAtFixedRate(this::checkWriteDeadlines,
                WRITE_DEADLINE_CHECK_MS, WRITE_DEADLINE_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /** The route port (the real one when configured as -1). */
    public int port() {
        return listener == null ? 0 : listener.port();
    }

    public String name() {
        return name;
    }

    /** The open routes (registered ones: one per remote server). */
    public Collection<RouteConnection> routes() {
        return Collections.unmodifiableCollection(byRemoteId.values());
    }

    // ------------------------------------------------------------------ what routes ask

    long nextId() {
        return server.registry().nextId();
    }

    ServerStats stats() {
        return server.stats();
    }

    ServerLogger log() {
        return log;
    }

    String serverId() {
        return server.serverId();
    }

    String serverName() {
        return server.serverName();
    }

    boolean traceEnabled() {
        return server.options().trace;
    }

    boolean headersSupported() {
        return !server.settings().noHeaderSupport();
    }

    long maxPending() {
        return server.settings().maxPending();
    }

    Duration pingInterval() {
        Duration d = opts.pingInterval != null ? opts.pingInterval : server.settings().pingInterval();
        return d.isZero() || d.isNegative() ? Duration.ofMinutes(2) : d;
    }

    int pingMax() {
        return opts.pingMax > 0 ? opts.pingMax : Math.max(1, server.settings().pingMax());
    }

    boolean authRequired() {
        return opts.username != null && !opts.username.isEmpty();
    }

    long authTimeoutMillis() {
        double s = opts.authTimeoutSeconds > 0 ? opts.authTimeoutSeconds : ClusterOptions.DEFAULT_AUTH_TIMEOUT_SECONDS;
        return (long) (s * 1000);
    }

    /** nats-server's isRouterAuthorized: the cluster user and password (plain or bcrypt), when one is set. */
    boolean routeAuthorized(String user, String pass) {
        if (!authRequired()) {
            return true;
        }
        return opts.username.equals(user) && Passwords.matches(opts.password == null ? "" : opts.password, pass);
    }

    Collection<Account> accounts() {
        return server.accounts().all();
    }

    Account account(String name) {
        return server.accounts().get(name);
    }

    boolean registerConnection(RouteConnection r) {
        if (shuttingDown) {
            return false;
        }
        return registry.register(r.id(), r);
    }

    /** Every registered route's write deadline (the cluster's timer). */
    private void checkWriteDeadlines() {
        Duration d = server.settings().writeDeadline();
        long now = System.nanoTime();
        for (RouteConnection r : byRemoteId.values()) {
            r.outbound.checkWriteDeadline(now, d);
        }
    }

    void slowConsumer(RouteConnection r) {
        r.notice("Slow Consumer Detected: MaxPending of " + maxPending() + " Exceeded");
        r.close("Slow Consumer (Pending Bytes)");
    }

    /**
     * A peer's cluster name differs from ours: a dynamic name gives way to a configured one, or to a greater
     * dynamic one (and the routes made under the old name are dropped), as nats-server negotiates.
     */
    synchronized boolean acceptClusterName(String theirs, boolean theirsDynamic, RouteConnection from) {
        if (theirs.equals(name)) {
            return true;
        }
        if (dynamic && (!theirsDynamic || name.compareTo(theirs) < 0)) {
            name = theirs;
            if (!theirsDynamic) {
                dynamic = false;
            }
            log.notice("Cluster name updated to " + theirs);
            rebuildInfo();
            updateClientUrls();
            for (RouteConnection r : new ArrayList<>(registry.connections())) {
                if (r != from) {
                    r.close("Cluster Name Conflict");
                }
            }
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ INFO and CONNECT

    /** The route INFO, nats-server 2.9's fields in its order. */
    byte[] routeInfo() {
        return routeInfo;
    }

    private synchronized void rebuildInfo() {
        StringBuilder sb = new StringBuilder(512).append("INFO {\"server_id\":");
        Json.quote(sb, server.serverId()).append(",\"server_name\":");
        Json.quote(sb, server.serverName()).append(",\"version\":");
        Json.quote(sb, io.nats4j.server.Version.NATS_SERVER).append(",\"proto\":2,\"go\":");
        Json.quote(sb, server.goVersion()).append(",\"host\":");
        Json.quote(sb, infoHost).append(",\"port\":").append(infoPort)
                .append(",\"headers\":").append(headersSupported());
        if (authRequired()) {
            sb.append(",\"auth_required\":true");
        }
        if (tls != null) {
            sb.append(",\"tls_required\":true,\"tls_verify\":true");
        }
        sb.append(",\"max_payload\":").append(server.settings().maxPayload());
        if (!infoIp.isEmpty()) {
            Json.quote(sb.append(",\"ip\":"), infoIp);
        }
        Json.quote(sb.append(",\"cluster\":"), name);
        if (dynamic) {
            sb.append(",\"cluster_dynamic\":true");
        }
        if (!opts.noAdvertise && !ownClientUrls.isEmpty()) {
            urls(sb.append(",\"connect_urls\":"), ownClientUrls);
        }
        if (lameDuck) {
            sb.append(",\"ldm\":true");
        }
        sb.append("} \r\n"); // nats-server's INFO ends with a space before CRLF
        routeInfo = sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static StringBuilder urls(StringBuilder sb, Collection<String> urls) {
        sb.append('[');
        boolean first = true;
        for (String u : urls) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.quote(sb, u);
        }
        return sb.append(']');
    }

    /** The CONNECT a soliciting route sends: the user and password of the route's URL, our id and cluster. */
    byte[] connectLine(URI url) {
        String user = "";
        String pass = "";
        String ui = url.getRawUserInfo();
        if (ui != null) {
            int c = ui.indexOf(':');
            user = decode(c < 0 ? ui : ui.substring(0, c));
            pass = c < 0 ? "" : decode(ui.substring(c + 1));
        }
        StringBuilder sb = new StringBuilder(256).append("CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false");
        if (!user.isEmpty()) {
            Json.quote(sb.append(",\"user\":"), user);
        }
        if (!pass.isEmpty()) {
            Json.quote(sb.append(",\"pass\":"), pass);
        }
        sb.append(",\"tls_required\":").append(tls != null).append(",\"headers\":").append(headersSupported()).append(",\"name\":");
        Json.quote(sb, server.serverId()).append(",\"cluster\":");
        Json.quote(sb, name).append(",\"dynamic\":").append(dynamic).append("}\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ routes

    /**
     * Registers a route whose INFO arrived; false when the server already has a route to that server id (the
     * caller closes this one). A duplicate we solicited hands its explicit URL to the route that stays, so that
     * the URL is redialed if that route goes.
     */
    boolean addRoute(RouteConnection r, JsonNode info) {
        if (shuttingDown) {
            return false;
        }
        RouteConnection existing = byRemoteId.putIfAbsent(r.remoteId(), r);
        if (existing != null) {
            if (r.reconnectUrl != null && existing.reconnectUrl == null) {
                existing.reconnectUrl = r.reconnectUrl;
            }
            return false;
        }
        String hp = hostPortOf(r.remoteRouteUrl());
        if (hp != null) {
            dialing.add(hp);
        }
        if (byRemoteId.size() > 1) {
            // gossip: the servers we know learn about the new one (they connect to it)
            byte[] forward = forwardedInfo(info, r.remoteRouteUrl());
            for (RouteConnection other : byRemoteId.values()) {
                if (other != r) {
                    other.send(forward);
                }
            }
        }
        updateClientUrls();
        return true;
    }

    /** The new route's INFO as we forward it: its own fields, with "ip" set so that others can dial it. */
    private static byte[] forwardedInfo(JsonNode info, String ip) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = ((com.fasterxml.jackson.databind.node.ObjectNode) info).deepCopy();
        copy.remove("nonce");
        copy.put("ip", ip);
        return ("INFO " + copy + " \r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** An INFO about another server of the cluster (gossip): dial it unless it is known. */
    void implicitRoute(JsonNode info) {
        String id = info.path("server_id").asText();
        if (id.equals(server.serverId()) || byRemoteId.containsKey(id) || shuttingDown) {
            return;
        }
        String ip = info.path("ip").asText("");
        if (ip.isEmpty()) {
            return;
        }
        URI u = URI.create(ip);
        String hp = hostPortOf(ip);
        for (URI e : explicitRoutes) {
            if ((e.getHost() + ":" + e.getPort()).equalsIgnoreCase(hp)) {
                return;
            }
        }
        if (hp == null || !dialing.add(hp)) {
            return;
        }
        if (info.path("auth_required").asBoolean(false) && authRequired()) {
            u = URI.create("nats-route://" + encode(opts.username) + ":" + encode(opts.password == null ? "" : opts.password)
                    + "@" + hp + "/");
        }
        dial(u, false, 0);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String hostPortOf(String url) {
        if (url == null || url.isEmpty()) {
            return null;
        }
        try {
            URI u = URI.create(url);
            return u.getHost() + ":" + u.getPort();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    void routeToSelf(RouteConnection r) {
        // an explicit route to ourselves is dropped, not retried
        r.reconnectUrl = null;
    }

    /** The remote entered lame duck mode: its client URLs leave ours. */
    void remoteLameDuck(RouteConnection r) {
        if (byRemoteId.get(r.remoteId()) == r && lameDuckRemotes.add(r.remoteId())) {
            updateClientUrls();
        }
    }

    private final Set<String> lameDuckRemotes = ConcurrentHashMap.newKeySet();

    /**
     * A registered route's INFO says its server runs JetStream (a Go node of a clustered JetStream): this server
     * takes no part in the meta group; the JetStream API and deliveries cross the routes as any traffic. Logged
     * once per remote server.
     */
    void remoteJetStream(RouteConnection r) {
        if (jetStreamRemotes.add(r.remoteId())) {
            log.notice("Server \"" + r.remoteName() + "\" runs JetStream: this server does not join the JetStream meta "
                    + "group (nats4j has no clustered JetStream); JetStream requests and deliveries are routed to the "
                    + "servers that run it");
        }
    }

    private final Set<String> jetStreamRemotes = ConcurrentHashMap.newKeySet();

    /** A route closed (registered or not): forget it, update clients, redial an explicit URL. */
    void routeClosed(RouteConnection r) {
        registry.unregister(r.id(), r);
        boolean wasRegistered = r.remoteId() != null && byRemoteId.remove(r.remoteId(), r);
        if (wasRegistered) {
            lameDuckRemotes.remove(r.remoteId());
            String hp = hostPortOf(r.remoteRouteUrl());
            if (hp != null) {
                dialing.remove(hp);
            }
            updateClientUrls();
        }
        if (r.solicitedUrl != null && r.reconnectUrl == null) {
            String hp = r.solicitedUrl.getHost() + ":" + r.solicitedUrl.getPort();
            if (!wasRegistered) {
                dialing.remove(hp);
            }
        }
        URI again = r.reconnectUrl;
        if (again != null && !shuttingDown) {
            long delay = RECONNECT_DELAY.toMillis() + ThreadLocalRandom.current().nextInt(100);
            server.listeners().transport().acceptGroup().next().schedule(() -> dial(again, true, 0), delay,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Dials a route; explicit ones retry for ever, implicit ones connect_retries times. */
    private void dial(URI url, boolean explicit, int attempt) {
        if (shuttingDown) {
            return;
        }
        String host = url.getHost();
        int port = url.getPort();
        if (log.isDebugEnabled()) {
            log.debug("Trying to connect to route on " + hostPort(host, port));
        }
        ChannelFuture f = dialer.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                RouteTls t = tls;
                if (t != null) {
                    String name = !explicit && tlsName != null ? tlsName : host;
                    ch.pipeline().addLast(io.nats4j.server.net.Listeners.TLS_HANDLER, t.newClientHandler(ch.alloc(), name, port));
                }
                ch.pipeline().addLast("route", new RouteConnection(Cluster.this, url, explicit));
            }
        }).connect(host, port);
        f.addListener(done -> {
            if (done.isSuccess() || shuttingDown) {
                return;
            }
            int attempts = attempt + 1;
            String msg = "Error trying to connect to route (attempt " + attempts + "): " + describe(done.cause());
            if (attempts == 1 || attempts % 60 == 0) {
                log.error(msg);
            } else if (log.isDebugEnabled()) {
                log.debug(msg);
            }
            if (!explicit && attempts > opts.connectRetries) {
                dialing.remove(host + ":" + port);
                return;
            }
            server.listeners().transport().acceptGroup().next().schedule(() -> dial(url, explicit, attempts),
                    RECONNECT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    /** Accounts that appeared since the routes registered (operator mode, reload) get wired into every route. */
    private void wireNewAccounts() {
        try {
            Collection<Account> all = accounts();
            for (RouteConnection r : byRemoteId.values()) {
                for (Account a : all) {
                    RouteAccount ra = r.accounts.get(a.name());
                    if (ra == null || ra.account != a) {
                        r.channelLoop(() -> {
                            r.wire(a);
                            r.flush();
                        });
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("Route account sweep failed: " + e);
        }
    }

    // ------------------------------------------------------------------ clients' connect_urls

    /** Our client URLs plus those of every registered route (not those of a server in lame duck mode). */
    private synchronized void updateClientUrls() {
        Set<String> all = new LinkedHashSet<>(ownClientUrls);
        if (!opts.noAdvertise) {
            for (RouteConnection r : byRemoteId.values()) {
                if (!lameDuckRemotes.contains(r.remoteId())) {
                    all.addAll(r.connectUrls());
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        Json.quote(sb.append(",\"cluster\":"), name);
        if (dynamic) {
            sb.append(",\"cluster_dynamic\":true");
        }
        if (!opts.noAdvertise && !all.isEmpty()) {
            urls(sb.append(",\"connect_urls\":"), all);
        }
        server.clusterInfoChanged(sb.toString());
    }

    /** nats-server's getConnectURLs: client_advertise, else each non-loopback address when bound to any. */
    static List<String> clientUrls(String advertise, String host, int port) {
        List<String> out = new ArrayList<>();
        if (advertise != null && !advertise.isEmpty()) {
            out.add(advertise.indexOf(':') > 0 && advertise.indexOf(']') < advertise.lastIndexOf(':') ? advertise
                    : hostPort(advertise, port));
            return out;
        }
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                        if (a.isLoopbackAddress() || a.isLinkLocalAddress()) {
                            continue;
                        }
                        if (host.equals("0.0.0.0") && !(a instanceof Inet4Address)) {
                            continue;
                        }
                        out.add(hostPort(a.getHostAddress().replaceAll("%.*$", ""), port));
                    }
                }
            } catch (Exception e) {
                // fall through
            }
            return out;
        }
        out.add(hostPort(host, port));
        return out;
    }

    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    // ------------------------------------------------------------------ lame duck, shutdown

    /** Lame duck mode: the routes learn it (their clients stop being sent to us). */
    public void lameDuck() {
        lameDuck = true;
        rebuildInfo();
        for (RouteConnection r : byRemoteId.values()) {
            r.send(routeInfo);
        }
    }

    /** Stops listening and dialing, closes every route. */
    public void shutdown() {
        shuttingDown = true;
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        if (jsApi != null) {
            jsApi.unwire();
        }
        if (sweep != null) {
            sweep.cancel(false);
        }
        if (listener != null) {
            listener.close();
        }
        if (registry != null) {
            for (RouteConnection r : new ArrayList<>(registry.connections())) {
                r.reconnectUrl = null;
                r.close("Server Shutdown");
            }
        }
    }

    /** For tests and /routez: the route to a server id, or null. */
    public RouteConnection route(String serverId) {
        return byRemoteId.get(serverId);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
