package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.PeerConnection;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.InterestListener;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.testsupport.RawClient;
import io.netty.channel.EventLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * First/last interest per (account, subject, queue) with queue weights, as routes, leaf nodes and push
 * consumers will hear it: a listener on an account sees the first subscription on a subject once and the last
 * one leave once, whatever removes it (UNSUB, auto-unsubscribe, client close, a reload that takes the
 * permission away), and every change of a queue group's member count.
 */
class InterestEventsTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;
    private NatsServer server;
    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Path write(String text) throws Exception {
        Path f = dir.resolve("server.conf");
        Files.writeString(f, "host: 127.0.0.1\nport: -1\n" + text);
        return f;
    }

    private void start(String config) throws Exception {
        server = new NatsServer(ServerOptions.fromConfigFile(write(config)));
        server.start();
    }

    private RawClient client(String connectJson) throws Exception {
        RawClient c = RawClient.open(server.port(), 0);
        clients.add(c);
        c.connect(connectJson).sync();
        return c;
    }

    private RawClient client() throws Exception {
        return client("{\"verbose\":false,\"pedantic\":false}");
    }

    /** Records the events on subjects under {@code t.} (the server's own internal subscriptions are elsewhere). */
    private static final class Recorder implements InterestListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void interestChanged(String subject, String queue, int weight) {
            if (subject.startsWith("t.")) {
                events.add(subject + " " + (queue == null ? "-" : queue) + " " + weight);
            }
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void firstInterestOnceAndLastInterestOnceAcrossClientsUnsubAndClose() throws Exception {
        start("");
        Recorder r = new Recorder();
        Account global = server.globalAccount();
        global.addInterestListener(r);
        RawClient a = client();
        RawClient b = client();
        a.send("SUB t.foo 1\r\nSUB t.foo 2\r\n").sync();
        b.send("SUB t.foo 1\r\nSUB t.* 9\r\n").sync();
        assertEquals(List.of("t.foo - 1", "t.* - 1"), r.events);
        assertEquals(3, global.interestWeight("t.foo", null));

        a.send("UNSUB 1\r\nUNSUB 2\r\n").sync();
        assertEquals(List.of("t.foo - 1", "t.* - 1"), r.events, "b still has t.foo");
        b.close();
        waitFor(() -> r.events.size() == 4, "the last interest of the closed client");
        assertEquals(List.of("t.foo - 1", "t.* - 1"), r.events.subList(0, 2));
        // a closing client's subscriptions leave together, in no particular order
        assertEquals(java.util.Set.of("t.foo - 0", "t.* - 0"), java.util.Set.copyOf(r.events.subList(2, 4)));
        assertEquals(0, global.interestWeight("t.foo", null));
    }

    @Test
    void queueGroupsReportTheirWeightAsMembersJoinAndLeave() throws Exception {
        start("");
        Recorder r = new Recorder();
        server.globalAccount().addInterestListener(r);
        RawClient a = client();
        RawClient b = client();
        a.send("SUB t.work q 1\r\n").sync();
        b.send("SUB t.work q 1\r\nSUB t.work other 2\r\n").sync();
        a.send("SUB t.work q 2\r\n").sync();
        assertEquals(List.of("t.work q 1", "t.work q 2", "t.work other 1", "t.work q 3"), r.events);
        a.send("UNSUB 2\r\n").sync();
        a.close();
        waitFor(() -> r.events.size() == 6, "the member of the closed client leaving");
        b.send("UNSUB 1\r\n").sync();
        b.send("UNSUB 2\r\n").sync();
        assertEquals(List.of("t.work q 1", "t.work q 2", "t.work other 1", "t.work q 3", "t.work q 2", "t.work q 1",
                "t.work q 0", "t.work other 0"), r.events);
    }

    @Test
    void autoUnsubscribeEndsTheInterestOnce() throws Exception {
        start("");
        Recorder r = new Recorder();
        server.globalAccount().addInterestListener(r);
        RawClient sub = client();
        RawClient pub = client();
        sub.send("SUB t.once 1\r\nUNSUB 1 2\r\n").sync();
        pub.send("PUB t.once 1\r\na\r\nPUB t.once 1\r\nb\r\nPUB t.once 1\r\nc\r\n").sync();
        sub.expect("MSG t.once 1 1\r\na\r\nMSG t.once 1 1\r\nb\r\n");
        sub.sync();
        assertEquals(List.of("t.once - 1", "t.once - 0"), r.events);
        sub.close(); // the subscription is gone already: no second "last interest"
        Thread.sleep(200);
        assertEquals(List.of("t.once - 1", "t.once - 0"), r.events);
    }

    @Test
    void aListenerHearsTheInterestThatExistsWhenItIsAdded() throws Exception {
        start("");
        RawClient a = client();
        a.send("SUB t.old 1\r\nSUB t.old 2\r\nSUB t.q g 3\r\nSUB t.q g 4\r\n").sync();
        Recorder r = new Recorder();
        server.globalAccount().addInterestListener(r);
        assertEquals(java.util.Set.of("t.old - 1", "t.q g 2"), java.util.Set.copyOf(r.events));
        server.globalAccount().removeInterestListener(r);
        a.send("UNSUB 1\r\nUNSUB 2\r\n").sync();
        assertEquals(2, r.events.size(), "a removed listener hears nothing");
    }

    @Test
    void aReloadThatTakesThePermissionAwayEndsTheInterest() throws Exception {
        String before = """
                authorization {
                  users: [{user: alice, password: alice, permissions: {subscribe: ">"}}]
                }
                """;
        start(before);
        Recorder r = new Recorder();
        server.globalAccount().addInterestListener(r);
        RawClient alice = client("{\"verbose\":false,\"pedantic\":false,\"user\":\"alice\",\"pass\":\"alice\"}");
        alice.send("SUB t.secret 1\r\nSUB t.open 2\r\n").sync();
        assertEquals(List.of("t.secret - 1", "t.open - 1"), r.events);
        write("""
                authorization {
                  users: [{user: alice, password: alice, permissions: {subscribe: {allow: ">", deny: "t.secret"}}}]
                }
                """);
        server.reload();
        alice.expectLineStartingWith("-ERR 'Permissions Violation for Subscription to \"t.secret\"'", WAIT);
        waitFor(() -> r.events.size() == 3, "the last interest in t.secret");
        assertEquals(List.of("t.secret - 1", "t.open - 1", "t.secret - 0"), r.events);
    }

    @Test
    void routeAndGatewaySubscriptionsAreNotThisServersInterestButLeafNodesAre() throws Exception {
        start("");
        Recorder r = new Recorder();
        Account global = server.globalAccount();
        global.addInterestListener(r);
        Peer route = new Peer(ConnectionKind.ROUTER);
        Peer gateway = new Peer(ConnectionKind.GATEWAY);
        Peer leaf = new Peer(ConnectionKind.LEAF);
        global.subscribe(new Subscription(route, "t.r", null, new byte[] {'1'}));
        global.subscribe(new Subscription(gateway, "t.g", null, new byte[] {'1'}));
        Subscription l = new Subscription(leaf, "t.l", "q", new byte[] {'1'});
        global.subscribe(l);
        assertEquals(List.of("t.l q 1"), r.events);
        global.unsubscribe(l);
        global.unsubscribe(l);
        assertEquals(List.of("t.l q 1", "t.l q 0"), r.events, "a second removal changes nothing");
    }

    /** A connection to another server, reduced to what the index needs. */
    private record Peer(ConnectionKind kind) implements PeerConnection {
        @Override
        public long id() {
            return 1_000 + kind.ordinal();
        }

        @Override
        public boolean deliverRemote(Message msg, Subscription[] subs, int count) {
            return true;
        }

        @Override
        public void flushFrom(EventLoop publisherLoop) {
        }
    }
}
