package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.GoTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What clients learn of the cluster (INFO connect_urls): joins, leaves, lame duck mode, no_advertise. */
class TopologyTest {

    private final ClusterNodes nodes = new ClusterNodes("topo");

    @AfterEach
    void stop() {
        nodes.close();
    }

    private static boolean knows(Connection c, int port) {
        return c.getServers().stream().anyMatch(u -> u.contains(":" + port));
    }

    @Test
    void clientsOfNats4jFollowAGoNodeJoiningAndEnteringLameDuckMode() throws Exception {
        NatsServer j = nodes.nats4j(-1);
        try (Connection cj = RouteTest.connect(j)) {
            GoTestServer go = nodes.go(freePort(), "", routeUrl(j.cluster().port()));
            waitForRoutes(j, 1);
            waitFor(() -> knows(cj, go.port()), "nats4j's client to learn the Go node");
            try (Connection cg = MixedClusterTest.connect(MixedClusterTest.url(go))) {
                waitFor(() -> knows(cg, j.port()), "the Go node's client to learn nats4j");
            }
            go.enterLameDuckMode();
            waitFor(() -> !knows(cj, go.port()), "nats4j's client to forget the Go node in lame duck mode");
        }
    }

    @Test
    void goClientsForgetANats4jNodeInLameDuckMode() throws Exception {
        int goRoute = freePort();
        GoTestServer go = nodes.go(goRoute, "", new String[0]);
        ServerOptions o = nodes.options(-1, routeUrl(goRoute));
        o.lameDuckGracePeriod = java.time.Duration.ofSeconds(5);
        NatsServer j = nodes.nats4j(o);
        waitForRoutes(j, 1);
        try (Connection cg = MixedClusterTest.connect(MixedClusterTest.url(go))) {
            waitFor(() -> knows(cg, j.port()), "the Go node's client to learn nats4j");
            j.enterLameDuckMode();
            waitFor(() -> !knows(cg, j.port()), "the Go node's client to forget nats4j in lame duck mode");
        }
    }

    @Test
    void noAdvertiseHidesTheServerAndTheCluster() throws Exception {
        int goRoute = freePort();
        GoTestServer go = nodes.go(goRoute, "", new String[0]);
        ServerOptions o = nodes.options(-1, routeUrl(goRoute));
        o.cluster.noAdvertise = true;
        NatsServer j = nodes.nats4j(o);
        waitForRoutes(j, 1);
        try (Connection cg = MixedClusterTest.connect(MixedClusterTest.url(go)); Connection cj = RouteTest.connect(j)) {
            cg.flush(java.time.Duration.ofSeconds(2));
            cj.flush(java.time.Duration.ofSeconds(2));
            Thread.sleep(300);
            assertTrue(!knows(cg, j.port()), "Go's clients are not told about a no_advertise server: " + cg.getServers());
            assertTrue(!knows(cj, go.port()), "a no_advertise server's clients are not told about the cluster: "
                    + cj.getServers());
        }
    }
}
