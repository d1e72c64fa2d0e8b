package io.nats4j.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out's rules for kinds of connection that do not exist yet (routes, gateways, leaf nodes), through a
 * real server, real clients and a test-only kind ({@link TestPeer}): it subscribes through the account, hears
 * interest events, and sends and receives through the one fan-out.
 */
class PeerKindTest {

    private static final Duration QUIET = Duration.ofMillis(200);

    private NatsServer server;
    private Account account;
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new NatsServer(TestServer.defaultOptions());
        server.start();
        account = server.globalAccount();
    }

    @AfterEach
    void stop() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        server.close();
    }

    private RawClient client() throws Exception {
        RawClient c = RawClient.open(server.port(), 0);
        clients.add(c);
        c.connectQuiet();
        return c;
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aNewKindSubscribesHearsInterestAndReceivesThroughTheOneFanOut() throws Exception {
        TestPeer route = new TestPeer(ConnectionKind.ROUTER);
        List<String> rsPlus = new CopyOnWriteArrayList<>();
        account.addInterestListener((subject, queue, weight) -> {
            if (subject.startsWith("k.")) {
                rsPlus.add(subject + " " + weight);
            }
        });
        RawClient c = client();
        c.send("SUB k.x 1\r\n").sync();
        assertEquals(List.of("k.x 1"), rsPlus, "the local client's interest, as a route would send RS+");
        route.subscribe(account, "k.>", null, "R1");
        assertEquals(List.of("k.x 1"), rsPlus, "interest held for a route is the other server's, not ours");

        RawClient pub = client();
        pub.send("PUB k.x reply.1 5\r\nhello\r\n").sync();
        c.expect("MSG k.x 1 reply.1 5\r\nhello\r\n");
        waitFor(() -> route.received.size() == 1, "the route's copy");
        assertEquals("k.x R1 reply.1 hello", route.received.get(0));
        assertTrue(route.flushes.get() >= 1, "flushed once at the end of the publisher's read");

        assertEquals(1, route.publish(account, "k.x", null, "from-remote"), "to the client, not back to the route");
        c.expect("MSG k.x 1 11\r\nfrom-remote\r\n");
        assertEquals(1, route.received.size());
    }

    @Test
    void neverRouteToRouteNorRoutedToGatewaysNorBackToTheSender() throws Exception {
        TestPeer routeA = new TestPeer(ConnectionKind.ROUTER);
        TestPeer routeB = new TestPeer(ConnectionKind.ROUTER);
        TestPeer gatewayA = new TestPeer(ConnectionKind.GATEWAY);
        TestPeer gatewayB = new TestPeer(ConnectionKind.GATEWAY);
        TestPeer leaf = new TestPeer(ConnectionKind.LEAF);
        for (TestPeer p : List.of(routeA, routeB, gatewayA, gatewayB, leaf)) {
            p.subscribe(account, "p.x", null, "s");
        }
        assertEquals(1, routeA.publish(account, "p.x", null, "r"), "only the leaf node");
        assertEquals(List.of(), routeB.received, "never route to route");
        assertEquals(List.of(), gatewayA.received, "a gateway gets only what entered the cluster here");
        assertEquals(List.of("p.x s r"), leaf.received);

        assertEquals(3, gatewayA.publish(account, "p.x", null, "g"), "both routes and the leaf node");
        assertEquals(List.of("p.x s g"), routeA.received);
        assertEquals(List.of("p.x s g"), routeB.received);
        assertEquals(List.of(), gatewayB.received, "never gateway to gateway");
        assertEquals(List.of(), gatewayA.received, "never back to the sender");

        RawClient pub = client();
        pub.send("PUB p.x 1\r\nc\r\n").sync();
        waitFor(() -> gatewayB.received.size() == 1, "the client's message at gateway B");
        assertEquals(List.of("p.x s c"), gatewayA.received, "a client's message goes to every gateway");
    }

    @Test
    void theLeafLoopPreventionHookCanRefuseAMessage() throws Exception {
        TestPeer leaf = new TestPeer(ConnectionKind.LEAF);
        leaf.subscribe(account, "l.x", null, "s");
        RawClient pub = client();
        leaf.accepts = false;
        pub.send("PUB l.x 1\r\na\r\n").sync();
        leaf.accepts = true;
        pub.send("PUB l.x 1\r\nb\r\n").sync();
        waitFor(() -> !leaf.received.isEmpty(), "the second message");
        assertEquals(List.of("l.x s b"), leaf.received);
    }

    @Test
    void queueGroupsPreferLocalMembersThenRemoteOnes() throws Exception {
        TestPeer route = new TestPeer(ConnectionKind.ROUTER);
        TestPeer leaf = new TestPeer(ConnectionKind.LEAF);
        route.subscribe(account, "q.x", "workers", "R");
        RawClient member = client();
        member.send("SUB q.x workers 1\r\n").sync();
        RawClient pub = client();
        StringBuilder frames = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            frames.append("PUB q.x 1\r\n").append(i % 10).append("\r\n");
        }
        pub.send(frames.toString()).sync();
        for (int i = 0; i < 20; i++) {
            member.expect("MSG q.x 1 1\r\n" + (i % 10) + "\r\n");
        }
        assertEquals(List.of(), route.received, "a local member takes every message");

        member.send("UNSUB 1\r\n").sync();
        leaf.subscribe(account, "q.x", "workers", "L");
        pub.send("PUB q.x 1\r\na\r\nPUB q.x 1\r\nb\r\n").sync();
        waitFor(() -> leaf.received.size() == 2, "the leaf member");
        assertEquals(List.of(), route.received, "a leaf node is preferred over a route");
        member.expectNothing(QUIET);
    }

    @Test
    void aMessageFromAnotherServerGoesOnlyToTheQueueGroupsItsListNames() throws Exception {
        TestPeer route = new TestPeer(ConnectionKind.ROUTER);
        RawClient c = client();
        c.send("SUB r.x workers 1\r\nSUB r.x other 2\r\nSUB r.x 3\r\n").sync();
        assertEquals(1, route.publish(account, "r.x", null, "plain"), "no queue list: plain subscribers only");
        c.expect("MSG r.x 3 5\r\nplain\r\n");
        assertEquals(2, route.publish(account, "r.x", null, "listed", "workers"));
        String got = c.expectLineStartingWith("MSG r.x ", Duration.ofSeconds(3)) + "|"
                + c.expectLineStartingWith("listed", Duration.ofSeconds(3)) + "|"
                + c.expectLineStartingWith("MSG r.x ", Duration.ofSeconds(3));
        assertTrue(got.contains("MSG r.x 1 6") && got.contains("MSG r.x 3 6") && !got.contains("MSG r.x 2"), got);
    }
}
