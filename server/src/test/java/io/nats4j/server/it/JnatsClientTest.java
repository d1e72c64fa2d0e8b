package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The official Java client (jnats) against the server: the everyday features users rely on. */
@ExtendWith(TestServerExtension.class)
class JnatsClientTest {

    static final Duration WAIT = Duration.ofSeconds(3);
    static final Duration QUIET = Duration.ofMillis(300);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Message m) {
        return new String(m.getData(), StandardCharsets.UTF_8);
    }

    @Test
    void publishedMessagesReachSubscribersInOrder(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sub = clients.connect();
            Connection pub = clients.connect();
            Subscription s = sub.subscribe("orders.new");
            sub.flush(WAIT);
            for (int i = 0; i < 100; i++) {
                pub.publish("orders.new", bytes("order-" + i));
            }
            pub.flush(WAIT);
            for (int i = 0; i < 100; i++) {
                Message m = s.nextMessage(WAIT);
                assertNotNull(m, "message " + i);
                assertEquals("orders.new", m.getSubject());
                assertEquals("order-" + i, text(m));
            }
            assertNull(s.nextMessage(QUIET));
        }
    }

    @Test
    void wildcardSubscriptionsReceiveMatchingSubjects(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection nc = clients.connect();
            Subscription star = nc.subscribe("metrics.*.cpu");
            Subscription tail = nc.subscribe("metrics.>");
            nc.flush(WAIT);
            nc.publish("metrics.host1.cpu", bytes("1"));
            nc.publish("metrics.host1.mem", bytes("2"));
            nc.publish("metrics", bytes("3"));
            nc.publish("metrics.a.b.c.d", bytes("4"));
            nc.flush(WAIT);
            assertEquals("metrics.host1.cpu", star.nextMessage(WAIT).getSubject());
            assertNull(star.nextMessage(QUIET));
            assertEquals("1", text(tail.nextMessage(WAIT)));
            assertEquals("2", text(tail.nextMessage(WAIT)));
            assertEquals("4", text(tail.nextMessage(WAIT)));
            assertNull(tail.nextMessage(QUIET));
        }
    }

    @Test
    void queueGroupMembersShareMessagesAndPlainSubscribersGetAll(TestServer server) throws Exception {
        int messages = 600;
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a = clients.connect();
            Connection b = clients.connect();
            Connection c = clients.connect();
            Connection plain = clients.connect();
            Connection pub = clients.connect();
            // group "workers" has three members on three connections, group "audit" one member
            List<Subscription> workers = List.of(a.subscribe("jobs", "workers"), b.subscribe("jobs", "workers"),
                    c.subscribe("jobs", "workers"));
            Subscription audit = a.subscribe("jobs", "audit");
            Subscription all = plain.subscribe("jobs");
            for (Connection nc : List.of(a, b, c, plain)) {
                nc.flush(WAIT);
            }
            for (int i = 0; i < messages; i++) {
                pub.publish("jobs", bytes(Integer.toString(i)));
            }
            pub.flush(WAIT);
            boolean[] seen = new boolean[messages];
            int total = 0;
            for (Subscription w : workers) {
                int mine = 0;
                Message m;
                while ((m = w.nextMessage(QUIET)) != null) {
                    int n = Integer.parseInt(text(m));
                    assertTrue(!seen[n], "message " + n + " went to two members of one group");
                    seen[n] = true;
                    mine++;
                }
                // random choice among 3 members: each gets about 200 of 600; 50 is far below any fluke
                assertTrue(mine > 50, "distribution across members, this one got " + mine);
                total += mine;
            }
            assertEquals(messages, total, "every message goes to exactly one member of the group");
            for (int i = 0; i < messages; i++) {
                assertNotNull(audit.nextMessage(WAIT), "each group gets each message");
                assertEquals(Integer.toString(i), text(all.nextMessage(WAIT)), "plain subscriber gets all in order");
            }
        }
    }

    @Test
    void requestGetsReplyFromResponder(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection responder = clients.connect();
            Connection requester = clients.connect();
            Dispatcher d = responder.createDispatcher(m -> responder.publish(m.getReplyTo(),
                    bytes("echo:" + text(m))));
            d.subscribe("service.echo");
            responder.flush(WAIT);
            for (int i = 0; i < 20; i++) {
                Message reply = requester.request("service.echo", bytes("ping" + i), WAIT);
                assertNotNull(reply, "reply " + i);
                assertEquals("echo:ping" + i, text(reply));
            }
        }
    }

    @Test
    void headersRoundTrip(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection nc = clients.connect();
            assertTrue(nc.getServerInfo().isHeadersSupported());
            Subscription s = nc.subscribe("with.headers");
            nc.flush(WAIT);
            Headers headers = new Headers().add("Trace-Id", "abc-123").add("Multi", "one", "two");
            nc.publish("with.headers", headers, bytes("body"));
            nc.publish("with.headers", new Headers().add("Only", "headers"), new byte[0]);
            Message m = s.nextMessage(WAIT);
            assertTrue(m.hasHeaders());
            assertEquals("abc-123", m.getHeaders().getFirst("Trace-Id"));
            assertEquals(List.of("one", "two"), m.getHeaders().get("Multi"));
            assertEquals("body", text(m));
            Message empty = s.nextMessage(WAIT);
            assertEquals("headers", empty.getHeaders().getFirst("Only"));
            assertEquals(0, empty.getData().length);
        }
    }

    @Test
    void requestWithoutSubscribersFailsFastWithNoResponders(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection nc = clients.connect();
            long start = System.nanoTime();
            CompletableFuture<Message> reply = nc.request("nobody.listens", bytes("hello?"));
            // no-responders is a 503 status from the server: the future fails long before any timeout
            Exception e = assertThrows(Exception.class, () -> reply.get(5, TimeUnit.SECONDS));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertFalse(e instanceof TimeoutException, "no-responders must not look like a timeout");
            assertTrue(millis < 2000, "failed fast, took " + millis + " ms");
        }
    }

    @Test
    void drainingASubscriptionDeliversWhatWasPublishedThenStops(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sub = clients.connect();
            Connection pub = clients.connect();
            AtomicInteger handled = new AtomicInteger();
            Dispatcher d = sub.createDispatcher(m -> {
                sleepQuietly(1); // a slow handler, so messages are still queued when the drain starts
                handled.incrementAndGet();
            });
            d.subscribe("drain.sub");
            sub.flush(WAIT);
            for (int i = 0; i < 200; i++) {
                pub.publish("drain.sub", bytes("m" + i));
            }
            pub.flush(WAIT);
            sub.flush(WAIT); // all 200 reached the client before the drain's UNSUB
            CompletableFuture<Boolean> drained = d.drain(WAIT);
            assertTrue(drained.get(5, TimeUnit.SECONDS), "drain completed");
            assertEquals(200, handled.get(), "everything published before the drain was handled");
            pub.publish("drain.sub", bytes("late"));
            pub.flush(WAIT);
            sleepQuietly(QUIET.toMillis());
            assertEquals(200, handled.get(), "nothing after the drain");
            assertTrue(sub.getStatus() == Connection.Status.CONNECTED, "the connection stays open");
        }
    }

    @Test
    void drainingAConnectionFinishesInFlightWorkAndCloses(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sub = clients.connect();
            Connection pub = clients.connect();
            CountDownLatch all = new CountDownLatch(100);
            Dispatcher d = sub.createDispatcher(m -> {
                sleepQuietly(1);
                all.countDown();
            });
            d.subscribe("drain.conn");
            sub.flush(WAIT);
            for (int i = 0; i < 100; i++) {
                pub.publish("drain.conn", bytes("m" + i));
            }
            pub.flush(WAIT);
            sub.flush(WAIT);
            assertTrue(sub.drain(WAIT).get(5, TimeUnit.SECONDS), "drain completed");
            assertEquals(0, all.getCount(), "all in-flight messages handled");
            assertEquals(Connection.Status.CLOSED, sub.getStatus());
            // the server side is fine: the publisher still works and round-trips
            Subscription s = pub.subscribe("after.drain");
            pub.publish("after.drain", bytes("x"));
            assertNotNull(s.nextMessage(WAIT));
        }
    }

    @Test
    void oneMebibytePayloadRoundTrips(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection nc = clients.connect();
            assertEquals(1024 * 1024, nc.getMaxPayload(), "default max_payload advertised in INFO");
            byte[] payload = new byte[1024 * 1024];
            new Random(42).nextBytes(payload);
            Subscription s = nc.subscribe("big");
            nc.flush(WAIT);
            for (int i = 0; i < 3; i++) {
                nc.publish("big", payload);
            }
            nc.flush(WAIT);
            for (int i = 0; i < 3; i++) {
                Message m = s.nextMessage(WAIT);
                assertNotNull(m, "big message " + i);
                assertArrayEquals(payload, m.getData());
            }
        }
    }

    @Test
    void payloadOverAdvertisedLimitIsRefused(TestServer server) throws Exception {
        // jnats enforces the max_payload from INFO itself; the server-side check is in ProtocolErrorsTest
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection nc = clients.connect();
            byte[] tooBig = new byte[(int) nc.getMaxPayload() + 1];
            assertThrows(IllegalArgumentException.class, () -> nc.publish("big", tooBig));
            Subscription s = nc.subscribe("still.ok");
            nc.publish("still.ok", bytes("fine"));
            assertNotNull(s.nextMessage(WAIT));
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
