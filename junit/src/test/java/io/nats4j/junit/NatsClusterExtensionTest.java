package io.nats4j.junit;

import static io.nats4j.junit.NatsServerExtensionTest.CONNECTIONS;
import static io.nats4j.junit.NatsServerExtensionTest.SEEN;
import static io.nats4j.junit.NatsServerExtensionTest.SERVERS;
import static io.nats4j.junit.NatsServerExtensionTest.assertStopped;
import static io.nats4j.junit.NatsServerExtensionTest.failures;
import static io.nats4j.junit.NatsServerExtensionTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats4j.junit.NatsServerExtensionTest.Fixture;
import io.nats4j.server.NatsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** {@code @NatsTest(cluster = N)}: N servers joined by routes, injected per node, stopped and deleted afterwards. */
class NatsClusterExtensionTest {

    @BeforeEach
    void reset() {
        ROUTE_PORTS.clear();
        SERVERS.clear();
        CONNECTIONS.clear();
        SEEN.clear();
    }

    // ---------------------------------------------------------------- a cluster of three

    @NatsTest(cluster = 3, users = @NatsUser(name = "app", password = "pw"))
    @Fixture
    static class ThreeServers {
        @Test
        void meshAndMessages(NatsCluster cluster, NatsServer first, @ClusterNode(1) NatsServer second,
                @ClusterNode(1) @NatsUrl String secondUrl, @ClusterNode(2) @NatsUrl URI thirdUri,
                @ClusterNode(0) Connection pub, @ClusterNode(2) Connection sub) throws Exception {
            SERVERS.addAll(cluster.servers());
            CONNECTIONS.add(pub);
            CONNECTIONS.add(sub);
            assertEquals(3, cluster.size());
            assertEquals(first, cluster.server(0));
            assertEquals(second, cluster.server(1));
            assertEquals(second.clientUrl(), secondUrl);
            assertEquals(URI.create(cluster.server(2).clientUrl()), thirdUri);
            assertEquals(String.join(",", cluster.clientUrls()), cluster.connectUrl());
            Set<Integer> clientPorts = new HashSet<>();
            for (NatsServer s : cluster.servers()) {
                assertEquals(cluster.name(), s.cluster().name());
                assertEquals(2, s.cluster().routes().size(), s.serverName() + " has a route to each other server");
                clientPorts.add(s.port());
                SEEN.add(s.options().configFile); // the users' config file, in the server's temporary directory
            }
            assertEquals(3, clientPorts.size());
            assertEquals(cluster.server(0).clientUrl(), pub.getConnectedUrl());
            assertEquals(cluster.server(2).clientUrl(), sub.getConnectedUrl());

            Subscription s = sub.subscribe("orders");
            sub.flush(Duration.ofSeconds(2));
            cluster.awaitInterest("orders");
            pub.publish("orders", "one".getBytes(StandardCharsets.UTF_8));
            Message m = s.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "a message published on server 0 reaches a subscriber on server 2");
            assertEquals("one", new String(m.getData(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aClusterOfThreeFormsAFullMeshCarriesMessagesAndIsDeletedAfterwards() throws Exception {
        TestExecutionSummary s = run(ThreeServers.class);
        assertEquals(1, s.getTestsSucceededCount(), () -> failures(s));
        assertEquals(3, SERVERS.size());
        for (NatsServer server : SERVERS) {
            assertStopped(server);
        }
        for (Connection nc : CONNECTIONS) {
            assertEquals(Connection.Status.CLOSED, nc.getStatus());
        }
        assertEquals(3, SEEN.size());
        for (Object file : SEEN) {
            Path p = Path.of(String.valueOf(file));
            assertFalse(Files.exists(p.getParent().getParent()), "the cluster's temporary directory is deleted: " + p);
        }
    }

    // ---------------------------------------------------------------- failures

    static final Queue<Integer> ROUTE_PORTS = new ConcurrentLinkedQueue<>();

    @NatsTest(cluster = 2)
    @Fixture
    static class FailingClusterTest {
        @Test
        void fails(NatsCluster cluster, @ClusterNode(1) Connection nc) {
            SERVERS.addAll(cluster.servers());
            CONNECTIONS.add(nc);
            for (NatsServer s : cluster.servers()) {
                ROUTE_PORTS.add(s.cluster().port());
            }
            fail("on purpose");
        }
    }

    @Test
    void aFailingTestStillStopsEveryServerOfItsCluster() throws Exception {
        TestExecutionSummary s = run(FailingClusterTest.class);
        assertEquals(1, s.getTestsFailedCount());
        assertTrue(failures(s).contains("on purpose"));
        assertEquals(Connection.Status.CLOSED, CONNECTIONS.peek().getStatus());
        assertEquals(2, SERVERS.size());
        for (NatsServer server : SERVERS) {
            assertStopped(server);
        }
        assertEquals(2, ROUTE_PORTS.size());
        for (int port : ROUTE_PORTS) {
            assertRoutePortFree(port);
        }
    }

    /** Every server of the cluster reads it: the second cannot bind the monitoring port the first holds. */
    @NatsTest(cluster = 3, config = "same-http-port.conf")
    @Fixture
    static class SecondServerFails {
        @Test
        void never(NatsServer server) {
            SERVERS.add(server);
        }
    }

    @Test
    void aClusterThatFailsToStartStopsTheServersAlreadyStarted() throws Exception {
        int httpPort;
        try (ServerSocket free = new ServerSocket(0)) {
            httpPort = free.getLocalPort();
        }
        // a class-path config file, written next to the compiled test class for this run
        Path conf = Path.of(NatsClusterExtensionTest.class.getResource("NatsClusterExtensionTest.class").toURI())
                .resolveSibling("same-http-port.conf");
        Files.writeString(conf, "http_port: " + httpPort + "\n");
        try {
            TestExecutionSummary s = run(SecondServerFails.class);
            assertEquals(0, s.getTestsSucceededCount());
            assertTrue(failures(s).contains("the server did not start"), () -> failures(s));
            assertTrue(SERVERS.isEmpty());
            // server 0 had bound the port and was stopped when server 1 failed
            assertRoutePortFree(httpPort);
        } finally {
            Files.deleteIfExists(conf);
        }
    }

    @NatsTest(cluster = 2, jetStream = true)
    @Fixture
    static class ClusteredJetStream {
        @Test
        void never(NatsServer server) {
            SERVERS.add(server);
        }
    }

    @NatsTest(cluster = 2, config = "jetstream.conf")
    @Fixture
    static class ClusteredJetStreamFromConfig {
        @Test
        void never(NatsServer server) {
            SERVERS.add(server);
        }
    }

    @Test
    void jetStreamInAClusterIsRefusedWithTheReason() {
        TestExecutionSummary s = run(ClusteredJetStream.class);
        assertEquals(0, s.getTestsSucceededCount());
        assertTrue(failures(s).contains("nats4j does not support JetStream in a cluster"), () -> failures(s));
        assertTrue(SERVERS.isEmpty());
        // from a config file the server's own check says it
        TestExecutionSummary c = run(ClusteredJetStreamFromConfig.class);
        assertEquals(0, c.getTestsSucceededCount());
        assertTrue(failures(c).contains("JetStream in a cluster"), () -> failures(c));
        assertTrue(SERVERS.isEmpty());
    }

    @NatsTest
    @Fixture
    static class NoCluster {
        @Test
        void asksForACluster(NatsCluster cluster) {
            SEEN.add(cluster);
        }

        @Test
        void asksForANode(@ClusterNode(1) NatsServer server) {
            SEEN.add(server);
        }
    }

    @NatsTest(cluster = 1)
    @Fixture
    static class ClusterOfOne {
        @Test
        void one(NatsCluster cluster, NatsServer server) {
            assertEquals(1, cluster.size());
            assertEquals(server, cluster.server(0));
            assertTrue(server.cluster().port() > 0, "a route port");
        }

        @Test
        void noSecondNode(@ClusterNode(1) NatsServer server) {
            SEEN.add(server);
        }
    }

    @Test
    void parametersThatNeedAClusterSayWhy() {
        TestExecutionSummary s = run(NoCluster.class);
        assertEquals(2, s.getTestsFailedCount());
        assertTrue(failures(s).contains("ask for one with @NatsTest(cluster = N)"), () -> failures(s));
        assertTrue(failures(s).contains("the server is not a cluster"), () -> failures(s));
        TestExecutionSummary one = run(ClusterOfOne.class);
        assertEquals(1, one.getTestsSucceededCount(), () -> failures(one));
        assertTrue(failures(one).contains("the cluster has servers 0 to 0"), () -> failures(one));
        assertTrue(SEEN.isEmpty());
    }

    // ---------------------------------------------------------------- parallel clusters

    static final CountDownLatch OVERLAP = new CountDownLatch(3);

    @NatsTest(cluster = 2, scope = NatsTest.Scope.METHOD)
    @Execution(ExecutionMode.CONCURRENT)
    @Fixture
    static class ParallelClusters {
        void body(NatsCluster cluster, Connection pub, Connection sub) throws Exception {
            SERVERS.addAll(cluster.servers());
            SEEN.add(cluster.name());
            OVERLAP.countDown();
            OVERLAP.await(20, TimeUnit.SECONDS); // the three clusters run at once
            for (NatsServer s : cluster.servers()) {
                assertEquals(1, s.cluster().routes().size(), "routes only within its own cluster");
            }
            Subscription s = sub.subscribe("p");
            sub.flush(Duration.ofSeconds(2));
            cluster.awaitInterest("p");
            pub.publish("p", cluster.name().getBytes(StandardCharsets.UTF_8));
            Message m = s.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m);
            assertEquals(cluster.name(), new String(m.getData(), StandardCharsets.UTF_8));
            assertEquals(null, s.nextMessage(Duration.ofMillis(200)), "nothing from the other clusters");
        }

        @Test void t1(NatsCluster c, Connection pub, @ClusterNode(1) Connection sub) throws Exception { body(c, pub, sub); }
        @Test void t2(NatsCluster c, Connection pub, @ClusterNode(1) Connection sub) throws Exception { body(c, pub, sub); }
        @Test void t3(NatsCluster c, Connection pub, @ClusterNode(1) Connection sub) throws Exception { body(c, pub, sub); }
    }

    @Test
    void clustersOfParallelTestsAreSeparate() throws Exception {
        TestExecutionSummary s = run(ParallelClusters.class, Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "3"));
        assertEquals(3, s.getTestsSucceededCount(), () -> failures(s));
        assertEquals(3, new HashSet<>(List.copyOf(SEEN)).size(), "three cluster names");
        assertEquals(6, SERVERS.size());
        for (NatsServer server : SERVERS) {
            assertStopped(server);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The (route or monitoring) port is free again. */
    static void assertRoutePortFree(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }
}
