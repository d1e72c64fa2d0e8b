package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import io.nats4j.server.NatsServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two and three nats4j servers joined by routes, with jnats clients on different servers. */
class RouteTest {

    private final ClusterNodes nodes = new ClusterNodes("c1");

    @AfterEach
    void stop() {
        nodes.close();
    }

    static Connection connect(NatsServer s) throws Exception {
        return Nats.connect(new Options.Builder().server(s.clientUrl()).connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(0).build());
    }

    private static void flushInterest(Connection c) throws Exception {
        c.flush(Duration.ofSeconds(5));
    }

    @Test
    void pubSubQueuesRequestReplyAndHeadersAcrossTwoServers() throws Exception {
        NatsServer a = nodes.nats4j(-1);
        NatsServer b = nodes.nats4j(-1, routeUrl(a.cluster().port()));
        waitForRoutes(a, 1);
        waitForRoutes(b, 1);
        try (Connection ca = connect(a); Connection cb = connect(b)) {
            Subscription sub = cb.subscribe("x.>");
            flushInterest(cb);
            waitFor(() -> a.globalAccount().match("x.1").psubs.length == 1, "B's interest at A");
            Headers h = new Headers().add("k", "v");
            ca.publish("x.1", "r.1", h, "hello".getBytes(StandardCharsets.UTF_8));
            Message m = sub.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "a message published on A reaches B's subscriber");
            assertEquals("hello", new String(m.getData(), StandardCharsets.UTF_8));
            assertEquals("r.1", m.getReplyTo());
            assertEquals("v", m.getHeaders().getFirst("k"));
            assertNull(sub.nextMessage(Duration.ofMillis(200)), "exactly once");

            // request/reply: responder on A, requester on B
            Dispatcher d = ca.createDispatcher(msg -> ca.publish(msg.getReplyTo(), ("re:" + new String(msg.getData(),
                    StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
            d.subscribe("svc");
            flushInterest(ca);
            waitFor(() -> b.globalAccount().match("svc").psubs.length == 1, "A's service at B");
            Message reply = cb.request("svc", "q".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
            assertEquals("re:q", new String(reply.getData(), StandardCharsets.UTF_8));

            // no responders across servers: no interest anywhere gives a 503 from the requester's server
            // (jnats cancels the request's future on a 503 status; a timeout would throw TimeoutException)
            CompletableFuture<Message> none = cb.request("nobody", new byte[0]);
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> none.get(5, TimeUnit.SECONDS));
            assertTrue(e instanceof java.util.concurrent.CancellationException
                    || (e instanceof ExecutionException && e.getCause().getMessage().contains("503")), e.toString());
        }
    }

    @Test
    void aQueueGroupGetsEachMessageOnceAcrossTheClusterLocalMembersFirst() throws Exception {
        NatsServer a = nodes.nats4j(-1);
        NatsServer b = nodes.nats4j(-1, routeUrl(a.cluster().port()));
        waitForRoutes(a, 1);
        try (Connection ca = connect(a); Connection cb = connect(b); Connection pub = connect(a)) {
            AtomicInteger onA = new AtomicInteger();
            AtomicInteger onB = new AtomicInteger();
            AtomicInteger plainOnB = new AtomicInteger();
            ca.createDispatcher(m -> onA.incrementAndGet()).subscribe("w", "workers");
            cb.createDispatcher(m -> onB.incrementAndGet()).subscribe("w", "workers");
            cb.createDispatcher(m -> plainOnB.incrementAndGet()).subscribe("w");
            flushInterest(ca);
            flushInterest(cb);
            waitFor(() -> a.globalAccount().match("w").qsubs.length == 1
                    && a.globalAccount().match("w").qsubs[0].length == 2
                    && a.globalAccount().match("w").psubs.length == 1, "B's queue member and plain subscriber at A");
            for (int i = 0; i < 100; i++) {
                pub.publish("w", new byte[] {1});
            }
            pub.flush(Duration.ofSeconds(5));
            waitFor(() -> onA.get() + onB.get() == 100 && plainOnB.get() == 100, "100 deliveries");
            Thread.sleep(200);
            assertEquals(100, onA.get() + onB.get(), "each message once in the group");
            assertEquals(100, onA.get(), "the publisher's server has a member: it takes them all");
            assertEquals(100, plainOnB.get(), "a plain subscriber on B gets each message once, queue list or not");

            // B's publisher: its own member first
            try (Connection pubB = connect(b)) {
                for (int i = 0; i < 50; i++) {
                    pubB.publish("w", new byte[] {2});
                }
                pubB.flush(Duration.ofSeconds(5));
            }
            waitFor(() -> onB.get() == 50, "B's member");
            Thread.sleep(200);
            assertEquals(100, onA.get());
        }
    }

    @Test
    void interestLeavesWithTheSubscriberAndWithTheRoute() throws Exception {
        NatsServer a = nodes.nats4j(-1);
        NatsServer b = nodes.nats4j(-1, routeUrl(a.cluster().port()));
        waitForRoutes(a, 1);
        try (Connection cb = connect(b)) {
            Subscription s = cb.subscribe("gone");
            flushInterest(cb);
            waitFor(() -> a.globalAccount().match("gone").psubs.length == 1, "interest at A");
            assertEquals(0, a.globalAccount().interestWeight("gone", null), "route interest is not A's own");
            s.unsubscribe();
            flushInterest(cb);
            waitFor(() -> a.globalAccount().match("gone").psubs.length == 0, "RS- at A");
            cb.subscribe("stays");
            flushInterest(cb);
            waitFor(() -> a.globalAccount().match("stays").psubs.length == 1, "interest at A");
        }
        b.close();
        waitFor(() -> a.globalAccount().match("stays").psubs.length == 0, "a closed route's interest dropped");
        waitForRoutes(a, 0);
    }

    @Test
    void gossipMakesAFullMeshAndClientsLearnEveryServer() throws Exception {
        NatsServer a = nodes.nats4j(-1);
        NatsServer b = nodes.nats4j(-1, routeUrl(a.cluster().port()));
        waitForRoutes(a, 1);
        try (Connection cb = connect(b)) {
            NatsServer c = nodes.nats4j(-1, routeUrl(a.cluster().port()));
            waitForRoutes(a, 2);
            waitForRoutes(b, 2);
            waitForRoutes(c, 2);
            String cUrl = "127.0.0.1:" + c.port();
            waitFor(() -> cb.getServers().stream().anyMatch(u -> u.contains(cUrl)), "B's client to learn C");
            c.close();
            waitForRoutes(b, 1);
            waitFor(() -> cb.getServers().stream().noneMatch(u -> u.contains(cUrl)), "B's client to forget C");
        }
    }
}
