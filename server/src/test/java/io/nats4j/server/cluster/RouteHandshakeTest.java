package io.nats4j.server.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.testsupport.RawClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The route port through a raw socket: bad handshakes get nats-server 2.9's -ERR and log lines (compared with
 * the reference server by hand: the same inputs against nats-server give the same bytes and lines), and a
 * well-behaved peer speaks RS+/RS-/RMSG/PING with it.
 */
class RouteHandshakeTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    /** Every line a server logs, with its level; debug lines only when asked for. */
    static final class Lines implements ServerLogger {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final boolean debug;

        Lines() {
            this(false);
        }

        Lines(boolean debug) {
            this.debug = debug;
        }

        public void notice(String m) {
            lines.add("INF " + m);
        }

        public void warn(String m) {
            lines.add("WRN " + m);
        }

        public void error(String m) {
            lines.add("ERR " + m);
        }

        public void fatal(String m) {
            lines.add("FTL " + m);
        }

        public void debug(String m) {
            lines.add("DBG " + m);
        }

        public void trace(String m) {
            lines.add("TRC " + m);
        }

        public boolean isDebugEnabled() {
            return debug;
        }

        public boolean isTraceEnabled() {
            return false;
        }

        boolean has(String level, String suffix) {
            return lines.stream().anyMatch(l -> l.startsWith(level + " ") && l.endsWith(suffix));
        }
    }

    private final Lines log = new Lines();
    private NatsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(boolean auth) throws Exception {
        return start(auth, 0);
    }

    private int start(boolean auth, long maxPending) throws Exception {
        return start(auth, maxPending, null);
    }

    private int start(boolean auth, long maxPending, Duration writeDeadline) throws Exception {
        ServerOptions o = new ServerOptions();
        if (writeDeadline != null) {
            o.writeDeadline = writeDeadline;
        }
        if (maxPending > 0) {
            o.maxPending = maxPending;
            o.maxPayload = (int) Math.min(o.maxPayload, maxPending);
        }
        o.host = "127.0.0.1";
        o.port = 0;
        o.cluster.name = "c1";
        o.cluster.host = "127.0.0.1";
        o.cluster.port = -1;
        if (auth) {
            o.cluster.username = "ru";
            o.cluster.password = "rp";
            o.cluster.authTimeoutSeconds = 0.5;
        }
        server = new NatsServer(o, log);
        server.start();
        return server.cluster().port();
    }

    private RawClient route(int port) throws Exception {
        RawClient r = RawClient.open(port, 0);
        assertTrue(r.info().contains("\"cluster\":\"c1\""), r.info());
        return r;
    }

    @Test
    void badHandshakesGetNatsServersErrorsAndLogs() throws Exception {
        int port = start(true);
        try (RawClient r = route(port)) {
            assertTrue(r.info().contains("\"auth_required\":true"), r.info());
            r.send("PING\r\n").expect("-ERR 'Authorization Violation'\r\n", WAIT);
            r.expectClosed(WAIT);
        }
        ClusterNodes.waitFor(() -> log.has("INF", "Router connection closed: Authentication Failure"), "the close log");
        assertTrue(log.has("ERR", " - authentication error"), log.lines.toString());
        try (RawClient r = route(port)) {
            r.send("CONNECT {\"user\":\"ru\",\"pass\":\"bad\",\"name\":\"NX\",\"cluster\":\"c1\"}\r\n")
                    .expect("-ERR 'Authorization Violation'\r\n", WAIT);
            r.expectClosed(WAIT);
        }
        try (RawClient r = route(port)) {
            r.send("CONNECT {\"lang\":\"java\",\"verbose\":false}\r\n").expect("-ERR 'Authorization Violation'\r\n", WAIT);
            r.expectClosed(WAIT);
        }
        try (RawClient r = route(port)) {
            r.send("CONNECT {\"user\":\"ru\",\"pass\":\"rp\",\"name\":\"NX\",\"cluster\":\"c2\"}\r\n")
                    .expect("-ERR 'Rejecting connection, cluster name \"c2\" does not match \"c1\"'\r\n", WAIT);
            r.expectClosed(WAIT);
        }
        ClusterNodes.waitFor(() -> log.has("INF", "Router connection closed: Cluster Name Conflict"), "the close log");
        assertTrue(log.has("ERR", "Rejecting connection, cluster name \"c2\" does not match \"c1\""), log.lines.toString());
        try (RawClient r = route(port)) {
            r.send("CONNECT {\"user\":\"ru\",\"pass\":\"rp\",\"name\":\"NX\",\"cluster\":\"c1\"}\r\nFOO\r\n")
                    .expect("-ERR 'Unknown Protocol Operation'\r\n", WAIT);
            r.expectClosed(WAIT);
        }
        ClusterNodes.waitFor(() -> log.has("INF", "Router connection closed: Protocol Violation"), "the close log");
        assertTrue(log.has("ERR", "Router parser ERROR, state=0, i=0: proto='\"FOO\\r\"...'"), log.lines.toString());
    }

    @Test
    void aClientOnTheRoutePortIsToldSo() throws Exception {
        int port = start(false);
        try (RawClient r = route(port)) {
            r.send("CONNECT {\"lang\":\"java\",\"verbose\":false}\r\n")
                    .expect("-ERR 'attempted to connect to route port'\r\n", WAIT);
            r.expectClosed(WAIT);
        }
    }

    /** Reads lines until each of {@code wanted} was seen; returns every line read. */
    private static List<String> linesUntil(RawClient r, String... wanted) throws Exception {
        List<String> seen = new java.util.ArrayList<>();
        java.util.Set<String> missing = new java.util.HashSet<>(List.of(wanted));
        while (!missing.isEmpty()) {
            String line = r.expectMatch(java.util.regex.Pattern.compile("[^\r\n]*\r\n"), WAIT).group();
            seen.add(line);
            missing.remove(line);
        }
        return seen;
    }

    @Test
    void aPeerSpeaksTheRouteProtocol() throws Exception {
        int port = start(true);
        try (RawClient r = route(port); RawClient c = RawClient.open(server.port(), 0)) {
            c.connectQuiet();
            c.send("SUB before.x 1\r\nSUB q.x grp 2\r\n").sync();
            r.send("CONNECT {\"user\":\"ru\",\"pass\":\"rp\",\"name\":\"NFAKE\",\"cluster\":\"c1\",\"headers\":true}\r\n"
                    + "INFO {\"server_id\":\"NFAKE\",\"server_name\":\"fake\",\"host\":\"127.0.0.1\",\"port\":1,"
                    + "\"headers\":true,\"cluster\":\"c1\",\"connect_urls\":[\"127.0.0.1:1\"]}\r\n");
            // the interest that exists, then new interest, as RS+ with the account and the queue weight
            // (the system account's own subscriptions come too, as RS+ $SYS ...)
            List<String> seen = linesUntil(r, "RS+ $G before.x\r\n", "RS+ $G q.x grp 1\r\n");
            c.send("SUB after.x 3\r\n").sync();
            linesUntil(r, "RS+ $G after.x\r\n");
            c.send("UNSUB 3\r\n").sync();
            linesUntil(r, "RS- $G after.x\r\n");
            assertTrue(seen.stream().allMatch(l -> l.startsWith("RS+ ")), seen.toString());
            // a message from the peer: plain subscribers, and only the queue groups its list names
            r.send("RMSG $G before.x reply.1 2\r\nhi\r\nRMSG $G q.x | grp 3\r\nqqq\r\n"
                    + "HMSG $G before.x 12 14\r\nNATS/1.0\r\n\r\nhd\r\nPING\r\n");
            r.expect("PONG\r\n", WAIT);
            c.expect("MSG before.x 1 reply.1 2\r\nhi\r\n", WAIT);
            c.expect("MSG q.x 2 3\r\nqqq\r\n", WAIT);
            // the client did not ask for headers: the body only
            c.expect("MSG before.x 1 2\r\nhd\r\n", WAIT);
            // the peer's interest: a client's message goes out as one RMSG, with the queue list when a group matched
            r.send("RS+ $G out.> \r\nRS+ $G out.x wq 2\r\nPING\r\n").expect("PONG\r\n", WAIT);
            c.send("PUB out.x r.9 3\r\nabc\r\nPUB out.y 1\r\nz\r\n").sync();
            r.expect("RMSG $G out.x + r.9 wq 3\r\nabc\r\n", WAIT);
            r.expect("RMSG $G out.y 1\r\nz\r\n", WAIT);
            r.send("RS- $G out.> \r\nPING\r\n").expect("PONG\r\n", WAIT);
            c.send("PUB out.y 1\r\nz\r\nPING\r\n").expect("PONG\r\n", WAIT);
            r.expectNothing(Duration.ofMillis(200));
        }
        ClusterNodes.waitFor(() -> server.globalAccount().match("out.x").qsubs.length == 0, "the peer's interest gone");
    }

    @Test
    void aPeerThatStopsReadingIsCutOffAsASlowConsumer() throws Exception {
        int port = start(false, 256 * 1024);
        try (java.net.Socket peer = new java.net.Socket()) {
            peer.setReceiveBufferSize(4096);
            peer.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            peer.getOutputStream().write(("CONNECT {\"name\":\"NSLOW\",\"cluster\":\"c1\"}\r\n"
                    + "INFO {\"server_id\":\"NSLOW\",\"server_name\":\"slow\",\"host\":\"127.0.0.1\",\"port\":1,"
                    + "\"cluster\":\"c1\"}\r\nRS+ $G > \r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            peer.getOutputStream().flush();
            ClusterNodes.waitFor(() -> server.globalAccount().match("any").psubs.length == 1, "the peer's interest");
            // the peer never reads again; a client keeps publishing
            try (RawClient c = RawClient.open(server.port(), 0)) {
                c.connectQuiet();
                String chunk = "PUB any 1024\r\n" + "x".repeat(1024) + "\r\n";
                for (int i = 0; i < 32768 && server.cluster().routes().size() == 1; i++) {
                    c.send(chunk);
                }
                ClusterNodes.waitFor(() -> server.cluster().routes().isEmpty(), "the route to be cut off");
                c.send("PING\r\n").expectSkippingPings("PONG\r\n", WAIT); // the client is untouched
            }
        }
        ClusterNodes.waitFor(() -> log.has("INF", "Router connection closed: Slow Consumer (Pending Bytes)"), "the close log");
        assertTrue(log.has("INF", "Slow Consumer Detected: MaxPending of 262144 Exceeded"), log.lines.toString());
    }

    @Test
    void aPeerThatStopsReadingIsCutOffAtTheWriteDeadline() throws Exception {
        // max_pending (64 MiB) is never reached: the write deadline cuts the route first, as nats-server's write
        // timeout does when nothing at all was written
        int port = start(false, 0, Duration.ofMillis(500));
        try (java.net.Socket peer = new java.net.Socket()) {
            peer.setReceiveBufferSize(4096);
            peer.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            peer.getOutputStream().write(("CONNECT {\"name\":\"NSTOP\",\"cluster\":\"c1\"}\r\n"
                    + "INFO {\"server_id\":\"NSTOP\",\"server_name\":\"stop\",\"host\":\"127.0.0.1\",\"port\":1,"
                    + "\"cluster\":\"c1\"}\r\nRS+ $G > \r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            peer.getOutputStream().flush();
            ClusterNodes.waitFor(() -> server.globalAccount().match("any").psubs.length == 1, "the peer's interest");
            try (RawClient c = RawClient.open(server.port(), 0)) {
                c.connectQuiet();
                String chunk = "PUB any 1024\r\n" + "x".repeat(1024) + "\r\n";
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                for (int i = 0; i < 16384 && server.cluster().routes().size() == 1 && System.nanoTime() < deadline; i++) {
                    c.send(chunk);
                }
                ClusterNodes.waitFor(() -> server.cluster().routes().isEmpty(), "the route to be cut off");
                c.send("PING\r\n").expectSkippingPings("PONG\r\n", WAIT); // the client is untouched
            }
        }
        ClusterNodes.waitFor(() -> log.has("INF", "Router connection closed: Slow Consumer (Write Deadline)"), "the close log");
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("INF ")
                && l.contains("Slow Consumer Detected: WriteDeadline of 500ms exceeded with ")), log.lines.toString());
        assertFalse(log.has("INF", "Router connection closed: Slow Consumer (Pending Bytes)"), log.lines.toString());
    }

    @Test
    void aRouteThatNeverSendsConnectTimesOut() throws Exception {
        int port = start(true);
        try (RawClient r = route(port)) {
            r.expect("-ERR 'Authentication Timeout'\r\n", WAIT);
            r.expectClosed(WAIT);
        }
        ClusterNodes.waitFor(() -> log.has("INF", "Router connection closed: Authentication Timeout"), "the close log");
    }
}
