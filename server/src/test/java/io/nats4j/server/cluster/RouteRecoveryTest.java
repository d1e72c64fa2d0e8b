package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.testsupport.GoTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routes that break and come back: interest re-sent, stale interest dropped, one route per pair of servers. */
class RouteRecoveryTest {

    private final ClusterNodes nodes = new ClusterNodes("rec");

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void aCutRouteIsRedialedWithItsInterestResentAndStaleInterestDropped() throws Exception {
        NatsServer b = nodes.nats4j(-1);
        NatsServer a = nodes.nats4j(-1, routeUrl(b.cluster().port()));
        waitForRoutes(a, 1);
        try (Connection cb = RouteTest.connect(b); Connection ca = RouteTest.connect(a)) {
            Subscription old = cb.subscribe("s.old");
            cb.flush(Duration.ofSeconds(5));
            waitFor(() -> a.globalAccount().match("s.old").psubs.length == 1, "B's interest at A");
            // cut the route (A's side; A dialed it, so A redials), change B's interest while it is down
            for (RouteConnection r : new ArrayList<>(a.cluster().routes())) {
                r.close("Stale Connection");
            }
            waitFor(() -> a.globalAccount().match("s.old").psubs.length == 0, "A to drop B's interest with the route");
            old.unsubscribe();
            Subscription fresh = cb.subscribe("s.new");
            cb.flush(Duration.ofSeconds(5));
            waitForRoutes(a, 1);
            waitFor(() -> a.globalAccount().match("s.new").psubs.length == 1, "the interest re-sent");
            assertEquals(0, a.globalAccount().match("s.old").psubs.length, "no stale interest");
            ca.publish("s.new", new byte[] {7});
            Message m = fresh.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m);
            assertNull(fresh.nextMessage(Duration.ofMillis(200)));
        }
    }

    @Test
    void twoServersThatDialEachOtherKeepOneRoute() throws Exception {
        int pa = freePort();
        int pb = freePort();
        NatsServer a = nodes.nats4j(pa, routeUrl(pb));
        NatsServer b = nodes.nats4j(pb, routeUrl(pa));
        waitForRoutes(a, 1);
        waitForRoutes(b, 1);
        Thread.sleep(1500); // past a redial: still one route each, and messages cross once
        assertEquals(1, a.cluster().routes().size());
        assertEquals(1, b.cluster().routes().size());
        try (Connection ca = RouteTest.connect(a); Connection cb = RouteTest.connect(b)) {
            Subscription s = cb.subscribe("once");
            cb.flush(Duration.ofSeconds(5));
            waitFor(() -> a.globalAccount().match("once").psubs.length == 1, "interest");
            ca.publish("once", new byte[] {1});
            assertNotNull(s.nextMessage(Duration.ofSeconds(5)));
            assertNull(s.nextMessage(Duration.ofMillis(300)), "exactly once");
        }
    }

    @Test
    void aGoNodeKilledAndRestartedRejoins() throws Exception {
        int goRoute = freePort();
        GoTestServer go = nodes.go(goRoute, "", new String[0]);
        NatsServer j = nodes.nats4j(-1, routeUrl(goRoute));
        waitForRoutes(j, 1);
        try (Connection cj = RouteTest.connect(j)) {
            Subscription s = cj.subscribe("back");
            cj.flush(Duration.ofSeconds(5));
            go.stop();
            waitForRoutes(j, 0);
            go.start();
            waitForRoutes(j, 1);
            try (Connection cg = MixedClusterTest.connect(MixedClusterTest.url(go))) {
                Message got = null;
                for (int i = 0; i < 50 && got == null; i++) { // until the restarted node has nats4j's interest
                    cg.publish("back", new byte[] {(byte) i});
                    got = s.nextMessage(Duration.ofMillis(100));
                }
                assertNotNull(got, "the restarted Go node routes to nats4j");
                Subscription gs = cg.subscribe("fwd");
                cg.flush(Duration.ofSeconds(5));
                waitFor(() -> j.globalAccount().match("fwd").psubs.length == 1, "the restarted node's interest");
                cj.publish("fwd", new byte[] {1});
                assertNotNull(gs.nextMessage(Duration.ofSeconds(5)));
            }
        }
    }

    @Test
    void aNats4jNodeAndAGoNodeThatDialEachOtherKeepOneRoute() throws Exception {
        int pj = freePort();
        int pg = freePort();
        NatsServer j = nodes.nats4j(pj, routeUrl(pg));
        GoTestServer go = nodes.go(pg, "", routeUrl(pj));
        waitForRoutes(j, 1);
        Thread.sleep(1500);
        assertEquals(1, j.cluster().routes().size());
        try (Connection cg = MixedClusterTest.connect(MixedClusterTest.url(go)); Connection cj = RouteTest.connect(j)) {
            Subscription s = cg.subscribe("once");
            cg.flush(Duration.ofSeconds(5));
            waitFor(() -> j.globalAccount().match("once").psubs.length == 1, "interest");
            cj.publish("once", new byte[] {1});
            assertNotNull(s.nextMessage(Duration.ofSeconds(5)));
            assertNull(s.nextMessage(Duration.ofMillis(300)), "exactly once");
        }
        List<String> none = List.of();
        assertEquals(none, go.log().lines().filter(l -> l.contains("[ERR]")).toList());
    }
}
