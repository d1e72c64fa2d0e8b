package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.encode;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestJwts;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code resolver: URL(...)}: account JWTs fetched over HTTP from a JDK HttpServer on loopback. Runs against
 * nats4j and nats-server.
 */
class JwtUrlResolverTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final String PATH = "/jwt/v1/accounts/";

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    private HttpServer http;
    private final Map<String, String> served = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    /** Requests for these accounts wait (up to 10 s) until the latch is released. */
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private TestServer server;

    @BeforeEach
    void setUp() throws IOException {
        op = new TestJwts.Operator(dir);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext(PATH, exchange -> {
            String key = exchange.getRequestURI().getPath().substring(PATH.length());
            requests.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            CountDownLatch gate = gates.get(key);
            if (gate != null) {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String jwt = key.isEmpty() ? "" : served.get(key); // nats-server checks that the base URL answers
            byte[] body = (jwt == null ? "not found" : jwt).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(jwt == null ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        http.stop(0);
    }

    private void start() throws IOException {
        served.putAll(op.accountJwts);
        String memory = op.config();
        String config = memory.substring(0, memory.indexOf("resolver: MEMORY"))
                + "resolver: URL(http://127.0.0.1:" + http.getAddress().getPort() + PATH + ")\n";
        server = TestServer.start(TestServer.defaultOptions(), config);
    }

    private String rawConnect(NKey account) throws IOException {
        NKey u = TestJwts.userKey();
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, op.user(account, u), u);
            return raw.expectLineStartingWith("", WAIT).strip();
        }
    }

    private Connection connect(NKey account) throws Exception {
        NKey u = TestJwts.userKey();
        Path creds = op.credsFile("u" + System.nanoTime(), op.user(account, u), u);
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    @Test
    void accountsAreFetchedOnceOverHttp() throws Exception {
        NKey a = op.account("A");
        start();
        assertEquals("PONG", rawConnect(a));
        assertEquals("PONG", rawConnect(a));
        assertEquals(1, requests.get(pub(a)).get(), "the account is fetched once, then kept");
        try (Connection c = connect(a)) {
            Subscription s = c.subscribe("x");
            c.publish("x", new byte[0]);
            assertNotNull(s.nextMessage(WAIT));
        }
    }

    @Test
    void aClientWaitingForItsAccountHoldsUpNoOtherClient() throws Exception {
        NKey a = op.account("A");
        NKey b = op.account("B");
        CountDownLatch gate = new CountDownLatch(1);
        gates.put(pub(a), gate);
        start();
        // clients of a loaded account, enough of them that one shares an event loop with the waiting client
        List<RawClient> others = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                NKey u = TestJwts.userKey();
                RawClient raw = RawClient.open(server);
                others.add(raw);
                TestJwts.sendJwtConnect(raw, op.user(b, u), u);
                raw.expect("PONG\r\n", WAIT);
            }
            CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return rawConnect(a);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!requests.containsKey(pub(a)) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(requests.containsKey(pub(a)), "the server is fetching A");
            // while A's JWT is on its way, every other client is served
            for (RawClient o : others) {
                o.send("PING\r\n").expect("PONG\r\n", WAIT);
            }
            assertFalse(waiting.isDone(), "A's client is still waiting for its account");
            gate.countDown();
            assertEquals("PONG", waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        } finally {
            gate.countDown();
            for (RawClient o : others) {
                o.close();
            }
        }
    }

    @Test
    void aConfigReloadFetchesTheAccountsOfConnectedClientsOffTheirEventLoops() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(TestServer.isGoServer(), "drives nats4j's reload() directly");
        NKey a = op.account("A");
        NKey b = op.account("B");
        served.putAll(op.accountJwts);
        String memory = op.config();
        Path file = dir.resolve("server.conf");
        String config = "host: 127.0.0.1\nport: -1\n" + memory.substring(0, memory.indexOf("resolver: MEMORY"))
                + "resolver: URL(http://127.0.0.1:" + http.getAddress().getPort() + PATH + ")\n";
        java.nio.file.Files.writeString(file, config + "authorization { timeout: 2 }\n");
        List<RawClient> clients = new ArrayList<>();
        CountDownLatch gate = new CountDownLatch(1);
        try (io.nats4j.server.NatsServer ns = new io.nats4j.server.NatsServer(
                io.nats4j.server.ServerOptions.fromConfigFile(file))) {
            ns.start();
            // one client of A and six of B: some of B share A's event loop
            for (NKey account : List.of(a, b, b, b, b, b, b)) {
                NKey u = TestJwts.userKey();
                RawClient raw = RawClient.open(ns.port(), 0);
                clients.add(raw);
                TestJwts.sendJwtConnect(raw, op.user(account, u), u);
                raw.expect("PONG\r\n", WAIT);
            }
            assertEquals(1, requests.get(pub(a)).get());
            // the reload builds a new operator mode (its resolver settings changed), which loads A again (the
            // same account object): A's next fetch is held back
            gates.put(pub(a), gate);
            // an auth setting changed: the reload rebuilds the accounts and re-checks every client
            java.nio.file.Files.writeString(file, config + "authorization { timeout: 3 }\n"
                    + "resolver_pinned_accounts: [\"" + pub(a) + "\", \"" + pub(b) + "\"]\n");
            CompletableFuture<Void> reload = CompletableFuture.runAsync(() -> {
                try {
                    ns.reload();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (requests.get(pub(a)).get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, requests.get(pub(a)).get(), "the reload fetches A again");
            for (RawClient c : clients.subList(1, clients.size())) {
                c.send("PING\r\n").expect("PONG\r\n", WAIT);
            }
            assertFalse(reload.isDone(), "B's clients were served while the reload waited for A's JWT");
            gate.countDown();
            reload.get(10, TimeUnit.SECONDS);
            clients.get(0).send("PING\r\n").expect("PONG\r\n", WAIT); // A's client kept its account
        } finally {
            gate.countDown();
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void anAccountTheServerDoesNotKnowIsRefused() throws Exception {
        start();
        NKey unknown = TestJwts.accountKey();
        assertEquals("-ERR 'Authorization Violation'", rawConnect(unknown));
        assertTrue(requests.get(pub(unknown)).get() >= 1, "it was asked for");
        if (!TestServer.isGoServer()) {
            // fetched once on a resolver thread; the refusal does not fetch again on the event loop
            assertEquals(1, requests.get(pub(unknown)).get(), "one request per connect");
        }
        served.put(pub(unknown), encode(op.key, pub(unknown), "late", TestJwts.accountNats()));
        assertEquals("PONG", rawConnect(unknown), "published later: the next connect fetches it");
    }

    @Test
    void aBaseUrlThatDoesNotAnswerStopsTheStart() throws Exception {
        String memory = op.config();
        String config = memory.substring(0, memory.indexOf("resolver: MEMORY"))
                + "resolver: URL(http://127.0.0.1:" + http.getAddress().getPort() + "/nothing/here/)\n";
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> TestServer.start(TestServer.defaultOptions(), config).close());
        assertTrue(String.valueOf(e.getMessage()).contains("could not fetch <\"http://127.0.0.1:" + http.getAddress().getPort()
                + "/nothing/here/\">: 404 Not Found"), e.getMessage());
    }

    @Test
    void claimUpdatesApplyToLoadedAccountsInMemory() throws Exception {
        NKey a = op.account("A");
        NKey notLoaded = op.account("N");
        start();
        assertEquals("PONG", rawConnect(a));
        ObjectNode lowered = TestJwts.accountNats();
        ((ObjectNode) lowered.get("limits")).put("conn", 0);
        try (Connection sys = connect(op.systemAccount)) {
            String inbox = sys.createInbox();
            Subscription sub = sys.subscribe(inbox);
            sys.publish("$SYS.REQ.ACCOUNT." + pub(a) + ".CLAIMS.UPDATE", inbox,
                    encode(op.key, pub(a), "A", lowered).getBytes(StandardCharsets.UTF_8));
            Message m = sub.nextMessage(WAIT);
            assertNotNull(m);
            JsonNode r = TestJwts.JSON.readTree(m.getData());
            assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());

            sys.publish("$SYS.REQ.ACCOUNT." + pub(notLoaded) + ".CLAIMS.UPDATE", inbox,
                    encode(op.key, pub(notLoaded), "N", lowered).getBytes(StandardCharsets.UTF_8));
            m = sub.nextMessage(WAIT);
            assertNotNull(m);
            r = TestJwts.JSON.readTree(m.getData());
            assertEquals("jwt update skipped", r.path("data").path("message").asText(), r.toString());
        }
        assertEquals("-ERR 'maximum account active connections exceeded'", rawConnect(a), "the update applies");
        assertEquals(1, requests.get(pub(a)).get(), "and is not fetched again");
        assertEquals("PONG", rawConnect(notLoaded), "a skipped update leaves the served JWT in charge");
    }
}
