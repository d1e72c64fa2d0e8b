package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import io.nats4j.server.NatsServer;
import io.nats4j.server.testsupport.GoTestServer;
import io.nats4j.server.testsupport.Http;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Mixed clusters: nats-server 2.9 processes (the reference binary) and nats4j servers in one cluster, jnats
 * clients on different servers. Interest seen at a Go node is read from its /routez.
 */
class MixedClusterTest {

    private final ClusterNodes nodes = new ClusterNodes("mixed");

    @AfterEach
    void stop() {
        nodes.close();
    }

    static Connection connect(String url) throws Exception {
        return Nats.connect(new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(0).build());
    }

    static String url(GoTestServer g) {
        return "nats://127.0.0.1:" + g.port();
    }

    /** Subscriptions the Go node holds for its routes, as its /routez shows them. */
    static boolean goRouteHasSub(GoTestServer g, String subject) {
        try {
            JsonNode routez = Http.json("http://127.0.0.1:" + g.monitorPort() + "/routez?subs=1");
            for (JsonNode r : routez.path("routes")) {
                for (JsonNode s : r.path("subscriptions_list")) {
                    if (s.asText().equals(subject)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    static int goRoutes(GoTestServer g) {
        try {
            return Http.json("http://127.0.0.1:" + g.monitorPort() + "/routez").path("num_routes").asInt();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void goSeedWithANats4jJoiner() throws Exception {
        int goRoute = freePort();
        GoTestServer go = nodes.go(goRoute, "", new String[0]);
        NatsServer j = nodes.nats4j(-1, routeUrl(goRoute));
        waitForRoutes(j, 1);
        exchange(url(go), j);
        String log = go.log();
        assertFalse(log.contains("[ERR]"), log);
    }

    @Test
    void nats4jSeedWithAGoJoiner() throws Exception {
        NatsServer j = nodes.nats4j(-1);
        nodes.go(freePort(), "", routeUrl(j.cluster().port()));
        waitForRoutes(j, 1);
        // the Go node is the last started: find its client URL through the route's connect_urls
        String goUrl = null;
        for (RouteConnection r : j.cluster().routes()) {
            goUrl = "nats://" + r.connectUrls().get(0);
        }
        assertNotNull(goUrl);
        exchange(goUrl, j);
    }

    /** Pub/sub both ways with headers and replies, a queue group across both, request/reply both ways. */
    private void exchange(String goUrl, NatsServer j) throws Exception {
        try (Connection cg = connect(goUrl); Connection cj = connect(j.clientUrl())) {
            // Go subscriber, nats4j publisher
            Subscription sg = cg.subscribe("g.>");
            cg.flush(Duration.ofSeconds(5));
            waitFor(() -> j.globalAccount().match("g.x").psubs.length == 1, "the Go client's interest at nats4j");
            cj.publish("g.x", "rep", new Headers().add("h", "1"), "to-go".getBytes(StandardCharsets.UTF_8));
            Message m = sg.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "nats4j -> Go");
            assertEquals("to-go", new String(m.getData(), StandardCharsets.UTF_8));
            assertEquals("rep", m.getReplyTo());
            assertEquals("1", m.getHeaders().getFirst("h"));
            assertNull(sg.nextMessage(Duration.ofMillis(200)));

            // nats4j subscriber, Go publisher: wait until the Go side has the interest by asking for a reply
            Subscription sj = cj.subscribe("j.>");
            cj.flush(Duration.ofSeconds(5));
            cj.createDispatcher(msg -> cj.publish(msg.getReplyTo(), msg.getData())).subscribe("echo.j");
            cj.flush(Duration.ofSeconds(5));
            Message echoed = null;
            for (int i = 0; i < 50 && echoed == null; i++) {
                try {
                    echoed = cg.request("echo.j", "ping".getBytes(StandardCharsets.UTF_8), Duration.ofMillis(200));
                } catch (Exception e) {
                    // no route interest yet (no responders or timeout): try again
                }
            }
            assertNotNull(echoed, "request from Go, responder on nats4j");
            cg.publish("j.y", null, new Headers().add("hh", "2"), "to-j".getBytes(StandardCharsets.UTF_8));
            Message mj = sj.nextMessage(Duration.ofSeconds(5));
            assertNotNull(mj, "Go -> nats4j");
            assertEquals("to-j", new String(mj.getData(), StandardCharsets.UTF_8));
            assertEquals("2", mj.getHeaders().getFirst("hh"));
            assertNull(sj.nextMessage(Duration.ofMillis(200)));

            // request from nats4j to a Go responder
            cg.createDispatcher(msg -> cg.publish(msg.getReplyTo(), ("go:" + new String(msg.getData(),
                    StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8))).subscribe("svc.go");
            cg.flush(Duration.ofSeconds(5));
            waitFor(() -> j.globalAccount().match("svc.go").psubs.length == 1, "Go's service at nats4j");
            Message r = cj.request("svc.go", "a".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
            assertEquals("go:a", new String(r.getData(), StandardCharsets.UTF_8));

            // one queue group with a member on each side: every message once, the publisher's side first
            AtomicInteger onGo = new AtomicInteger();
            AtomicInteger onJ = new AtomicInteger();
            cg.createDispatcher(x -> onGo.incrementAndGet()).subscribe("q", "grp");
            cj.createDispatcher(x -> onJ.incrementAndGet()).subscribe("q", "grp");
            cg.flush(Duration.ofSeconds(5));
            cj.flush(Duration.ofSeconds(5));
            waitFor(() -> j.globalAccount().match("q").qsubs.length == 1
                    && j.globalAccount().match("q").qsubs[0].length == 2, "Go's member at nats4j");
            for (int i = 0; i < 50; i++) {
                cj.publish("q", new byte[] {1});
            }
            cj.flush(Duration.ofSeconds(5));
            waitFor(() -> onJ.get() == 50, "nats4j's own member takes nats4j's messages");
            assertEquals(0, onGo.get());
            // Go's publisher: nats-server 2.9 spreads a client's queue messages over the members of the whole cluster
            // (weighted by the RS+ weights); each message is still delivered once
            for (int i = 0; i < 50; i++) {
                cg.publish("q", new byte[] {2});
            }
            cg.flush(Duration.ofSeconds(5));
            waitFor(() -> onGo.get() + onJ.get() == 100, "Go's 50 messages");
            Thread.sleep(200);
            assertEquals(100, onGo.get() + onJ.get(), "each message once");
        }
    }

    @Test
    void routezAndVarzClusterShowWhatNatsServerShows() throws Exception {
        int goRoute = freePort();
        GoTestServer go = nodes.go(goRoute, "", new String[0]);
        NatsServer j = nodes.nats4j(-1, routeUrl(goRoute));
        waitForRoutes(j, 1);
        try (Connection cg = connect(url(go)); Connection cj = connect(j.clientUrl())) {
            cg.subscribe("seen.by.nats4j");
            cg.flush(Duration.ofSeconds(5));
            cj.subscribe("seen.by.go");
            cj.flush(Duration.ofSeconds(5));
            waitFor(() -> goRouteHasSub(go, "seen.by.go"), "nats4j's interest in Go's /routez");
            waitFor(() -> j.globalAccount().match("seen.by.nats4j").psubs.length == 1, "Go's interest at nats4j");
            JsonNode theirs = Http.json("http://127.0.0.1:" + go.monitorPort() + "/routez?subs=1");
            JsonNode ours = j.monitor().routez(java.util.Map.of("subs", "1"));
            assertEquals(fields(theirs), fields(ours));
            assertEquals(fields(theirs.path("routes").get(0)), fields(ours.path("routes").get(0)));
            assertEquals(1, ours.path("num_routes").asInt());
            JsonNode r = ours.path("routes").get(0);
            assertEquals(theirs.path("server_id").asText(), r.path("remote_id").asText());
            assertTrue(r.path("did_solicit").asBoolean() && r.path("is_configured").asBoolean());
            boolean found = false;
            for (JsonNode s : r.path("subscriptions_list")) {
                found |= s.asText().equals("seen.by.nats4j");
            }
            assertTrue(found, r.toString());
            JsonNode theirVarz = Http.json("http://127.0.0.1:" + go.monitorPort() + "/varz").path("cluster");
            JsonNode ourVarz = j.monitor().varz().path("cluster");
            assertEquals("mixed", ourVarz.path("name").asText());
            assertEquals(j.cluster().port(), ourVarz.path("cluster_port").asInt());
            assertTrue(fields(theirVarz).containsAll(java.util.List.of("name", "addr", "cluster_port")), theirVarz.toString());
        }
    }

    private static java.util.Set<String> fields(JsonNode n) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        n.fieldNames().forEachRemaining(out::add);
        out.remove("rtt"); // omitted by nats-server until a route's RTT was measured
        return out;
    }

    @Test
    void aWrongRoutePasswordIsRefusedBothWaysWithNatsServersErrors() throws Exception {
        // a Go seed that wants a route user; nats4j presents a wrong password
        int goRoute = freePort();
        GoTestServer go = nodes.go(goRoute, "  authorization { user: ru, password: rp }\n", new String[0]);
        RouteHandshakeTest.Lines jlog = new RouteHandshakeTest.Lines();
        NatsServer j = nodes.nats4j(nodes.options(-1, "nats-route://ru:bad@127.0.0.1:" + goRoute), jlog);
        waitFor(() -> go.log().contains("authentication error"), "the Go seed to refuse the route");
        waitFor(() -> jlog.has("ERR", "Route Error 'Authorization Violation'"), "nats4j to log the Go seed's -ERR");
        assertEquals(0, j.cluster().routes().size());

        // a nats4j seed that wants a route user; the Go node presents a wrong password
        RouteHandshakeTest.Lines slog = new RouteHandshakeTest.Lines();
        io.nats4j.server.ServerOptions so = nodes.options(-1);
        so.cluster.username = "ru";
        so.cluster.password = "rp";
        NatsServer seed = nodes.nats4j(so, slog);
        GoTestServer joiner = nodes.go(freePort(), "", "nats-route://ru:bad@127.0.0.1:" + seed.cluster().port());
        waitFor(() -> slog.has("ERR", " - authentication error"), "nats4j to refuse the Go route");
        waitFor(() -> slog.has("INF", "Router connection closed: Authentication Failure"), "the close");
        waitFor(() -> joiner.log().contains("Route Error 'Authorization Violation'"), "the Go node to log nats4j's -ERR");
        assertEquals(0, seed.cluster().routes().size());

        // the right password
        nodes.go(freePort(), "", "nats-route://ru:rp@127.0.0.1:" + seed.cluster().port());
        waitForRoutes(seed, 1);
    }

    @Test
    void aGeneratedClusterNameGivesWayToAConfiguredOne() throws Exception {
        int goRoute = freePort();
        nodes.go(goRoute, "", new String[0]);
        io.nats4j.server.ServerOptions o = nodes.options(-1, routeUrl(goRoute));
        o.cluster.name = null; // generated, then negotiated
        NatsServer j = nodes.nats4j(o);
        waitForRoutes(j, 1);
        assertEquals("mixed", j.cluster().name());
        try (Connection c = connect(j.clientUrl())) {
            assertEquals("mixed", c.getServerInfo().getCluster());
        }
    }

    @Test
    void threeNodesGoNats4jGoWithGossip() throws Exception {
        int seed = freePort();
        GoTestServer g1 = nodes.go(seed, "", new String[0]);
        NatsServer j = nodes.nats4j(-1, routeUrl(seed));
        waitForRoutes(j, 1);
        GoTestServer g2 = nodes.go(freePort(), "", routeUrl(j.cluster().port()));
        // gossip: g2 learns g1 through nats4j (or the reverse) and the mesh is full
        waitForRoutes(j, 2);
        try (Connection c1 = connect(url(g1)); Connection c2 = connect(url(g2))) {
            Subscription s = c2.subscribe("three");
            c2.flush(Duration.ofSeconds(5));
            waitFor(() -> j.globalAccount().match("three").psubs.length == 1, "g2's interest at nats4j");
            Message got = null;
            for (int i = 0; i < 50 && got == null; i++) {
                c1.publish("three", new byte[] {(byte) i});
                got = s.nextMessage(Duration.ofMillis(100));
            }
            assertNotNull(got, "g1 -> g2 directly (the mesh is full: nats4j never forwards route to route)");
            // clients of g1 learn nats4j's and g2's client URLs
            String jUrl = "127.0.0.1:" + j.port();
            waitFor(() -> c1.getServers().stream().anyMatch(u -> u.contains(jUrl)), "g1's client to learn nats4j");
        }
    }
}
