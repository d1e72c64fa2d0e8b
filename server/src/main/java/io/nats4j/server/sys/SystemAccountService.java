package io.nats4j.server.sys;

import static io.nats4j.server.sys.SysJson.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.Version;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.monitor.GoJson;
import io.nats4j.server.monitor.GoTime;
import io.nats4j.server.monitor.Monitor;
import io.nats4j.server.subject.Sublist;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
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
public final class SystemAccountService extends InternalService {

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
    static final class Lazy {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    private static final List<String> SERVER_SERVICES = List.of("IDZ", "STATSZ", "VARZ", "SUBSZ", "CONNZ", "ROUTEZ",
            "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "JSZ", "HEALTHZ");
    private static final List<String> ACCOUNT_SERVICES = List.of("SUBSZ", "CONNZ", "LEAFZ", "JSZ", "INFO", "STATZ", "CONNS");

    private final AtomicLong seq = new AtomicLong();
    /** Sublists that carry this service's per-account subscriptions (they survive a reload). Service thread. */
    private final Set<Sublist> wired = Collections.newSetFromMap(new IdentityHashMap<>());
    private long statszIntervalMs = STATSZ_FIRST_INTERVAL_MS;
    private long lastStatszNanos;
    /** Accounts whose connection-count heartbeat runs. Service thread. */
    private final Set<String> heartbeats = new java.util.HashSet<>();

    private final SystemRequests requests;
    private final ClaimRequests claims;

    public SystemAccountService(NatsServer server) {
        super(server, "sys", DEFAULT_MAX_QUEUED);
        this.requests = new SystemRequests(this);
        this.claims = new ClaimRequests(this);
    }

    /** Subscribes the services and starts the STATSZ heartbeat. */
    public void start() {
        runSync(() -> {
            Account sys = system();
            if (sys == null) {
                return;
            }
            String id = server.serverId();
            subscribe(sys, SERVER_STATS_PING, requests::statszRequest);
            for (String name : SERVER_SERVICES) {
                Handler h = requests.serverHandler(name);
                subscribe(sys, String.format(SERVER_DIRECT_REQ, id, name), h);
                subscribe(sys, String.format(SERVER_PING_REQ, name), h);
            }
            for (String name : ACCOUNT_SERVICES) {
                subscribe(sys, String.format(ACCOUNT_DIRECT_REQ, "*", name), requests.accountHandler(name));
            }
            subscribe(sys, String.format(ACCOUNT_PING_REQ, "STATZ"), (a, c, s, r, h, p) -> requests.accountStatz(null, r, p));
            subscribe(sys, String.format(USER_DIRECT_INFO, "*"), requests::userInfo);
            subscribe(sys, String.format(SERVER_DIRECT_REQ, id, "RELOAD"), requests::reloadRequest);
            subscribe(sys, String.format(SERVER_DIRECT_REQ, id, "KICK"), requests::kickRequest);
            subscribe(sys, String.format(SERVER_DIRECT_REQ, id, "LDM"), requests::ldmRequest);
            claims.subscribeClaimRequests(sys);
            wireAccounts(server.accounts());
        });
        schedule(this::statszHeartbeat, statszIntervalMs, TimeUnit.MILLISECONDS);
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
            subscribe(a, USER_INFO, requests::userInfo);
            if (a.sublist() == (sys == null ? null : sys.sublist())) {
                continue;
            }
            Handler connz = (acc, c, s, r, h, p) -> requests.zReq(acc, r, p, q -> {
                q.put("acc", acc.name());
                return server.monitor().connz(q);
            }, SystemRequests.CONNZ_PARAMS);
            subscribe(a, String.format(ACCOUNT_PING_REQ, "CONNZ"), connz);
            subscribe(a, String.format(SERVER_PING_REQ, "CONNZ"), connz);
            subscribe(a, String.format(ACCOUNT_PING_REQ, "STATZ"), (acc, c, s, r, h, p) -> requests.accountStatz(acc, r, p));
        }
    }

    // ------------------------------------------------------------------ events

    /** A client's CONNECT was accepted (client loop). */
    public void clientConnected(ClientConnection c) {
        Account a = c.account();
        if (stopped() || a == null || Account.GLOBAL.equals(a.name())) {
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
        if (stopped() || a == null || Account.GLOBAL.equals(a.name()) || !hasInterest(String.format(DISCONNECT_EVENT, a.name()))) {
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
                schedule(() -> accountConnsHeartbeat(accName), ACC_CONNS_HEARTBEAT_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void accountConnsHeartbeat(String accName) {
        Account a = server.accounts().get(accName);
        if (stopped() || a == null || a.connectionCount() == 0) {
            heartbeats.remove(accName);
            return;
        }
        sendAccountConns(accName, String.format(ACC_CONNS_EVENT_OLD, accName), String.format(ACC_CONNS_EVENT_NEW, accName));
        schedule(() -> accountConnsHeartbeat(accName), ACC_CONNS_HEARTBEAT_MS, TimeUnit.MILLISECONDS);
    }

    /** A client failed authentication (client loop). */
    public void clientAuthError(ClientConnection c) {
        String subject = String.format(AUTH_ERROR_EVENT, server.serverId());
        if (stopped() || !hasInterest(subject)) {
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
        stop(() -> {
            ObjectNode si = GoJson.object();
            publishSys(String.format(SHUTDOWN_EVENT, server.serverId()), si, si);
        }, 1, TimeUnit.SECONDS);
    }

    /** A STATSZ broadcast was just answered: the heartbeat waits a second from now. Service thread. */
    void statszSent() {
        lastStatszNanos = System.nanoTime();
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
        if (stopped()) {
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
        schedule(this::statszHeartbeat, statszIntervalMs, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ requests

    void sendStatsz(String subject) {
        sendStatsz(system(), subject);
    }

    void sendStatsz(Account a, String subject) {
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

    /** {@code $SYS.REQ.ACCOUNT.<acc>.CONNS}: the account's local connection counts, when it has any. */
    void accountConns(String accName, String reply) {
        Account acc = server.accounts().get(accName);
        if (acc == null || acc.connectionCount() == 0 || reply == null || reply.isEmpty()) {
            return;
        }
        sendAccountConns(accName, reply);
    }

    /** nats-server's AccountNumConns event, published on each of {@code subjects} that someone listens to. */
    void sendAccountConns(String accName, String... subjects) {
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

    // ------------------------------------------------------------------ JSON pieces

    ObjectNode typedEvent(String type, Instant time) {
        ObjectNode m = GoJson.object();
        m.put("type", type);
        m.put("id", Nuid.next());
        m.put("timestamp", GoTime.rfc3339Nano(time));
        return m;
    }

    /** nats-server's ClientInfo for events (empty fields omitted, as its omitempty tags do). */
    ObjectNode clientInfo(ClientConnection c, String account, Instant stop) {
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

    /** Fills nats-server's ServerInfo block (name, host, id, ver, jetstream, flags, seq, time). */
    void fillServerInfo(ObjectNode si) {
        si.removeAll();
        si.put("name", server.serverName());
        si.put("host", server.infoHost());
        si.put("id", server.serverId());
        io.nats4j.server.jetstream.JetStream js = server.jetStream();
        if (js != null && js.domain() != null) {
            si.put("domain", js.domain());
        }
        si.put("ver", Version.NATS_SERVER);
        // nats-server 2.10: JetStreamEnabled (1) and BinaryStreamSnapshot (2) when JetStream is on
        si.put("jetstream", js != null);
        si.put("flags", js != null ? 3 : 0);
        si.put("seq", seq.incrementAndGet());
        si.put("time", GoTime.rfc3339Nano(Instant.now()));
    }

    void publishSys(String subject, ObjectNode si, ObjectNode msg) {
        publish(system(), subject, si, msg);
    }

    /** Service thread: stamps the server info block, then publishes {@code msg} as compact JSON. */
    void publish(Account a, String subject, ObjectNode si, ObjectNode msg) {
        if (si != null) {
            fillServerInfo(si);
        }
        publishRaw(a, subject, msg);
    }

    void publishRaw(Account a, String subject, ObjectNode msg) {
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

    Account system() {
        return server.accounts().system();
    }
}
