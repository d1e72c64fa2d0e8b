package io.nats4j.server.monitor;

import static io.nats4j.server.monitor.MonitorParams.decodeBool;
import static io.nats4j.server.monitor.MonitorParams.decodeInt;


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
import java.util.List;
import java.util.Map;
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

    private final NatsServer server;
    private final Connz connz;
    private final Jsz jsz;
    private final ProcessUsage usage = new ProcessUsage();
    private volatile Supplier<Map<String, Long>> httpReqStats = Map::of;
    private volatile String httpHost = "";
    private volatile int httpPort;

    public Monitor(NatsServer server) {
        this.server = server;
        this.connz = new Connz(server);
        this.jsz = new Jsz(server);
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
            Jsz.jsConfig(jsv.putObject("config"), js);
            Jsz.jsStats(jsv.putObject("stats"), js);
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
            list.add(Connz.subDetail(d, true));
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

    // ------------------------------------------------------------------ /connz, /jsz (beside this class)

    public ObjectNode connz(Map<String, String> q) throws MonitorException {
        return connz.connz(q);
    }

    /** nats-server's /jsz: server totals, and per account (streams, config) on request. */
    public ObjectNode jsz(Map<String, String> q) throws MonitorException {
        return jsz.jsz(q);
    }
}
