package io.nats4j.server.monitor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.Version;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Sublist;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The monitoring endpoints' content, as nats-server builds it in {@code monitor.go}: field names, nesting,
 * order, units and the error texts of bad parameters. Each method takes the request's query parameters
 * (first value of each) and returns the JSON tree; {@link GoJson} writes it. Used by the HTTP listener and
 * open to embedding applications ({@link NatsServer#monitor()}).
 *
 * <p>Runs on the monitoring listener's thread: it reads connection counters without locks (racy but
 * monotonic values) and never touches a client's event loop.
 */
public final class Monitor {

    /** nats-server's DefaultConnListSize and DefaultSubListSize. */
    public static final int DEFAULT_LIST_SIZE = 1024;

    static final Set<String> SORT_OPTIONS = Set.of("cid", "start", "subs", "pending", "msgs_to", "msgs_from",
            "bytes_to", "bytes_from", "last", "idle", "uptime", "stop", "reason", "rtt");

    private final NatsServer server;
    private final ProcessUsage usage = new ProcessUsage();
    private volatile Supplier<Map<String, Long>> httpReqStats = Map::of;
    private volatile String httpHost = "";
    private volatile int httpPort;

    public Monitor(NatsServer server) {
        this.server = server;
    }

    /** Set by the HTTP listener once bound: its address and request counters appear in /varz. */
    public void attachHttp(String host, int port, Supplier<Map<String, Long>> requestStats) {
        this.httpHost = host;
        this.httpPort = port;
        this.httpReqStats = requestStats;
    }

    // ------------------------------------------------------------------ /varz

    public ObjectNode varz() {
        ServerOptions o = server.options();
        ServerStats st = server.statistics();
        Instant now = Instant.now();
        ObjectNode v = GoJson.object();
        v.put("server_id", server.serverId());
        v.put("server_name", server.serverName());
        v.put("version", Version.NATS_SERVER);
        v.put("proto", Version.PROTO);
        v.put("go", server.goVersion());
        v.put("host", server.infoHost());
        v.put("port", server.port());
        io.nats4j.server.tls.ServerTls tls = server.tls();
        if (server.accounts() != null && server.accounts().authRequired()) {
            v.put("auth_required", true);
        }
        if (tls != null) {
            v.put("tls_required", true);
            if (tls.verify()) {
                v.put("tls_verify", true);
            }
        }
        v.put("max_connections", o.maxConnections);
        if (o.maxSubscriptions > 0) {
            v.put("max_subscriptions", o.maxSubscriptions);
        }
        v.put("ping_interval", o.pingInterval.toNanos());
        v.put("ping_max", o.pingMax);
        v.put("http_host", httpHost);
        boolean secure = o.httpsPort != 0;
        v.put("http_port", secure ? 0 : httpPort);
        v.put("http_base_path", o.httpBasePath == null ? "" : o.httpBasePath);
        v.put("https_port", secure ? httpPort : 0);
        v.put("auth_timeout", seconds(o.authTimeout));
        v.put("max_control_line", o.maxControlLine);
        v.put("max_payload", o.maxPayload);
        v.put("max_pending", o.maxPending);
        ObjectNode cl = v.putObject("cluster");
        io.nats4j.server.cluster.Cluster cluster = server.cluster();
        if (cluster != null) {
            cl.put("name", cluster.name());
            cl.put("addr", o.cluster.host == null || o.cluster.host.isEmpty() ? ServerOptions.DEFAULT_HOST : o.cluster.host);
            cl.put("cluster_port", cluster.port());
            cl.put("auth_timeout", o.cluster.authTimeoutSeconds > 0 ? o.cluster.authTimeoutSeconds
                    : io.nats4j.server.options.ClusterOptions.DEFAULT_AUTH_TIMEOUT_SECONDS);
            if (!o.cluster.routes.isEmpty()) {
                ArrayNode urls = cl.putArray("urls");
                for (String r : o.cluster.routes) {
                    java.net.URI u = java.net.URI.create(r);
                    urls.add(u.getHost() + ":" + u.getPort());
                }
            }
        }
        v.putObject("gateway");
        v.putObject("leaf");
        v.putObject("mqtt");
        v.putObject("websocket");
        ObjectNode jsv = v.putObject("jetstream");
        io.nats4j.server.jetstream.JetStream js = server.jetStream();
        if (js != null) {
            jsConfig(jsv.putObject("config"), js);
            jsStats(jsv.putObject("stats"), js);
        }
        v.put("tls_timeout", seconds(o.tls != null ? o.tls.timeout : io.nats4j.server.tls.TlsOptions.DEFAULT_TIMEOUT));
        v.put("write_deadline", o.writeDeadline.toNanos());
        v.put("start", GoTime.rfc3339Nano(server.startTime()));
        v.put("now", GoTime.rfc3339Nano(now));
        v.put("uptime", GoTime.uptime(Duration.between(server.startTime(), now)));
        v.put("mem", ProcessUsage.residentBytes());
        int cores = Runtime.getRuntime().availableProcessors();
        v.put("cores", cores);
        v.put("gomaxprocs", cores);
        v.put("cpu", usage.cpuPercent());
        v.put("connections", server.connectionCount());
        v.put("total_connections", st.totalConnections.sum());
        v.put("routes", 0);
        v.put("remotes", 0);
        v.put("leafnodes", 0);
        v.put("in_msgs", st.inMsgs.sum());
        v.put("out_msgs", st.outMsgs.sum());
        v.put("in_bytes", st.inBytes.sum());
        v.put("out_bytes", st.outBytes.sum());
        v.put("slow_consumers", st.slowConsumers.sum());
        v.put("subscriptions", subscriptionCount());
        ObjectNode reqs = v.putObject("http_req_stats");
        httpReqStats.get().forEach(reqs::put);
        v.put("config_load_time", GoTime.rfc3339Nano(server.configLoadTime()));
        v.put("config_digest", "");
        io.nats4j.server.auth.OperatorMode om = server.accounts() == null ? null : server.accounts().operatorMode();
        if (om != null && om.pinnedAccountFails() > 0) {
            v.put("pinned_account_fails", om.pinnedAccountFails()); // omitempty, as nats-server
        }
        ObjectNode sc = v.putObject("slow_consumer_stats");
        sc.put("clients", st.slowConsumers.sum());
        sc.put("routes", 0);
        sc.put("gateways", 0);
        sc.put("leafs", 0);
        return v;
    }

    /** Go's float seconds: 2 for 2s, 0.5 for 500ms. */
    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private long subscriptionCount() {
        long n = 0;
        for (Account a : server.accounts().all()) {
            n += a.sublist().count();
        }
        return n;
    }

    // ------------------------------------------------------------------ /connz

    public ObjectNode connz(Map<String, String> q) throws MonitorException {
        String sort = q.getOrDefault("sort", "");
        if (sort.isEmpty()) {
            sort = "cid";
        } else if (!SORT_OPTIONS.contains(sort)) {
            throw new MonitorException("invalid sorting option: " + sort);
        }
        boolean auth = decodeBool(q, "auth");
        boolean subsDetail = "detail".equals(q.getOrDefault("subs", "").toLowerCase(Locale.ROOT));
        boolean subs = !subsDetail && decodeBool(q, "subs");
        int offset = Math.max(0, decodeInt(q, "offset"));
        int limit = decodeInt(q, "limit");
        long cid = decodeUint(q, "cid");
        String state = decodeState(q);
        String user = q.getOrDefault("user", "");
        String acc = q.getOrDefault("acc", "");
        if (limit <= 0) {
            limit = DEFAULT_LIST_SIZE;
        }
        if (sort.equals("stop") && !state.equals("closed")) {
            throw new MonitorException("sort by stop only valid on closed connections");
        }
        if (sort.equals("reason") && !state.equals("closed")) {
            throw new MonitorException("sort by reason only valid on closed connections");
        }
        if (cid > 0) {
            limit = 1;
        }
        Instant now = Instant.now();
        List<ConnSnapshot> open = new ArrayList<>();
        if (!state.equals("closed")) {
            for (ClientConnection c : server.connections()) {
                if (!acc.isEmpty() && (c.account() == null || !c.account().name().equals(acc))) {
                    continue;
                }
                if (c.rttNanos() == 0 && !c.lang().isEmpty()) {
                    c.requestRtt();
                }
                open.add(ConnSnapshot.of(c, null));
            }
        }
        List<ConnSnapshot> closed = state.equals("open") ? List.of() : server.closedConnections().snapshot();
        if (!acc.isEmpty()) {
            closed = closed.stream().filter(s -> s.account().equals(acc)).toList();
        }
        int total = open.size() + closed.size();
        List<ConnSnapshot> all = new ArrayList<>();
        if (cid > 0) {
            closed.stream().filter(s -> s.cid() == cid).findFirst().ifPresentOrElse(all::add,
                    () -> open.stream().filter(s -> s.cid() == cid).findFirst().ifPresent(all::add));
        } else {
            for (ConnSnapshot s : open) {
                if (user.isEmpty() || s.user().equals(user)) {
                    all.add(s);
                }
            }
            for (ConnSnapshot s : closed) {
                if (user.isEmpty() || s.user().equals(user)) {
                    all.add(s);
                }
            }
        }
        all.sort(comparator(sort, now).thenComparingLong(ConnSnapshot::cid));
        int from = Math.min(offset, all.size());
        int to = Math.min(offset + limit, all.size());
        List<ConnSnapshot> page = all.subList(from, to);

        ObjectNode c = GoJson.object();
        c.put("server_id", server.serverId());
        c.put("now", GoTime.rfc3339Nano(now));
        c.put("num_connections", page.size());
        c.put("total", total);
        c.put("offset", offset);
        c.put("limit", limit);
        ArrayNode conns = c.putArray("connections");
        for (ConnSnapshot s : page) {
            conns.add(connInfo(s, now, auth, subs, subsDetail));
        }
        return c;
    }

    private static Comparator<ConnSnapshot> comparator(String sort, Instant now) {
        return switch (sort) {
            case "subs" -> Comparator.comparingInt(ConnSnapshot::numSubs).reversed();
            case "pending" -> Comparator.comparingLong(ConnSnapshot::pendingBytes).reversed();
            case "msgs_to" -> Comparator.comparingLong(ConnSnapshot::outMsgs).reversed();
            case "msgs_from" -> Comparator.comparingLong(ConnSnapshot::inMsgs).reversed();
            case "bytes_to" -> Comparator.comparingLong(ConnSnapshot::outBytes).reversed();
            case "bytes_from" -> Comparator.comparingLong(ConnSnapshot::inBytes).reversed();
            case "last" -> Comparator.comparing(ConnSnapshot::lastActivity).reversed();
            case "idle" -> Comparator.comparing((ConnSnapshot s) -> idle(s, now)).reversed();
            case "uptime" -> Comparator.comparing((ConnSnapshot s) -> uptime(s, now)).reversed();
            case "stop" -> Comparator.comparing((ConnSnapshot s) -> s.stop() == null ? Instant.MIN : s.stop())
                    .reversed();
            case "reason" -> Comparator.comparing((ConnSnapshot s) -> s.reason() == null ? "" : s.reason());
            case "rtt" -> Comparator.comparingLong(ConnSnapshot::rttNanos).reversed();
            default -> Comparator.comparingLong(ConnSnapshot::cid); // cid, start
        };
    }

    private static Duration uptime(ConnSnapshot s, Instant now) {
        return Duration.between(s.start(), s.stop() != null ? s.stop() : now);
    }

    private static Duration idle(ConnSnapshot s, Instant now) {
        return Duration.between(s.lastActivity(), s.stop() != null ? s.stop() : now);
    }

    private static ObjectNode connInfo(ConnSnapshot s, Instant now, boolean auth, boolean subs, boolean detail) {
        ObjectNode ci = GoJson.object();
        ci.put("cid", s.cid());
        ci.put("kind", "Client");
        ci.put("type", "nats");
        ci.put("ip", s.ip());
        ci.put("port", s.port());
        ci.put("start", GoTime.rfc3339Nano(s.start()));
        ci.put("last_activity", GoTime.rfc3339Nano(s.lastActivity()));
        if (s.stop() != null) {
            ci.put("stop", GoTime.rfc3339Nano(s.stop()));
            ci.put("reason", s.reason());
        }
        ci.put("rtt", GoTime.rtt(s.rttNanos()));
        ci.put("uptime", GoTime.uptime(uptime(s, now)));
        ci.put("idle", GoTime.uptime(idle(s, now)));
        ci.put("pending_bytes", s.pendingBytes());
        ci.put("in_msgs", s.inMsgs());
        ci.put("out_msgs", s.outMsgs());
        ci.put("in_bytes", s.inBytes());
        ci.put("out_bytes", s.outBytes());
        ci.put("subscriptions", s.numSubs());
        putIfNotEmpty(ci, "name", s.name());
        putIfNotEmpty(ci, "lang", s.lang());
        putIfNotEmpty(ci, "version", s.version());
        if (auth) {
            putIfNotEmpty(ci, "authorized_user", s.authorizedUser());
        }
        if (auth && !s.account().isEmpty() && !s.account().equals(Account.GLOBAL)) {
            ci.put("account", s.account());
        }
        if (!s.subs().isEmpty()) {
            if (detail) {
                ArrayNode list = ci.putArray("subscriptions_list_detail");
                for (ConnSnapshot.SubDetail d : s.subs()) {
                    list.add(subDetail(d, false));
                }
            } else if (subs) {
                ArrayNode list = ci.putArray("subscriptions_list");
                for (ConnSnapshot.SubDetail d : s.subs()) {
                    list.add(d.subject());
                }
            }
        }
        return ci;
    }

    private static ObjectNode subDetail(ConnSnapshot.SubDetail d, boolean withAccount) {
        ObjectNode n = GoJson.object();
        if (withAccount) {
            putIfNotEmpty(n, "account", d.account());
        }
        n.put("subject", d.subject());
        putIfNotEmpty(n, "qgroup", d.queue());
        n.put("sid", d.sid());
        n.put("msgs", d.msgs());
        if (d.max() != 0) {
            n.put("max", d.max());
        }
        n.put("cid", d.cid());
        return n;
    }

    private static void putIfNotEmpty(ObjectNode n, String key, String value) {
        if (value != null && !value.isEmpty()) {
            n.put(key, value);
        }
    }

    // ------------------------------------------------------------------ /subsz

    public ObjectNode subsz(Map<String, String> q) throws MonitorException {
        boolean subs = decodeBool(q, "subs");
        int offset = Math.max(0, decodeInt(q, "offset"));
        int limit = decodeInt(q, "limit");
        if (limit <= 0) {
            limit = DEFAULT_LIST_SIZE;
        }
        String test = q.getOrDefault("test", "");
        if (!test.isEmpty() && !Subjects.isValidLiteralSubject(test)) {
            throw new MonitorException("invalid test subject, must be valid publish subject: " + test);
        }
        String acc = q.getOrDefault("acc", "");
        long numSubs = 0;
        long numCache = 0;
        long inserts = 0;
        long removes = 0;
        long matches = 0;
        long hits = 0;
        int maxFanout = 0;
        long totalFanout = 0;
        long cacheEntries = 0;
        List<ConnSnapshot.SubDetail> details = new ArrayList<>();
        for (Account a : server.accounts().all()) {
            if (!acc.isEmpty() && !a.name().equals(acc)) {
                continue;
            }
            Sublist sl = a.sublist();
            Sublist.Stats st = sl.stats();
            numSubs += st.numSubs();
            numCache += st.numCache();
            inserts += st.numInserts();
            removes += st.numRemoves();
            matches += st.numMatches();
            hits += st.cacheHits();
            Sublist.Fanout f = sl.fanout();
            maxFanout = Math.max(maxFanout, f.max());
            totalFanout += f.total();
            cacheEntries += f.entries();
            if (subs) {
                for (io.nats4j.server.subject.Subscription s : sl.all()) {
                    if (!test.isEmpty() && !Subjects.subjectMatches(test, s.subject)) {
                        continue;
                    }
                    details.add(ConnSnapshot.SubDetail.of(s, s.owner.id(), a.name()));
                }
            }
        }
        ObjectNode stats = GoJson.object();
        stats.put("num_subscriptions", numSubs);
        stats.put("num_cache", numCache);
        stats.put("num_inserts", inserts);
        stats.put("num_removes", removes);
        stats.put("num_matches", matches);
        stats.put("cache_hit_rate", matches == 0 ? 0.0 : (double) hits / matches);
        stats.put("max_fanout", maxFanout);
        stats.put("avg_fanout", totalFanout == 0 ? 0.0 : (double) totalFanout / cacheEntries);
        int from = Math.min(offset, details.size());
        int to = Math.min(offset + limit, details.size());
        List<ConnSnapshot.SubDetail> page = details.subList(from, to);
        if (page.isEmpty()) {
            return stats; // nats-server answers with the sublist statistics alone
        }
        ObjectNode sz = GoJson.object();
        sz.put("server_id", server.serverId());
        sz.put("now", GoTime.rfc3339Nano(Instant.now()));
        sz.setAll(stats);
        sz.put("total", page.size());
        sz.put("offset", offset);
        sz.put("limit", limit);
        ArrayNode list = sz.putArray("subscriptions_list");
        for (ConnSnapshot.SubDetail d : page) {
            list.add(subDetail(d, true));
        }
        return sz;
    }

    // ------------------------------------------------------------------ features not built yet

    private ObjectNode header() {
        ObjectNode n = GoJson.object();
        n.put("server_id", server.serverId());
        n.put("now", GoTime.rfc3339Nano(Instant.now()));
        return n;
    }

    /** nats-server's /routez: one entry per route, with its subscriptions ({@code subs=1}, {@code subs=detail}). */
    public ObjectNode routez(Map<String, String> q) throws MonitorException {
        boolean detail = "detail".equalsIgnoreCase(q.getOrDefault("subs", ""));
        boolean subs = detail || decodeBool(q, "subs");
        ObjectNode n = header();
        io.nats4j.server.cluster.Cluster cluster = server.cluster();
        java.util.List<io.nats4j.server.cluster.RouteConnection> routes = cluster == null ? new ArrayList<>()
                : new ArrayList<>(cluster.routes());
        routes.sort(java.util.Comparator.comparingLong(io.nats4j.server.cluster.RouteConnection::id));
        n.put("num_routes", routes.size());
        com.fasterxml.jackson.databind.node.ArrayNode arr = n.putArray("routes");
        Instant now = Instant.now();
        for (io.nats4j.server.cluster.RouteConnection r : routes) {
            io.nats4j.server.cluster.RouteConnection.Stats st = r.stats();
            ObjectNode ri = arr.addObject();
            ri.put("rid", r.id());
            ri.put("remote_id", r.remoteId());
            ri.put("did_solicit", r.solicited());
            ri.put("is_configured", r.configured());
            String addr = r.remoteAddress();
            int colon = addr.lastIndexOf(':');
            ri.put("ip", colon < 0 ? addr : addr.substring(0, colon));
            ri.put("port", colon < 0 ? 0 : Integer.parseInt(addr.substring(colon + 1)));
            ri.put("start", GoTime.rfc3339Nano(st.start()));
            ri.put("last_activity", GoTime.rfc3339Nano(Instant.ofEpochMilli(st.lastActivityMillis())));
            ri.put("uptime", GoTime.uptime(Duration.between(st.start(), now)));
            ri.put("idle", GoTime.uptime(Duration.ofMillis(Math.max(0, now.toEpochMilli() - st.lastActivityMillis()))));
            ri.put("pending_size", st.pending());
            ri.put("in_msgs", st.inMsgs());
            ri.put("out_msgs", st.outMsgs());
            ri.put("in_bytes", st.inBytes());
            ri.put("out_bytes", st.outBytes());
            java.util.List<String[]> list = subs ? r.remoteSubscriptions() : List.of();
            ri.put("subscriptions", subs ? list.size() : r.remoteSubscriptionCount());
            if (subs && !list.isEmpty()) {
                com.fasterxml.jackson.databind.node.ArrayNode sl = ri.putArray(detail ? "subscriptions_list_detail"
                        : "subscriptions_list");
                for (String[] s : list) {
                    if (detail) {
                        ObjectNode d = sl.addObject();
                        d.put("account", s[0]);
                        d.put("subject", s[1]);
                        if (s[2] != null) {
                            d.put("qgroup", s[2]);
                        }
                        d.put("sid", s[2] == null ? s[1] : s[1] + " " + s[2]);
                        d.put("msgs", 0);
                        d.put("cid", r.id());
                    } else {
                        sl.add(s[1]);
                    }
                }
            }
        }
        return n;
    }

    /** No gateways yet. */
    public ObjectNode gatewayz(Map<String, String> q) throws MonitorException {
        decodeBool(q, "accs");
        ObjectNode n = header();
        n.putObject("outbound_gateways");
        n.putObject("inbound_gateways");
        return n;
    }

    /** No leaf nodes yet. */
    public ObjectNode leafz(Map<String, String> q) throws MonitorException {
        decodeBool(q, "subs");
        ObjectNode n = header();
        n.put("leafnodes", 0);
        n.putNull("leafs");
        return n;
    }

    /** The accounts, or one account's detail with {@code acc}. */
    public ObjectNode accountz(Map<String, String> q) throws MonitorException {
        String acc = q.getOrDefault("acc", "");
        ObjectNode n = header();
        if (acc.isEmpty()) {
            ArrayNode list = n.putArray("accounts");
            for (Account a : server.accounts().all()) {
                list.add(a.name());
            }
            return n;
        }
        Account a = server.accounts().get(acc);
        if (a == null) {
            throw new MonitorException("Account " + acc + " does not exist");
        }
        ObjectNode d = n.putObject("account_detail");
        d.put("account_name", a.name());
        d.put("update_time", GoTime.rfc3339Nano(server.startTime()));
        d.put("expired", false);
        d.put("complete", true);
        d.put("jetstream_enabled", server.jetStream() != null && server.jetStream().account(a) != null);
        d.put("leafnode_connections", 0);
        d.put("client_connections", a.connectionCount());
        d.put("subscriptions", a.sublist().count());
        d.putObject("mappings");
        d.putArray("exports");
        d.putArray("imports");
        Sublist.Stats st = a.sublist().stats();
        Sublist.Fanout f = a.sublist().fanout();
        ObjectNode sl = d.putObject("sublist_stats");
        sl.put("num_subscriptions", st.numSubs());
        sl.put("num_cache", st.numCache());
        sl.put("num_inserts", st.numInserts());
        sl.put("num_removes", st.numRemoves());
        sl.put("num_matches", st.numMatches());
        sl.put("cache_hit_rate", st.cacheHitRate());
        sl.put("max_fanout", f.max());
        sl.put("avg_fanout", f.average());
        d.putObject("responses");
        return n;
    }

    /** Per-account connection and message statistics ({@code unused=true} lists idle accounts too). */
    public ObjectNode accstatz(Map<String, String> q) throws MonitorException {
        boolean unused = decodeBool(q, "unused");
        ObjectNode n = header();
        ArrayNode list = n.putArray("account_statz");
        for (AccountStat s : accountStats()) {
            if (unused || s.conns() != 0) {
                ObjectNode a = list.addObject();
                a.put("acc", s.account());
                a.put("conns", s.conns());
                a.put("leafnodes", 0);
                a.put("total_conns", s.totalConns());
                ObjectNode sent = a.putObject("sent");
                sent.put("msgs", s.sentMsgs());
                sent.put("bytes", s.sentBytes());
                ObjectNode rcvd = a.putObject("received");
                rcvd.put("msgs", s.receivedMsgs());
                rcvd.put("bytes", s.receivedBytes());
                a.put("slow_consumers", s.slowConsumers());
            }
        }
        return n;
    }

    /**
     * One account's figures: open connections plus everything its closed connections did. "sent" is what
     * the server delivered to the account's clients, "received" what they published.
     */
    public record AccountStat(String account, int conns, long totalConns, int subscriptions, long sentMsgs,
            long sentBytes, long receivedMsgs, long receivedBytes, long slowConsumers) {
    }

    public List<AccountStat> accountStats() {
        List<AccountStat> out = new ArrayList<>();
        List<ClientConnection> conns = new ArrayList<>(server.connections());
        for (Account a : server.accounts().all()) {
            ClosedConnections.AccountTotals t = server.closedConnections().totals(a.name());
            long sentMsgs = t.outMsgs.sum();
            long sentBytes = t.outBytes.sum();
            long rcvdMsgs = t.inMsgs.sum();
            long rcvdBytes = t.inBytes.sum();
            int open = 0;
            for (ClientConnection c : conns) {
                if (c.account() == a) {
                    open++;
                    sentMsgs += c.outMsgs();
                    sentBytes += c.outBytes();
                    rcvdMsgs += c.inMsgs();
                    rcvdBytes += c.inBytes();
                }
            }
            out.add(new AccountStat(a.name(), open, open + t.connections.sum(), a.sublist().count(), sentMsgs,
                    sentBytes, rcvdMsgs, rcvdBytes, t.slowConsumers.sum()));
        }
        return out;
    }

    /** nats-server's JetStreamConfig JSON. */
    private static void jsConfig(ObjectNode c, io.nats4j.server.jetstream.JetStream js) {
        c.put("max_memory", js.maxMemory());
        c.put("max_storage", js.maxStore());
        c.put("store_dir", js.storeDir().toString());
        java.time.Duration sync = js.options().syncInterval;
        if (sync != null && !sync.isZero()) {
            c.put("sync_interval", sync.toNanos());
        } else {
            c.put("sync_always", true); // nats4j's default: every batch is synced before it is acknowledged
        }
        if (js.domain() != null) {
            c.put("domain", js.domain());
        }
        if (js.options().uniqueTag != null && !js.options().uniqueTag.isEmpty()) {
            c.put("unique_tag", js.options().uniqueTag);
        }
    }

    /** nats-server's JetStreamStats JSON (server totals). */
    private static void jsStats(ObjectNode n, io.nats4j.server.jetstream.JetStream js) {
        var mem = io.nats4j.server.jetstream.StreamConfig.StorageType.MEMORY;
        var file = io.nats4j.server.jetstream.StreamConfig.StorageType.FILE;
        n.put("memory", js.usage(mem));
        n.put("storage", js.usage(file));
        n.put("reserved_memory", js.reserved(mem));
        n.put("reserved_storage", js.reserved(file));
        n.put("accounts", js.accounts().size());
        n.put("ha_assets", 0);
        ObjectNode api = n.putObject("api");
        api.put("total", js.api().totalRequests());
        api.put("errors", js.api().errorCount());
    }

    /** nats-server's /jsz: server totals, and per account (streams, config) on request. */
    public ObjectNode jsz(Map<String, String> q) throws MonitorException {
        boolean accounts = decodeBool(q, "accounts");
        boolean streams = decodeBool(q, "streams");
        boolean consumers = decodeBool(q, "consumers");
        boolean config = decodeBool(q, "config");
        decodeBool(q, "leader-only");
        int offset = decodeInt(q, "offset");
        int limit = decodeInt(q, "limit");
        String accFilter = q.getOrDefault("acc", "");
        io.nats4j.server.jetstream.JetStream js = server.jetStream();
        if (js != null) {
            return jszEnabled(js, accounts, streams || consumers, config, Math.max(0, offset), limit == 0 ? 1024 : limit,
                    accFilter);
        }
        ObjectNode n = header();
        n.put("disabled", true);
        ObjectNode cfg = n.putObject("config");
        cfg.put("max_memory", 0);
        cfg.put("max_storage", 0);
        n.put("memory", 0);
        n.put("storage", 0);
        n.put("reserved_memory", 0);
        n.put("reserved_storage", 0);
        n.put("accounts", 0);
        n.put("ha_assets", 0);
        ObjectNode api = n.putObject("api");
        api.put("total", 0);
        api.put("errors", 0);
        n.put("streams", 0);
        n.put("consumers", 0);
        n.put("messages", 0);
        n.put("bytes", 0);
        return n;
    }

    private ObjectNode jszEnabled(io.nats4j.server.jetstream.JetStream js, boolean accounts, boolean streams,
            boolean config, int offset, int limit, String accFilter) {
        ObjectNode n = GoJson.object();
        jsStats(n, js);
        n.put("server_id", server.serverId());
        n.put("now", GoTime.rfc3339Nano(Instant.now()));
        jsConfig(n.putObject("config"), js);
        if (streams && accFilter.isEmpty()) {
            accounts = true;
        }
        List<io.nats4j.server.jetstream.JsAccount> all = new java.util.ArrayList<>(js.accounts());
        all.sort(java.util.Comparator.comparing(io.nats4j.server.jetstream.JsAccount::name));
        int nStreams = 0;
        long msgs = 0;
        long bytes = 0;
        int nConsumers = 0;
        io.nats4j.server.jetstream.JsAccount target = null;
        for (io.nats4j.server.jetstream.JsAccount a : all) {
            if (a.name().equals(accFilter)) {
                target = a;
            }
            for (io.nats4j.server.jetstream.Stream s : a.streams()) {
                var st = s.store().state();
                nStreams++;
                msgs += st.msgs();
                bytes += st.bytes();
                nConsumers += st.consumers();
            }
        }
        n.put("streams", nStreams);
        n.put("consumers", nConsumers);
        n.put("messages", msgs);
        n.put("bytes", bytes);
        List<io.nats4j.server.jetstream.JsAccount> shown;
        if (target != null) {
            shown = List.of(target);
        } else if (accounts) {
            int from = Math.min(offset, all.size());
            shown = all.subList(from, Math.min(all.size(), from + limit));
        } else {
            shown = List.of();
        }
        if (!shown.isEmpty()) {
            var details = n.putArray("account_details");
            for (io.nats4j.server.jetstream.JsAccount a : shown) {
                ObjectNode d = details.addObject();
                d.put("name", a.name());
                d.put("id", a.name());
                d.put("memory", a.usage(io.nats4j.server.jetstream.StreamConfig.StorageType.MEMORY));
                d.put("storage", a.usage(io.nats4j.server.jetstream.StreamConfig.StorageType.FILE));
                d.put("reserved_memory", Math.max(0, a.limits().maxMemory()));
                d.put("reserved_storage", Math.max(0, a.limits().maxStore()));
                d.put("accounts", 0);
                d.put("ha_assets", 0);
                ObjectNode api = d.putObject("api");
                api.put("total", 0);
                api.put("errors", 0);
                if (streams) {
                    var sd = d.putArray("stream_detail");
                    for (io.nats4j.server.jetstream.Stream s : a.streams()) {
                        ObjectNode o = sd.addObject();
                        o.put("name", s.name());
                        long c = s.createdNanos();
                        o.put("created", GoTime.rfc3339Nano(Instant.ofEpochSecond(c / 1_000_000_000L, c % 1_000_000_000L)));
                        o.putObject("cluster").put("leader", server.serverName());
                        if (config) {
                            o.set("config", s.config().toJson());
                        }
                        var st = s.store().state();
                        ObjectNode so = o.putObject("state");
                        so.put("messages", st.msgs());
                        so.put("bytes", st.bytes());
                        so.put("first_seq", st.firstSeq());
                        so.put("last_seq", st.lastSeq());
                        so.put("consumer_count", st.consumers());
                    }
                }
            }
        }
        n.put("total", all.size());
        return n;
    }

    /** {@code {"status":"ok"}} while the server accepts clients. */
    public ObjectNode healthz(Map<String, String> q) throws MonitorException {
        decodeBool(q, "js-enabled");
        decodeBool(q, "js-enabled-only");
        decodeBool(q, "js-server-only");
        ObjectNode n = GoJson.object();
        if (server.isRunning() && !server.isLameDuckMode()) {
            n.put("status", "ok");
        } else {
            n.put("status", "unavailable");
            n.put("error", server.isRunning() ? "server is in lame duck mode" : "server is not running");
        }
        return n;
    }

    // ------------------------------------------------------------------ parameters (nats-server's texts)

    /** Go's strconv.ParseBool; "" is false. */
    static boolean decodeBool(Map<String, String> q, String name) throws MonitorException {
        String s = q.getOrDefault(name, "");
        return switch (s) {
            case "" -> false;
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new MonitorException("Error decoding boolean for '" + name
                    + "': strconv.ParseBool: parsing \"" + s + "\": invalid syntax");
        };
    }

    static int decodeInt(Map<String, String> q, String name) throws MonitorException {
        String s = q.getOrDefault(name, "");
        if (s.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new MonitorException("Error decoding int for '" + name + "': strconv.Atoi: parsing \"" + s
                    + "\": invalid syntax");
        }
    }

    static long decodeUint(Map<String, String> q, String name) throws MonitorException {
        String s = q.getOrDefault(name, "");
        if (s.isEmpty()) {
            return 0;
        }
        try {
            long v = Long.parseUnsignedLong(s);
            if (s.startsWith("+")) {
                throw new NumberFormatException(s);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new MonitorException("Error decoding uint64 for '" + name + "': strconv.ParseUint: parsing \""
                    + s + "\": invalid syntax");
        }
    }

    static String decodeState(Map<String, String> q) throws MonitorException {
        String s = q.getOrDefault("state", "");
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "", "open" -> "open";
            case "closed" -> "closed";
            case "any", "all" -> "any";
            default -> throw new MonitorException("Error decoding state for " + s);
        };
    }
}
