package io.nats4j.server.sys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.Version;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.OperatorMode;
import io.nats4j.server.auth.Permissions;
import io.nats4j.server.auth.SubjectPermission;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.monitor.GoJson;
import io.nats4j.server.monitor.GoTime;
import io.nats4j.server.monitor.Monitor;
import io.nats4j.server.monitor.MonitorException;
import io.nats4j.server.subject.Sublist;
import io.nats4j.server.subject.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * nats-server's system account events and services ({@code server/events.go}), for configuration mode:
 *
 * <ul>
 * <li>events published in the system account: {@code $SYS.ACCOUNT.<acc>.CONNECT} / {@code .DISCONNECT}
 * (accounts other than {@code $G}), {@code $SYS.SERVER.<id>.STATSZ} (a heartbeat while someone listens),
 * {@code .SHUTDOWN}, {@code .LAMEDUCK}, {@code .CLIENT.AUTH.ERR};</li>
 * <li>requests answered to clients of the system account: {@code $SYS.REQ.SERVER.PING[.<X>]},
 * {@code $SYS.REQ.SERVER.<id>.<X>} (STATSZ, IDZ, VARZ, CONNZ, SUBSZ, ROUTEZ, GATEWAYZ, LEAFZ, ACCOUNTZ, JSZ,
 * HEALTHZ), {@code $SYS.REQ.ACCOUNT.<acc>.<X>} (SUBSZ, CONNZ, LEAFZ, JSZ, INFO, STATZ, CONNS),
 * {@code $SYS.REQ.USER.INFO}, {@code $SYS.REQ.SERVER.<id>.KICK}, {@code .LDM}, {@code .RELOAD};</li>
 * <li>in every other account, what nats-server imports from the system account: {@code $SYS.REQ.USER.INFO},
 * {@code $SYS.REQ.SERVER.PING.CONNZ} and {@code $SYS.REQ.ACCOUNT.PING.CONNZ} (that account's connections),
 * {@code $SYS.REQ.ACCOUNT.PING.STATZ} (that account's statistics).</li>
 * </ul>
 *
 * <p>Threading: subscriptions are {@link InternalSubscriber}s; a delivery (on a publishing client's loop)
 * only queues the request on this service's single thread, which builds the answer (with {@link Monitor}'s
 * builders) and publishes it through its {@link InternalClient}. Events from client loops are queued the
 * same way: a client loop never waits for JSON or for another client.
 */
public final class SystemAccountService {

    // subjects (nats-server's events.go)
    static final String CONNECT_EVENT = "$SYS.ACCOUNT.%s.CONNECT";
    static final String DISCONNECT_EVENT = "$SYS.ACCOUNT.%s.DISCONNECT";
    static final String SERVER_STATS = "$SYS.SERVER.%s.STATSZ";
    static final String SHUTDOWN_EVENT = "$SYS.SERVER.%s.SHUTDOWN";
    static final String LAME_DUCK_EVENT = "$SYS.SERVER.%s.LAMEDUCK";
    static final String AUTH_ERROR_EVENT = "$SYS.SERVER.%s.CLIENT.AUTH.ERR";
    static final String SERVER_DIRECT_REQ = "$SYS.REQ.SERVER.%s.%s";
    static final String SERVER_PING_REQ = "$SYS.REQ.SERVER.PING.%s";
    static final String SERVER_STATS_PING = "$SYS.REQ.SERVER.PING";
    static final String ACCOUNT_DIRECT_REQ = "$SYS.REQ.ACCOUNT.%s.%s";
    static final String ACCOUNT_PING_REQ = "$SYS.REQ.ACCOUNT.PING.%s";
    static final String USER_INFO = "$SYS.REQ.USER.INFO";
    static final String USER_DIRECT_INFO = "$SYS.REQ.USER.%s.INFO";
    static final String ACC_CONNS_EVENT_NEW = "$SYS.ACCOUNT.%s.SERVER.CONNS";
    static final String ACC_CONNS_EVENT_OLD = "$SYS.SERVER.ACCOUNT.%s.CONNS";
    // account JWT claim requests (operator mode)
    static final String CLAIMS_UPDATE = "$SYS.REQ.CLAIMS.UPDATE";
    static final String ACC_CLAIMS_UPDATE_NEW = "$SYS.REQ.ACCOUNT.%s.CLAIMS.UPDATE";
    static final String ACC_CLAIMS_UPDATE_OLD = "$SYS.ACCOUNT.%s.CLAIMS.UPDATE";
    static final String ACC_CLAIMS_LOOKUP = "$SYS.REQ.ACCOUNT.%s.CLAIMS.LOOKUP";
    static final String CLAIMS_LIST = "$SYS.REQ.CLAIMS.LIST";
    static final String CLAIMS_DELETE = "$SYS.REQ.CLAIMS.DELETE";
    /** nats-server's eventsHBInterval: account connection counts are repeated this often while non-zero. */
    static final long ACC_CONNS_HEARTBEAT_MS = 30_000;

    // event types
    static final String CONNECT_TYPE = "io.nats.server.advisory.v1.client_connect";
    static final String DISCONNECT_TYPE = "io.nats.server.advisory.v1.client_disconnect";
    static final String ACCOUNT_CONNS_TYPE = "io.nats.server.advisory.v1.account_connections";

    /** nats-server's statsHBInterval, and the first heartbeat delay it starts from (then doubling). */
    static final long STATSZ_MAX_INTERVAL_MS = 10_000;
    static final long STATSZ_FIRST_INTERVAL_MS = 250;

    /** Jackson, created on first use: building an ObjectMapper at start-up costs a fresh JVM ~100 ms. */
    private static final class Lazy {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    private static final List<String> SERVER_SERVICES = List.of("IDZ", "STATSZ", "VARZ", "SUBSZ", "CONNZ", "ROUTEZ",
            "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "JSZ", "HEALTHZ");
    private static final List<String> ACCOUNT_SERVICES = List.of("SUBSZ", "CONNZ", "LEAFZ", "JSZ", "INFO", "STATZ", "CONNS");

    /** A request handler; runs on the service thread. {@code account} is where the request was published. */
    @FunctionalInterface
    interface Handler {
        void handle(Account account, ClientConnection from, String subject, String reply, byte[] headers, byte[] payload);
    }

    private final NatsServer server;
    private final ServerLogger log;
    private final ScheduledExecutorService exec;
    private final InternalClient client;
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong sids = new AtomicLong();
    /** Sublists that carry this service's per-account subscriptions (they survive a reload). Service thread. */
    private final Set<Sublist> wired = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Subscription> subs = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopped;
    private long statszIntervalMs = STATSZ_FIRST_INTERVAL_MS;
    private long lastStatszNanos;
    /** Accounts whose connection-count heartbeat runs. Service thread. */
    private final Set<String> heartbeats = new java.util.HashSet<>();

    public SystemAccountService(NatsServer server) {
        this.server = server;
        this.log = server.logger();
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nats4j-sys-" + server.serverName());
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        this.exec = e;
        this.client = new InternalClient(server.statistics());
    }

    /** Subscribes the services and starts the STATSZ heartbeat. */
    public void start() {
        runSync(() -> {
            Account sys = system();
            if (sys == null) {
                return;
            }
            String id = server.serverId();
            subscribe(sys, SERVER_STATS_PING, this::statszRequest);
            for (String name : SERVER_SERVICES) {
                Handler h = serverHandler(name);
                subscribe(sys, String.format(SERVER_DIRECT_REQ, id, name), h);
                subscribe(sys, String.format(SERVER_PING_REQ, name), h);
            }
            for (String name : ACCOUNT_SERVICES) {
                subscribe(sys, String.format(ACCOUNT_DIRECT_REQ, "*", name), accountHandler(name));
            }
            subscribe(sys, String.format(ACCOUNT_PING_REQ, "STATZ"), (a, c, s, r, h, p) -> accountStatz(null, r, p));
            subscribe(sys, String.format(USER_DIRECT_INFO, "*"), this::userInfo);
            subscribe(sys, String.format(SERVER_DIRECT_REQ, id, "RELOAD"), this::reloadRequest);
            subscribe(sys, String.format(SERVER_DIRECT_REQ, id, "KICK"), this::kickRequest);
            subscribe(sys, String.format(SERVER_DIRECT_REQ, id, "LDM"), this::ldmRequest);
            subscribeClaimRequests(sys);
            wireAccounts(server.accounts());
        });
        exec.schedule(this::statszHeartbeat, statszIntervalMs, TimeUnit.MILLISECONDS);
    }

    /** After a config reload: accounts that are new get their system imports. */
    public void accountsChanged(Accounts accounts) {
        submit(() -> wireAccounts(accounts));
    }

    private void wireAccounts(Accounts accounts) {
        Account sys = accounts.system();
        for (Account a : accounts.all()) {
            if (!wired.add(a.sublist())) {
                continue;
            }
            subscribe(a, USER_INFO, this::userInfo);
            if (a.sublist() == (sys == null ? null : sys.sublist())) {
                continue;
            }
            Handler connz = (acc, c, s, r, h, p) -> zReq(acc, r, p, q -> {
                q.put("acc", acc.name());
                return server.monitor().connz(q);
            }, CONNZ_PARAMS);
            subscribe(a, String.format(ACCOUNT_PING_REQ, "CONNZ"), connz);
            subscribe(a, String.format(SERVER_PING_REQ, "CONNZ"), connz);
            subscribe(a, String.format(ACCOUNT_PING_REQ, "STATZ"), (acc, c, s, r, h, p) -> accountStatz(acc, r, p));
        }
    }

    private void subscribe(Account account, String subject, Handler handler) {
        String accountName = account.name();
        InternalSubscriber owner = new InternalSubscriber() {
            private final long id = -1_000_000_000L - sids.incrementAndGet();

            @Override
            public long id() {
                return id;
            }

            @Override
            public void deliverInternal(Subscription sub, ClientConnection from, String subj, String reply,
                    byte[] headers, byte[] payload) {
                submit(() -> {
                    // the account object may have been replaced by a reload since: look it up by name
                    Account a = server.accounts().get(accountName);
                    handler.handle(a != null ? a : account, from, subj, reply, headers, payload);
                });
            }
        };
        Subscription s = new Subscription(owner, subject, null,
                Long.toString(sids.incrementAndGet()).getBytes(StandardCharsets.US_ASCII));
        account.subscribe(s);
        subs.add(s);
    }

    // ------------------------------------------------------------------ events

    /** A client's CONNECT was accepted (client loop). */
    public void clientConnected(ClientConnection c) {
        Account a = c.account();
        if (stopped || a == null || Account.GLOBAL.equals(a.name())) {
            return;
        }
        accountConnsChanged(a.name());
        if (!hasInterest(String.format(CONNECT_EVENT, a.name()))) {
            return;
        }
        Instant now = Instant.now();
        submit(() -> {
            ObjectNode m = typedEvent(CONNECT_TYPE, now);
            ObjectNode si = m.putObject("server");
            m.set("client", clientInfo(c, a.name(), null));
            publishSys(String.format(CONNECT_EVENT, a.name()), si, m);
        });
    }

    /** A connected client closed (client loop). */
    public void clientClosed(ClientConnection c, ClosedState reason) {
        Account a = c.account();
        if (stopped || a == null || Account.GLOBAL.equals(a.name()) || !hasInterest(String.format(DISCONNECT_EVENT, a.name()))) {
            return;
        }
        Instant now = Instant.now();
        long inMsgs = c.inMsgs();
        long inBytes = c.inBytes();
        long outMsgs = c.outMsgs();
        long outBytes = c.outBytes();
        submit(() -> {
            ObjectNode m = typedEvent(DISCONNECT_TYPE, now);
            ObjectNode si = m.putObject("server");
            m.set("client", clientInfo(c, a.name(), now));
            dataStats(m.putObject("sent"), inMsgs, inBytes);
            dataStats(m.putObject("received"), outMsgs, outBytes);
            m.put("reason", reason.text());
            publishSys(String.format(DISCONNECT_EVENT, a.name()), si, m);
        });
        accountConnsChanged(a.name());
    }

    /**
     * nats-server's accConnsUpdate: the account's connection counts on {@code $SYS.ACCOUNT.<acc>.SERVER.CONNS}
     * (and the older {@code $SYS.SERVER.ACCOUNT.<acc>.CONNS}), on every change and every 30 s while non-zero.
     */
    private void accountConnsChanged(String accName) {
        submit(() -> {
            sendAccountConns(accName, String.format(ACC_CONNS_EVENT_OLD, accName), String.format(ACC_CONNS_EVENT_NEW, accName));
            if (heartbeats.add(accName)) {
                exec.schedule(() -> accountConnsHeartbeat(accName), ACC_CONNS_HEARTBEAT_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void accountConnsHeartbeat(String accName) {
        Account a = server.accounts().get(accName);
        if (stopped || a == null || a.connectionCount() == 0) {
            heartbeats.remove(accName);
            return;
        }
        sendAccountConns(accName, String.format(ACC_CONNS_EVENT_OLD, accName), String.format(ACC_CONNS_EVENT_NEW, accName));
        exec.schedule(() -> accountConnsHeartbeat(accName), ACC_CONNS_HEARTBEAT_MS, TimeUnit.MILLISECONDS);
    }

    /** A client failed authentication (client loop). */
    public void clientAuthError(ClientConnection c) {
        String subject = String.format(AUTH_ERROR_EVENT, server.serverId());
        if (stopped || !hasInterest(subject)) {
            return;
        }
        Instant now = Instant.now();
        Account a = c.account();
        long inMsgs = c.inMsgs();
        long inBytes = c.inBytes();
        submit(() -> {
            ObjectNode m = typedEvent(DISCONNECT_TYPE, now);
            ObjectNode si = m.putObject("server");
            m.set("client", clientInfo(c, a == null ? "N/A" : a.name(), now));
            dataStats(m.putObject("sent"), inMsgs, inBytes);
            dataStats(m.putObject("received"), c.outMsgs(), c.outBytes());
            m.put("reason", ClosedState.AUTHENTICATION_VIOLATION.text());
            publishSys(subject, si, m);
        });
    }

    /** Lame duck mode began: {@code $SYS.SERVER.<id>.LAMEDUCK} with the server info as body. */
    public void lameDuck() {
        submit(() -> {
            ObjectNode si = GoJson.object();
            publishSys(String.format(LAME_DUCK_EVENT, server.serverId()), si, si);
        });
    }

    /**
     * Publishes {@code $SYS.SERVER.<id>.SHUTDOWN} (before the clients are closed), waits up to a second for
     * it to be handed to the receivers, and stops the service.
     */
    public void shutdown() {
        if (stopped) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        try {
            exec.execute(() -> {
                try {
                    ObjectNode si = GoJson.object();
                    publishSys(String.format(SHUTDOWN_EVENT, server.serverId()), si, si);
                } finally {
                    done.countDown();
                }
            });
            done.await(1, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // already stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped = true;
        exec.shutdownNow();
        for (Subscription s : new ArrayList<>(subs)) {
            s.closed = true;
        }
    }

    private boolean hasInterest(String subject) {
        Account sys = system();
        if (sys == null) {
            return false;
        }
        var r = sys.sublist().match(subject);
        return r.psubs.length > 0 || r.qsubs.length > 0;
    }

    private void statszHeartbeat() {
        if (stopped) {
            return;
        }
        try {
            String subject = String.format(SERVER_STATS, server.serverId());
            long now = System.nanoTime();
            // nats-server: at most one broadcast per second, and only when someone listens
            if (hasInterest(subject) && now - lastStatszNanos >= TimeUnit.SECONDS.toNanos(1)) {
                lastStatszNanos = now;
                sendStatsz(subject);
            }
        } catch (RuntimeException e) {
            log.error("Error sending statsz: " + e);
        }
        statszIntervalMs = Math.min(statszIntervalMs * 2, STATSZ_MAX_INTERVAL_MS);
        if (!stopped) {
            try {
                exec.schedule(this::statszHeartbeat, statszIntervalMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException ignored) {
                // stopped meanwhile
            }
        }
    }

    // ------------------------------------------------------------------ requests

    private void statszRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        boolean broadcast = reply == null || reply.isEmpty();
        String to = broadcast ? String.format(SERVER_STATS, server.serverId()) : reply;
        if (msg.length > 0) {
            JsonNode opts;
            try {
                opts = Lazy.MAPPER.readTree(msg);
            } catch (Exception e) {
                ObjectNode resp = GoJson.object();
                ObjectNode si = resp.putObject("server");
                error(resp, 400, jsonError(e));
                publish(a, to, si, resp);
                return;
            }
            if (filtered(opts)) {
                return;
            }
        }
        if (broadcast) {
            lastStatszNanos = System.nanoTime();
        }
        sendStatsz(a, to);
    }

    private void sendStatsz(String subject) {
        sendStatsz(system(), subject);
    }

    private void sendStatsz(Account a, String subject) {
        ObjectNode varz = server.monitor().varz();
        ObjectNode m = GoJson.object();
        ObjectNode si = m.putObject("server");
        ObjectNode st = m.putObject("statsz");
        st.set("start", varz.get("start"));
        st.set("mem", varz.get("mem"));
        st.set("cores", varz.get("cores"));
        st.set("cpu", varz.get("cpu"));
        st.set("connections", varz.get("connections"));
        st.set("total_connections", varz.get("total_connections"));
        int active = 0;
        for (Account acc : server.accounts().all()) {
            if (acc.connectionCount() > 0) {
                active++;
            }
        }
        st.put("active_accounts", active);
        st.set("subscriptions", varz.get("subscriptions"));
        dataStats(st.putObject("sent"), varz.path("out_msgs").asLong(), varz.path("out_bytes").asLong());
        dataStats(st.putObject("received"), varz.path("in_msgs").asLong(), varz.path("in_bytes").asLong());
        st.set("slow_consumers", varz.get("slow_consumers"));
        st.put("active_servers", 1);
        publish(a, subject, si, m);
    }

    /** A monitoring builder that takes nats-server's query parameters. */
    @FunctionalInterface
    interface Builder {
        ObjectNode build(Map<String, String> query) throws MonitorException;
    }

    /** Request JSON field -> monitoring query parameter, per endpoint (nats-server's *Options JSON names). */
    static final Map<String, String> CONNZ_PARAMS = Map.of("sort", "sort", "auth", "auth", "subscriptions", "subs",
            "offset", "offset", "limit", "limit", "cid", "cid", "user", "user", "acc", "acc", "state", "state");
    static final Map<String, String> SUBSZ_PARAMS = Map.of("offset", "offset", "limit", "limit",
            "subscriptions", "subs", "account", "acc", "test", "test");
    static final Map<String, String> ACCOUNTZ_PARAMS = Map.of("account", "acc");
    static final Map<String, String> NO_PARAMS = Map.of();

    private Handler serverHandler(String name) {
        Monitor mon = server.monitor();
        return switch (name) {
            case "STATSZ" -> this::statszRequest;
            case "IDZ" -> (a, c, s, r, h, p) -> {
                if (r == null) {
                    return;
                }
                ObjectNode id = GoJson.object();
                id.put("name", server.serverName());
                id.put("host", server.infoHost());
                id.put("id", server.serverId());
                publishRaw(a, r, id);
            };
            case "VARZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> mon.varz(), NO_PARAMS);
            case "SUBSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::subsz, SUBSZ_PARAMS);
            case "CONNZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::connz, CONNZ_PARAMS);
            case "ROUTEZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::routez, NO_PARAMS);
            case "GATEWAYZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::gatewayz, NO_PARAMS);
            case "LEAFZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::leafz, NO_PARAMS);
            case "ACCOUNTZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::accountz, ACCOUNTZ_PARAMS);
            case "JSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::jsz, NO_PARAMS);
            case "HEALTHZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::healthz, NO_PARAMS);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private Handler accountHandler(String name) {
        Monitor mon = server.monitor();
        return switch (name) {
            case "SUBSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> {
                q.put("subs", "true");
                q.put("acc", accountToken(s));
                return mon.subsz(q);
            }, SUBSZ_PARAMS);
            case "CONNZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> {
                q.put("acc", accountToken(s));
                return mon.connz(q);
            }, CONNZ_PARAMS);
            case "LEAFZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::leafz, NO_PARAMS);
            case "JSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::jsz, NO_PARAMS);
            case "INFO" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> {
                Map<String, String> aq = new HashMap<>();
                aq.put("acc", accountToken(s));
                JsonNode d = mon.accountz(aq).get("account_detail");
                return d == null ? GoJson.object() : (ObjectNode) d;
            }, NO_PARAMS);
            case "STATZ" -> (a, c, s, r, h, p) -> {
                String acc = accountToken(s);
                if (!"PING".equals(acc)) {
                    accountStatz(server.accounts().get(acc) == null ? new Account(acc) : server.accounts().get(acc), r, p);
                }
            };
            case "CONNS" -> (a, c, s, r, h, p) -> accountConns(accountToken(s), r);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The {@code <acc>} of {@code $SYS.REQ.ACCOUNT.<acc>.<X>}. */
    private static String accountToken(String subject) {
        String[] t = subject.split("\\.");
        return t.length == 5 ? t[3] : "";
    }

    /**
     * nats-server's zReq: the payload (if any) is the endpoint's options as JSON plus the server filter
     * ({@code server_name}, {@code host}, {@code cluster}, {@code tags}, {@code domain}); a server the filter
     * excludes stays silent. Answers {@code {"server":{...},"data":{...}}} or {@code "error":{code,description}}.
     */
    private void zReq(Account a, String reply, byte[] msg, Builder builder, Map<String, String> params) {
        if (reply == null || reply.isEmpty()) {
            return;
        }
        ObjectNode resp = GoJson.object();
        ObjectNode si = resp.putObject("server");
        Map<String, String> q = new HashMap<>();
        if (msg.length > 0) {
            JsonNode opts;
            try {
                opts = Lazy.MAPPER.readTree(msg);
            } catch (Exception e) {
                error(resp, 400, jsonError(e));
                publish(a, reply, si, resp);
                return;
            }
            if (filtered(opts)) {
                return;
            }
            toQuery(opts, params, q);
        }
        try {
            ObjectNode data = builder.build(q);
            if (data != null) {
                resp.set("data", data);
            }
        } catch (MonitorException e) {
            error(resp, 500, e.getMessage());
        } catch (SkipReply e) {
            return;
        } catch (RuntimeException e) {
            error(resp, 500, String.valueOf(e.getMessage()));
        }
        publish(a, reply, si, resp);
    }

    /** Thrown by a builder whose answer would be empty: nats-server's errSkipZreq (no reply at all). */
    static final class SkipReply extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SkipReply() {
            super(null, null, false, false);
        }
    }

    private static void toQuery(JsonNode opts, Map<String, String> params, Map<String, String> q) {
        if (!opts.isObject()) {
            return;
        }
        for (Map.Entry<String, String> e : params.entrySet()) {
            JsonNode v = opts.get(e.getKey());
            if (v == null || v.isNull()) {
                continue;
            }
            String param = e.getValue();
            if (param.equals("state") && v.isNumber()) {
                q.put(param, switch (v.asInt()) {
                    case 1 -> "closed";
                    case 2 -> "all";
                    default -> "open";
                });
            } else {
                q.put(param, v.asText());
            }
        }
        if (params == CONNZ_PARAMS && opts.path("subscriptions_detail").asBoolean(false)) {
            q.put("subs", "detail");
        }
    }

    /** True when the request's server filter excludes this server (nats-server's filterRequest). */
    private boolean filtered(JsonNode opts) {
        String name = opts.path("server_name").asText("");
        if (!name.isEmpty() && !server.serverName().contains(name)) {
            return true;
        }
        String host = opts.path("host").asText("");
        if (!host.isEmpty() && !server.infoHost().contains(host)) {
            return true;
        }
        if (!opts.path("cluster").asText("").isEmpty()) {
            return true; // no cluster name: nothing contains a non-empty filter
        }
        JsonNode tags = opts.get("tags");
        if (tags != null && tags.isArray() && !tags.isEmpty()) {
            return true; // no server tags yet
        }
        return !opts.path("domain").asText("").isEmpty();
    }

    /** {@code $SYS.REQ.ACCOUNT.PING.STATZ} / {@code .<acc>.STATZ}: null account = every account. */
    private void accountStatz(Account only, String reply, byte[] msg) {
        Account target = only == null ? system() : server.accounts().get(only.name());
        zReq(target == null ? system() : target, reply, msg, q -> {
            boolean unused = "true".equals(q.get("unused"));
            ObjectNode all = server.monitor().accstatz(Map.of("unused", "true"));
            ArrayNode list = (ArrayNode) all.get("account_statz");
            ArrayNode keep = Lazy.MAPPER.createArrayNode();
            for (JsonNode n : list) {
                boolean match = only == null || only.name().equals(n.path("acc").asText());
                if (match && (unused || n.path("conns").asInt() != 0)) {
                    keep.add(n);
                }
            }
            if (keep.isEmpty() && !unused) {
                throw new SkipReply();
            }
            all.set("account_statz", keep);
            return all;
        }, Map.of("include_unused", "unused"));
    }

    /** {@code $SYS.REQ.ACCOUNT.<acc>.CONNS}: the account's local connection counts, when it has any. */
    private void accountConns(String accName, String reply) {
        Account acc = server.accounts().get(accName);
        if (acc == null || acc.connectionCount() == 0 || reply == null || reply.isEmpty()) {
            return;
        }
        sendAccountConns(accName, reply);
    }

    /** nats-server's AccountNumConns event, published on each of {@code subjects} that someone listens to. */
    private void sendAccountConns(String accName, String... subjects) {
        List<String> to = new ArrayList<>();
        for (String s : subjects) {
            if (hasInterest(s) || s.startsWith("_") || !s.startsWith("$SYS.")) {
                to.add(s);
            }
        }
        if (to.isEmpty()) {
            return;
        }
        ObjectNode m = typedEvent(ACCOUNT_CONNS_TYPE, Instant.now());
        ObjectNode si = m.putObject("server");
        for (Monitor.AccountStat s : server.monitor().accountStats()) {
            if (s.account().equals(accName)) {
                m.put("acc", accName);
                m.put("name", "");
                m.put("conns", s.conns());
                m.put("leafnodes", 0);
                m.put("total_conns", s.conns());
                m.put("num_subscriptions", s.subscriptions());
                dataStats(m.putObject("sent"), s.sentMsgs(), s.sentBytes());
                dataStats(m.putObject("received"), s.receivedMsgs(), s.receivedBytes());
                m.put("slow_consumers", s.slowConsumers());
            }
        }
        if (!m.has("acc")) {
            m.put("acc", accName);
            m.put("conns", 0);
            m.put("leafnodes", 0);
            m.put("total_conns", 0);
        }
        for (String subject : to) {
            publish(system(), subject, si, m);
        }
    }

    /** {@code $SYS.REQ.USER.INFO}: who the requesting client is, in which account, with which permissions. */
    private void userInfo(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        if (reply == null || reply.isEmpty()) {
            return;
        }
        ObjectNode resp = GoJson.object();
        ObjectNode si = resp.putObject("server");
        if (from == null) {
            error(resp, 400, "");
        } else {
            ObjectNode d = resp.putObject("data");
            d.put("user", from.user() == null ? from.connectUser() : from.user());
            d.put("account", from.account() == null ? a.name() : from.account().name());
            Permissions p = from.permissions();
            if (p != null) {
                d.set("permissions", permissionsJson(p));
            }
        }
        publish(a, reply, si, resp);
    }

    static ObjectNode permissionsJson(Permissions p) {
        ObjectNode n = GoJson.object();
        subjectPermission(n, "publish", p.publish());
        subjectPermission(n, "subscribe", p.subscribe());
        if (p.response() != null) {
            ObjectNode r = n.putObject("responses");
            r.put("max", p.response().maxMsgs());
            r.put("ttl", p.response().expires() == null ? 0 : p.response().expires().toNanos());
        }
        return n;
    }

    private static void subjectPermission(ObjectNode parent, String key, SubjectPermission sp) {
        if (sp == null) {
            return;
        }
        ObjectNode n = parent.putObject(key);
        if (sp.allow() != null && !sp.allow().isEmpty()) {
            ArrayNode a = n.putArray("allow");
            sp.allow().forEach(a::add);
        }
        if (sp.deny() != null && !sp.deny().isEmpty()) {
            ArrayNode d = n.putArray("deny");
            sp.deny().forEach(d::add);
        }
    }

    /**
     * Operator mode: account JWT claim updates on {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE} (and the older
     * {@code $SYS.ACCOUNT.<acc>.CLAIMS.UPDATE}); with the full resolver also {@code $SYS.REQ.CLAIMS.UPDATE}
     * and {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.LOOKUP} (nats-server's DirAccResolver.Start and, for MEMORY,
     * its accountClaimUpdate).
     */
    private void subscribeClaimRequests(Account sys) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null) {
            return;
        }
        subscribe(sys, String.format(ACC_CLAIMS_UPDATE_NEW, "*"), (a, c, s, r, h, p) -> claimUpdate(a, s, 3, r, p));
        subscribe(sys, String.format(ACC_CLAIMS_UPDATE_OLD, "*"), (a, c, s, r, h, p) -> claimUpdate(a, s, 2, r, p));
        if (om.fullResolver() || om.cacheResolver()) {
            subscribe(sys, CLAIMS_UPDATE, (a, c, s, r, h, p) -> claimUpdate(a, null, -1, r, p));
            if (om.fullResolver()) {
                subscribe(sys, String.format(ACC_CLAIMS_LOOKUP, "*"), this::claimLookup);
            }
            subscribe(sys, CLAIMS_LIST, this::claimList);
            subscribe(sys, CLAIMS_DELETE, this::claimDelete);
        }
    }

    /** {@code $SYS.REQ.CLAIMS.LIST}: {@code {"data":[account public keys],"server":{...}}}. */
    private void claimList(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null || reply == null || reply.isEmpty()) {
            return;
        }
        java.util.List<String> keys;
        try {
            keys = om.listAccounts();
        } catch (java.io.IOException | RuntimeException e) {
            log.error("list request error: " + e.getMessage()); // nats-server lets the requester time out
            return;
        }
        log.debug("list request responded with " + keys.size() + " account ids");
        ObjectNode resp = GoJson.object();
        ArrayNode data = resp.putArray("data");
        keys.forEach(data::add);
        ObjectNode si = resp.putObject("server");
        publish(a, reply, si, resp);
    }

    /** {@code $SYS.REQ.CLAIMS.DELETE}: an operator-signed generic JWT naming the accounts to delete. */
    private void claimDelete(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null) {
            return;
        }
        Account sys = server.accounts().system();
        respondToUpdate(a, reply, om.claimDelete(new String(msg, StandardCharsets.UTF_8), sys == null ? null : sys.name()));
    }

    /** {@code accountToken}: which subject token names the account (-1: the JWT's subject decides). */
    private void claimUpdate(Account a, String subject, int accountToken, String reply, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null) {
            return;
        }
        String account = null;
        if (accountToken >= 0) {
            String[] tokens = subject.split("\\.");
            account = tokens.length > accountToken ? tokens[accountToken] : "";
        }
        respondToUpdate(a, reply, om.claimUpdate(account, new String(msg, StandardCharsets.UTF_8)));
    }

    /** nats-server's respondToUpdate: logs the outcome and answers {@code data} or {@code error}. */
    private void respondToUpdate(Account a, String reply, OperatorMode.ClaimUpdate u) {
        String acc = u.account() == null ? "" : u.account();
        if (u.ok()) {
            log.debug(acc.isEmpty() ? u.message() : u.message() + " - " + acc);
        } else {
            log.error(acc.isEmpty() ? u.description() : u.message() + " - " + acc + " - " + u.error());
        }
        if (reply == null || reply.isEmpty()) {
            return;
        }
        ObjectNode resp = GoJson.object();
        ObjectNode body = resp.putObject(u.ok() ? "data" : "error");
        if (!acc.isEmpty()) {
            body.put("account", acc);
        }
        body.put("code", u.ok() ? 200 : 500);
        if (u.ok()) {
            body.put("message", u.message());
        } else {
            body.put("description", u.description());
        }
        ObjectNode si = resp.putObject("server");
        publish(a, reply, si, resp);
    }

    /** {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.LOOKUP}: the stored JWT as the payload, empty when unknown. */
    private void claimLookup(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        String[] tokens = subject.split("\\.");
        if (om == null || reply == null || reply.isEmpty() || tokens.length != 6) {
            return;
        }
        String jwt = om.lookupJwt(tokens[3]);
        if (jwt == null) {
            log.debug("DirResolver - Could not find account \"" + tokens[3] + "\"");
        }
        try {
            client.publish(a, reply, null, null, jwt == null ? new byte[0] : jwt.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            log.error("Error publishing on \"" + reply + "\": " + e.getMessage());
        }
    }

    private void reloadRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        zReq(a, reply, msg, q -> {
            try {
                server.reload();
            } catch (Exception e) {
                throw new MonitorException(e.getMessage());
            }
            return null;
        }, NO_PARAMS, true);
    }

    private void kickRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        clientActionRequest(a, reply, msg, "kick", server::kickClient, "no such client or leafnode id");
    }

    private void ldmRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        clientActionRequest(a, reply, msg, "ldm", server::lameDuckClient, "no such client id");
    }

    /** KICK and LDM: act on the client named by {@code cid}, answering {@code notFound} when there is none. */
    private void clientActionRequest(Account a, String reply, byte[] msg, String what,
            java.util.function.LongPredicate action, String notFound) {
        long cid = cidOf(msg, what);
        if (cid < 0) {
            return;
        }
        zReq(a, reply, msg, q -> {
            if (!action.test(cid)) {
                throw new MonitorException(notFound);
            }
            return null;
        }, NO_PARAMS, true);
    }

    /** The {@code cid} of a KICK/LDM request; -1 (logged, no reply) when the JSON is bad, as nats-server. */
    private long cidOf(byte[] msg, String what) {
        try {
            JsonNode n = Lazy.MAPPER.readTree(msg);
            return n == null ? 0 : n.path("cid").asLong(0);
        } catch (Exception e) {
            log.error("Error unmarshalling " + what + " client request: " + jsonError(e));
            return -1;
        }
    }

    /** zReq for actions without data: success is {@code {"server":{...}}}. */
    private void zReq(Account a, String reply, byte[] msg, Builder action, Map<String, String> params, boolean noData) {
        if (reply == null || reply.isEmpty()) {
            // nats-server still performs the action, it just cannot answer
            try {
                action.build(new HashMap<>());
            } catch (MonitorException e) {
                log.error(e.getMessage());
            }
            return;
        }
        zReq(a, reply, msg, action, params);
    }

    // ------------------------------------------------------------------ JSON pieces

    private ObjectNode typedEvent(String type, Instant time) {
        ObjectNode m = GoJson.object();
        m.put("type", type);
        m.put("id", Nuid.next());
        m.put("timestamp", GoTime.rfc3339Nano(time));
        return m;
    }

    /** nats-server's ClientInfo for events (empty fields omitted, as its omitempty tags do). */
    private ObjectNode clientInfo(ClientConnection c, String account, Instant stop) {
        ObjectNode n = GoJson.object();
        n.put("start", GoTime.rfc3339Nano(c.startTime()));
        putNonEmpty(n, "host", c.remoteIp());
        n.put("id", c.id());
        n.put("acc", account);
        String user = c.connectOptions() == null ? null
                : c.connectOptions().nkey != null && !c.connectOptions().nkey.isEmpty() ? c.connectOptions().nkey
                : c.connectOptions().user;
        putNonEmpty(n, "user", user);
        putNonEmpty(n, "name", c.name());
        putNonEmpty(n, "lang", c.lang());
        putNonEmpty(n, "ver", c.clientVersion());
        if (stop != null && c.rttNanos() > 0) {
            n.put("rtt", c.rttNanos());
        }
        if (stop != null) {
            n.put("stop", GoTime.rfc3339Nano(stop));
        }
        if (c.user() != null && !Account.GLOBAL.equals(account)) {
            n.put("issuer_key", account);
        }
        n.put("kind", "Client");
        n.put("client_type", "nats");
        return n;
    }

    private static void putNonEmpty(ObjectNode n, String key, String v) {
        if (v != null && !v.isEmpty()) {
            n.put(key, v);
        }
    }

    private static void dataStats(ObjectNode n, long msgs, long bytes) {
        n.put("msgs", msgs);
        n.put("bytes", bytes);
    }

    private static void error(ObjectNode resp, int code, String description) {
        ObjectNode e = resp.putObject("error");
        e.put("code", code);
        if (description != null && !description.isEmpty()) {
            e.put("description", description);
        }
    }

    private static String jsonError(Exception e) {
        String m = e.getMessage();
        int nl = m == null ? -1 : m.indexOf('\n');
        return m == null ? e.getClass().getSimpleName() : nl > 0 ? m.substring(0, nl) : m;
    }

    /** Fills nats-server's ServerInfo block (name, host, id, ver, jetstream, flags, seq, time). */
    private void fillServerInfo(ObjectNode si) {
        si.removeAll();
        si.put("name", server.serverName());
        si.put("host", server.infoHost());
        si.put("id", server.serverId());
        si.put("ver", Version.NATS_SERVER);
        si.put("jetstream", false);
        si.put("flags", 0);
        si.put("seq", seq.incrementAndGet());
        si.put("time", GoTime.rfc3339Nano(Instant.now()));
    }

    private void publishSys(String subject, ObjectNode si, ObjectNode msg) {
        publish(system(), subject, si, msg);
    }

    /** Service thread: stamps the server info block, then publishes {@code msg} as compact JSON. */
    private void publish(Account a, String subject, ObjectNode si, ObjectNode msg) {
        if (si != null) {
            fillServerInfo(si);
        }
        publishRaw(a, subject, msg);
    }

    private void publishRaw(Account a, String subject, ObjectNode msg) {
        if (a == null) {
            return;
        }
        try {
            client.publish(a, subject, null, null, GoJson.compact(msg).getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            log.error("Error publishing on \"" + subject + "\": " + e.getMessage());
        }
    }

    /**
     * Publishes {@code payload} on {@code subject} in {@code account} from the service thread (any caller
     * thread; returns at once). For server components that announce things.
     */
    public void publish(Account account, String subject, byte[] payload) {
        submit(() -> client.publish(account, subject, null, null, payload));
    }

    private Account system() {
        return server.accounts().system();
    }

    private void submit(Runnable r) {
        if (stopped) {
            return;
        }
        try {
            exec.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("System account service error: " + e);
                }
            });
        } catch (RejectedExecutionException ignored) {
            // shutting down
        }
    }

    private void runSync(Runnable r) {
        CountDownLatch done = new CountDownLatch(1);
        submit(() -> {
            try {
                r.run();
            } finally {
                done.countDown();
            }
        });
        try {
            done.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: runs everything queued so far, then returns. */
    public void drain() {
        runSync(() -> { });
    }

    ExecutorService executor() {
        return exec;
    }
}
