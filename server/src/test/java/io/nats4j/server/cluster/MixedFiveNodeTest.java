package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.testsupport.GoTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Five-node mixed clusters, both ways round (a Go seed with nats4j joiners, a nats4j seed with Go and nats4j
 * joiners): the mesh completes by gossip, every server reaches every other, a queue group gets each message once
 * across five servers; then a route cut and restored (interest re-sent, none stale) and a nats4j node stopped and
 * started again on the same route port.
 */
@Tag("slow")
class MixedFiveNodeTest {

    private final ClusterNodes nodes = new ClusterNodes("five");
    private final List<Connection> conns = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Connection c : conns) {
            try {
                c.close();
            } catch (Exception e) {
                // closing the rest
            }
        }
        nodes.close();
    }

    private Connection connect(String url) throws Exception {
        Connection c = MixedClusterTest.connect(url);
        conns.add(c);
        return c;
    }

    private static String url(NatsServer s) {
        return "nats://127.0.0.1:" + s.port();
    }

    /** Every client subscribes to "all.<i>"; each client publishes to every other; everything arrives once. */
    private static void everyServerReachesEveryOther(List<Connection> cs) throws Exception {
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            subs.add(cs.get(i).subscribe("all." + i));
            cs.get(i).flush(Duration.ofSeconds(5));
        }
        Subscription[] q = new Subscription[cs.size()];
        for (int i = 0; i < cs.size(); i++) {
            q[i] = cs.get(i).subscribe("work", "workers");
            cs.get(i).flush(Duration.ofSeconds(5));
        }
        // interest crosses asynchronously: probe each pair until it delivers, then count exactly
        for (int from = 0; from < cs.size(); from++) {
            for (int to = 0; to < cs.size(); to++) {
                Message got = null;
                for (int k = 0; k < 100 && got == null; k++) {
                    cs.get(from).publish("all." + to, ("probe " + from).getBytes());
                    got = subs.get(to).nextMessage(Duration.ofMillis(50));
                }
                assertNotNull(got, "server " + from + " -> server " + to);
                while (subs.get(to).nextMessage(Duration.ofMillis(100)) != null) {
                    // drain the extra probes
                }
                cs.get(from).publish("all." + to, "exact".getBytes());
                assertEquals("exact", new String(subs.get(to).nextMessage(Duration.ofSeconds(5)).getData()));
                assertNull(subs.get(to).nextMessage(Duration.ofMillis(50)), "once, " + from + " -> " + to);
            }
        }
        // a queue group with a member on every server: each message once in all
        Thread.sleep(300); // queue interest is also asynchronous; the count below tolerates nothing else
        int n = 200;
        for (int i = 0; i < n; i++) {
            cs.get(i % cs.size()).publish("work", new byte[] {(byte) i});
        }
        for (Connection c : cs) {
            c.flush(Duration.ofSeconds(5));
        }
        int total = 0;
        for (Subscription s : q) {
            while (s.nextMessage(Duration.ofMillis(300)) != null) {
                total++;
            }
        }
        assertEquals(n, total, "each queued message once across five servers");
    }

    @Test
    void aGoSeedWithFourNats4jJoinersThenACutRouteAndARestartedNode() throws Exception {
        int seedRoute = freePort();
        GoTestServer go = nodes.go(seedRoute, "", new String[0]);
        List<NatsServer> js = new ArrayList<>();
        int[] routePorts = new int[4];
        for (int i = 0; i < 4; i++) {
            routePorts[i] = freePort();
            js.add(nodes.nats4j(routePorts[i], routeUrl(seedRoute)));
        }
        for (NatsServer j : js) {
            waitForRoutes(j, 4);
        }
        waitFor(() -> MixedClusterTest.goRoutes(go) == 4, "the Go seed's 4 routes");
        List<Connection> cs = new ArrayList<>();
        cs.add(connect(MixedClusterTest.url(go)));
        for (NatsServer j : js) {
            cs.add(connect(url(j)));
        }
        everyServerReachesEveryOther(cs);

        // cut the route between nats4j node 0 and the Go seed; change node 0's interest while it is down
        NatsServer j0 = js.get(0);
        Connection c0 = cs.get(1);
        Subscription stale = c0.subscribe("cut.old");
        c0.flush(Duration.ofSeconds(5));
        waitFor(() -> MixedClusterTest.goRouteHasSub(go, "cut.old"), "the Go seed to hold cut.old");
        for (RouteConnection r : new ArrayList<>(j0.cluster().routes())) {
            if (r.remoteId() != null && r.configured()) {
                r.close("Stale Connection");
            }
        }
        waitFor(() -> !MixedClusterTest.goRouteHasSub(go, "cut.old"), "the Go seed to drop the cut route's interest");
        stale.unsubscribe();
        Subscription fresh = c0.subscribe("cut.new");
        c0.flush(Duration.ofSeconds(5));
        waitFor(() -> j0.cluster().routes().size() == 4 && MixedClusterTest.goRoutes(go) == 4, "the route restored");
        try {
            waitFor(() -> MixedClusterTest.goRouteHasSub(go, "cut.new"), "the interest re-sent to the Go seed");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; Go seed /routez: "
                    + io.nats4j.server.testsupport.Http.json("http://127.0.0.1:" + go.monitorPort() + "/routez?subs=1"), e);
        }
        assertTrue(!MixedClusterTest.goRouteHasSub(go, "cut.old"), "no stale interest at the Go seed");
        cs.get(0).publish("cut.new", new byte[] {1});
        assertNotNull(fresh.nextMessage(Duration.ofSeconds(5)));
        assertNull(fresh.nextMessage(Duration.ofMillis(200)), "once");

        // stop nats4j node 3 and start it again on its route port: it rejoins the full mesh
        NatsServer j3 = js.get(3);
        cs.get(4).close();
        j3.close();
        for (int i = 0; i < 3; i++) {
            waitForRoutes(js.get(i), 3);
        }
        waitFor(() -> MixedClusterTest.goRoutes(go) == 3, "the Go seed to drop the stopped node");
        NatsServer again = nodes.nats4j(routePorts[3], routeUrl(seedRoute));
        waitForRoutes(again, 4);
        for (int i = 0; i < 3; i++) {
            waitForRoutes(js.get(i), 4);
        }
        waitFor(() -> MixedClusterTest.goRoutes(go) == 4, "the Go seed to have the node back");
        Connection back = connect(url(again));
        Subscription s = back.subscribe("back.here");
        back.flush(Duration.ofSeconds(5));
        Message got = null;
        for (int k = 0; k < 100 && got == null; k++) {
            cs.get(0).publish("back.here", new byte[] {2});
            got = s.nextMessage(Duration.ofMillis(50));
        }
        assertNotNull(got, "the Go seed reaches the restarted node");
    }

    @Test
    void aNats4jSeedWithGoAndNats4jJoiners() throws Exception {
        int seedRoute = freePort();
        NatsServer seed = nodes.nats4j(seedRoute);
        GoTestServer g1 = nodes.go(freePort(), "", routeUrl(seedRoute));
        NatsServer j1 = nodes.nats4j(freePort(), routeUrl(seedRoute));
        GoTestServer g2 = nodes.go(freePort(), "", routeUrl(seedRoute));
        NatsServer j2 = nodes.nats4j(freePort(), routeUrl(seedRoute));
        for (NatsServer j : List.of(seed, j1, j2)) {
            waitForRoutes(j, 4);
        }
        waitFor(() -> MixedClusterTest.goRoutes(g1) == 4 && MixedClusterTest.goRoutes(g2) == 4, "the Go nodes' 4 routes");
        everyServerReachesEveryOther(List.of(connect(url(seed)), connect(MixedClusterTest.url(g1)), connect(url(j1)),
                connect(MixedClusterTest.url(g2)), connect(url(j2))));
    }
}
