package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.JSON;
import static io.nats4j.server.testsupport.TestJwts.b64;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static io.nats4j.server.testsupport.TestJwts.userNats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestJwts;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Auth callout in configuration mode with a callout service written here: it runs as the auth user in the
 * AUTH account, checks the server's signature on each request and answers with a response (and user JWT)
 * signed by the issuer nkey. nats-server 2.9.10 has no auth callout, so these run against nats4j only.
 */
class AuthCalloutTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final String VIOLATION = "-ERR 'Authorization Violation'\r\n";

    private final NKey issuer = TestJwts.accountKey();
    private TestServer server;
    private Connection service;
    private final List<Connection> clients = new CopyOnWriteArrayList<>();
    /** The requests the service saw (decoded claims). */
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    /** Problems the service found with a request (the test fails on any). */
    private final List<String> serviceProblems = new CopyOnWriteArrayList<>();

    @BeforeEach
    void onlyNats4j() {
        assumeFalse(TestServer.isGoServer(), "nats-server 2.9.10 has no auth callout (2.10+)");
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Connection c : clients) {
            c.close();
        }
        if (service != null) {
            service.close();
        }
        if (server != null) {
            server.close();
        }
        assertTrue(serviceProblems.isEmpty(), "the callout service found problems: " + serviceProblems);
    }

    private String config(String timeout) {
        return """
                accounts {
                  AUTH { users: [ { user: auth, password: pwd } ] }
                  APP { users: [ { user: bob, password: bob }, { user: carol, password: carol } ] }
                }
                authorization {
                  timeout: %s
                  auth_callout {
                    issuer: %s
                    account: AUTH
                    auth_users: [ auth, bob ]
                  }
                }
                """.formatted(timeout, pub(issuer));
    }

    private void start() throws IOException {
        server = TestServer.start(TestServer.defaultOptions(), config("2"));
    }

    private Connection connect(String user, String pass) throws IOException, InterruptedException {
        return connect(user, pass, null);
    }

    private Connection connect(String user, String pass, ErrorListener errors) throws IOException, InterruptedException {
        Options.Builder b = Options.builder().server(server.url()).userInfo(user, pass).noReconnect()
                .connectionTimeout(WAIT);
        if (errors != null) {
            b.errorListener(errors);
        }
        Connection c = Nats.connect(b.build());
        clients.add(c);
        return c;
    }

    /**
     * Starts the callout service: it decodes and verifies each request, then answers what {@code answer}
     * returns for it (null = no answer at all).
     */
    private void startService(Function<JsonNode, byte[]> answer) throws Exception {
        startService(server.url(), answer);
    }

    private void startService(String url, Function<JsonNode, byte[]> answer) throws Exception {
        startService(Options.builder().server(url), answer);
    }

    private void startService(Options.Builder options, Function<JsonNode, byte[]> answer) throws Exception {
        service = Nats.connect(options.userInfo("auth", "pwd").noReconnect().connectionTimeout(WAIT).build());
        Dispatcher d = service.createDispatcher(m -> {
            JsonNode claims = verifyRequest(m);
            if (claims == null) {
                return;
            }
            requests.add(claims);
            byte[] reply = answer.apply(claims);
            if (reply != null) {
                service.publish(m.getReplyTo(), reply);
            }
        });
        d.subscribe("$SYS.REQ.USER.AUTH");
        service.flush(WAIT);
    }

    /** Decodes the request JWT and checks it is signed by the server it names; null (and a problem) if not. */
    private JsonNode verifyRequest(Message m) {
        try {
            String token = new String(m.getData(), StandardCharsets.US_ASCII);
            String[] parts = token.split("\\.");
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String serverId = claims.path("nats").path("server_id").path("id").asText();
            if (!serverId.equals(claims.path("iss").asText())) {
                serviceProblems.add("request not issued by the server it names: " + claims);
                return null;
            }
            NKey serverKey = NKey.fromPublicKey(serverId.toCharArray());
            byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
            if (!serverKey.verify(signed, Base64.getUrlDecoder().decode(parts[2]))) {
                serviceProblems.add("bad server signature on " + claims);
                return null;
            }
            return claims;
        } catch (Exception e) {
            serviceProblems.add("cannot read request: " + e);
            return null;
        }
    }

    private static String connectUser(JsonNode req) {
        return req.path("nats").path("connect_opts").path("user").asText();
    }

    private static String connectPass(JsonNode req) {
        return req.path("nats").path("connect_opts").path("pass").asText();
    }

    /** A user JWT for {@code subject} placing the client in {@code account} (its {@code aud}). */
    private static String userJwt(NKey signer, String subject, String account, ObjectNode nats) {
        ObjectNode c = JSON.createObjectNode();
        c.put("sub", subject);
        c.put("aud", account);
        c.set("nats", nats);
        return TestJwts.signClaims(signer, c);
    }

    private static byte[] response(NKey signer, String subject, String serverId, String userJwt, String error) {
        return TestJwts.calloutResponse(signer, subject, serverId, userJwt, error);
    }

    /** Allows alice/secret into APP with publish and subscribe limited to app.> and _INBOX.>; rejects others. */
    private byte[] aliceOnly(JsonNode req) {
        if (!connectUser(req).equals("alice") || !connectPass(req).equals("secret")) {
            return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), null, "BAD CREDS");
        }
        ObjectNode nats = userNats();
        nats.putObject("pub").putArray("allow").add("app.>").add("_INBOX.>").add("$SYS.REQ.USER.INFO");
        nats.putObject("sub").putArray("allow").add("app.>").add("_INBOX.>");
        return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, TestJwts.requestUserNkey(req), "APP", nats), null);
    }

    /** A raw CONNECT as {@code user}: what the server answers first (+OK, PONG or -ERR). */
    private String rawConnect(String user, String pass) throws IOException {
        try (RawClient raw = RawClient.open(server)) {
            raw.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"user\":\"" + user + "\",\"pass\":\"" + pass
                    + "\"}\r\nPING\r\n");
            return raw.expectLineStartingWith("", WAIT);
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    void allowedUserLandsInTheAccountTheServiceNamesWithItsPermissions() throws Exception {
        start();
        startService(this::aliceOnly);
        Connection bob = connect("bob", "bob");
        Subscription appSub = bob.subscribe("app.>");
        bob.flush(WAIT);

        List<String> errors = new CopyOnWriteArrayList<>();
        Connection alice = connect("alice", "secret", new ErrorListener() {
            @Override
            public void errorOccurred(Connection conn, String error) {
                errors.add(error);
            }
        });
        alice.publish("app.hello", "hi".getBytes(StandardCharsets.UTF_8));
        Message m = appSub.nextMessage(WAIT);
        assertNotNull(m, "bob in APP receives alice's message: alice is in APP");
        assertEquals("hi", new String(m.getData(), StandardCharsets.UTF_8));

        alice.publish("other.subject", new byte[0]);
        alice.flush(WAIT);
        long until = System.nanoTime() + WAIT.toNanos();
        while (errors.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertEquals(List.of("Permissions Violation for Publish to \"other.subject\""), errors);

        Message info = alice.request("$SYS.REQ.USER.INFO", new byte[0], WAIT);
        JsonNode data = JSON.readTree(info.getData()).path("data");
        assertEquals("APP", data.path("account").asText());
        assertEquals("alice", data.path("user").asText());

        // what the service was sent
        assertEquals(1, requests.size());
        JsonNode req = requests.get(0);
        assertEquals(alice.getServerInfo().getServerId(), TestJwts.requestServerId(req));
        assertEquals("nats-authorization-request", req.path("aud").asText());
        assertEquals(pub(issuer), req.path("sub").asText());
        assertEquals("authorization_request", req.path("nats").path("type").asText());
        assertEquals("127.0.0.1", req.path("nats").path("client_info").path("host").asText());
        assertEquals("alice", req.path("nats").path("client_info").path("user").asText());
        assertTrue(req.path("exp").asLong() > req.path("iat").asLong());
        assertTrue(TestJwts.requestUserNkey(req).startsWith("U") && TestJwts.requestUserNkey(req).length() == 56);
    }

    @Test
    void rejectedUserGetsAuthorizationViolation() throws Exception {
        start();
        startService(this::aliceOnly);
        assertEquals(VIOLATION, rawConnect("alice", "wrong"));
        assertEquals(VIOLATION, rawConnect("mallory", "x"));
        assertThrows(IOException.class, () -> connect("mallory", "x"));
        assertEquals(3, requests.size(), "every rejected client went to the service");
        assertEquals("PONG\r\n", rawConnect("alice", "secret"));
    }

    @Test
    void authUsersBypassTheCallout() throws Exception {
        start();
        startService(this::aliceOnly);
        Connection auth2 = connect("auth", "pwd");
        assertTrue(auth2.getStatus() == Connection.Status.CONNECTED);
        assertEquals(VIOLATION, rawConnect("auth", "wrong-password"));
        assertTrue(requests.isEmpty(), "auth_users never reach the service");
        // a configured user that is not an auth user still goes through the callout
        assertEquals(VIOLATION, rawConnect("carol", "carol"));
        assertEquals(1, requests.size());
    }

    @Test
    void authUsersCannotPublishOnTheCalloutSubject() throws Exception {
        start();
        startService(this::aliceOnly);
        List<String> errors = new CopyOnWriteArrayList<>();
        Connection auth2 = connect("auth", "pwd", new ErrorListener() {
            @Override
            public void errorOccurred(Connection conn, String error) {
                errors.add(error);
            }
        });
        auth2.publish("$SYS.REQ.USER.AUTH", "forged".getBytes(StandardCharsets.UTF_8));
        auth2.flush(WAIT);
        long until = System.nanoTime() + WAIT.toNanos();
        while (errors.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertEquals(List.of("Permissions Violation for Publish to \"$SYS.REQ.USER.AUTH\""), errors);
    }

    @Test
    void noServiceMeansAuthorizationViolationAfterTheAuthTimeout() throws Exception {
        server = TestServer.start(TestServer.defaultOptions(), config("0.5"));
        long t0 = System.nanoTime();
        assertEquals(VIOLATION, rawConnect("alice", "secret"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 400 && ms < 2500, "answered after the auth timeout, took " + ms + " ms");

        // a service that never answers: the same
        startService(req -> null);
        t0 = System.nanoTime();
        assertEquals(VIOLATION, rawConnect("alice", "secret"));
        ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 400 && ms < 2500, "answered after the auth timeout, took " + ms + " ms");
        assertEquals(1, requests.size());
    }

    @Test
    void responseOrUserJwtSignedByAnotherKeyIsRejected() throws Exception {
        start();
        NKey other = TestJwts.accountKey();
        AtomicInteger mode = new AtomicInteger();
        startService(req -> {
            ObjectNode nats = userNats();
            return switch (mode.get()) {
                // response signed by another account key
                case 0 -> response(other, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, TestJwts.requestUserNkey(req), "APP", nats), null);
                // user JWT signed by another key
                case 1 -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(other, TestJwts.requestUserNkey(req), "APP", nats), null);
                // both right
                default -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, TestJwts.requestUserNkey(req), "APP", nats), null);
            };
        });
        assertEquals(VIOLATION, rawConnect("alice", "secret"));
        mode.set(1);
        assertEquals(VIOLATION, rawConnect("alice", "secret"));
        mode.set(2);
        assertEquals("PONG\r\n", rawConnect("alice", "secret"));
    }

    @Test
    void malformedResponsesAreRejectedAndTheServerKeepsWorking() throws Exception {
        start();
        startService(this::aliceOnly);
        Connection bob = connect("bob", "bob");
        Subscription echo = bob.subscribe("app.echo");
        bob.flush(WAIT);

        NKey intruder = TestJwts.userKey();
        List<Function<JsonNode, byte[]>> bad = List.of(
                req -> new byte[0],
                req -> "not a jwt".getBytes(StandardCharsets.UTF_8),
                req -> "a.b.c".getBytes(StandardCharsets.UTF_8),
                req -> "{\"jwt\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                req -> new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2},
                // a user JWT instead of a response
                req -> userJwt(issuer, TestJwts.requestUserNkey(req), "APP", userNats()).getBytes(StandardCharsets.US_ASCII),
                // a response for another user nkey
                req -> response(issuer, pub(intruder), TestJwts.requestServerId(req), userJwt(issuer, pub(intruder), "APP", userNats()), null),
                // a response for another server
                req -> response(issuer, TestJwts.requestUserNkey(req), pub(TestJwts.accountKey()).replaceFirst("A", "N"),
                        userJwt(issuer, TestJwts.requestUserNkey(req), "APP", userNats()), null),
                // a user JWT for another user
                req -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, pub(intruder), "APP", userNats()), null),
                // an account that does not exist
                req -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, TestJwts.requestUserNkey(req), "NOPE", userNats()), null),
                // no account at all
                req -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, TestJwts.requestUserNkey(req), null, userNats()), null),
                // both an error and a JWT
                req -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, TestJwts.requestUserNkey(req), "APP", userNats()), "no"),
                // neither
                req -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), null, null),
                // an expired user JWT
                req -> {
                    ObjectNode c = JSON.createObjectNode();
                    c.put("sub", TestJwts.requestUserNkey(req)).put("aud", "APP").put("exp", TestJwts.now() - 5);
                    c.set("nats", userNats());
                    return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), TestJwts.signClaims(issuer, c), null);
                });
        AtomicInteger which = new AtomicInteger();
        service.close();
        startService(req -> bad.get(which.get()).apply(req));
        for (int i = 0; i < bad.size(); i++) {
            which.set(i);
            assertEquals(VIOLATION, rawConnect("alice", "secret"), "bad answer " + i);
            bob.publish("app.echo", ("after " + i).getBytes(StandardCharsets.UTF_8));
            Message m = echo.nextMessage(WAIT);
            assertNotNull(m, "the other client keeps working after bad answer " + i);
        }
        assertEquals(bad.size(), requests.size());
        service.close();
        startService(this::aliceOnly);
        assertEquals("PONG\r\n", rawConnect("alice", "secret"));
    }

    @Test
    void whatTheClientSendsAfterConnectWaitsForTheCallout() throws Exception {
        start();
        startService(req -> {
            try {
                Thread.sleep(200); // the client's next operations arrive while the callout decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return aliceOnly(req);
        });
        try (RawClient raw = RawClient.open(server)) {
            raw.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"user\":\"alice\",\"pass\":\"secret\"}\r\n"
                    + "SUB app.x 1\r\nPUB app.x 5\r\nhello\r\nPING\r\n");
            raw.expect("MSG app.x 1 5\r\nhello\r\nPONG\r\n", WAIT);
        }
        try (RawClient raw = RawClient.open(server)) {
            raw.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"user\":\"alice\",\"pass\":\"nope\"}\r\n"
                    + "SUB app.x 1\r\nPING\r\n");
            assertEquals(VIOLATION, raw.expectLineStartingWith("", WAIT));
            raw.expectClosed(WAIT);
        }
    }

    @Test
    void aPendingCalloutBlocksNoOtherClient() throws Exception {
        start();
        CountDownLatch release = new CountDownLatch(1);
        startService(req -> {
            if (connectUser(req).equals("slow")) {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), null, "too slow");
            }
            return aliceOnly(req);
        });
        Connection bob = connect("bob", "bob");
        bob.createDispatcher(m -> bob.publish(m.getReplyTo(), m.getData())).subscribe("app.svc");
        bob.flush(WAIT);
        try (RawClient slow = RawClient.open(server)) {
            slow.send("CONNECT {\"verbose\":false,\"user\":\"slow\",\"pass\":\"x\"}\r\nPING\r\n");
            // while the service sits on the slow client's request (its dispatcher thread is busy, so the
            // server waits on it), other clients are served at once
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                Message r = bob.request("app.svc", new byte[] {(byte) i}, WAIT);
                assertNotNull(r);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms < 500, "request-reply took " + ms + " ms while a callout was pending");
            }
            release.countDown();
            assertEquals(VIOLATION, slow.expectLineStartingWith("", WAIT));
        }
    }

    @Test
    void userJwtLimitsAndNameApply() throws Exception {
        start();
        startService(req -> {
            ObjectNode nats = userNats();
            nats.put("payload", 4);
            nats.put("subs", 1);
            ObjectNode c = JSON.createObjectNode();
            c.put("sub", TestJwts.requestUserNkey(req)).put("aud", "APP").put("name", "renamed");
            c.set("nats", nats);
            return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), TestJwts.signClaims(issuer, c), null);
        });
        try (RawClient raw = RawClient.open(server)) {
            raw.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"user\":\"alice\",\"pass\":\"secret\"}\r\n"
                    + "SUB a 1\r\nPUB a 4\r\nabcd\r\nPING\r\n");
            raw.expect("MSG a 1 4\r\nabcd\r\nPONG\r\n", WAIT);
            raw.send("SUB b 2\r\n");
            assertEquals("-ERR 'maximum subscriptions exceeded'\r\n", raw.expectLineStartingWith("", WAIT));
            raw.send("PUB a 5\r\nabcde\r\n");
            assertTrue(raw.expectLineStartingWith("", WAIT).startsWith("-ERR 'Maximum Payload Violation'"));
        }
        Connection c = connect("alice", "secret");
        JsonNode data = JSON.readTree(c.request("$SYS.REQ.USER.INFO", new byte[0], WAIT).getData()).path("data");
        assertEquals("renamed", data.path("user").asText());
        assertFalse(data.path("account").asText().isEmpty());
    }

    @Test
    void callingTheServiceFromTheGlobalAccountByDefault() throws Exception {
        // no account: requests go to $G, where the auth user is; users land in $G with the JWT's aud "$G"
        server = TestServer.start(TestServer.defaultOptions(), """
                authorization {
                  users: [ { user: auth, password: pwd } ]
                  auth_callout { issuer: %s, auth_users: [ auth ] }
                }
                """.formatted(pub(issuer)));
        startService(req -> response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req),
                userJwt(issuer, TestJwts.requestUserNkey(req), "$G", userNats()), null));
        Connection c = connect("anyone", "anything");
        JsonNode data = JSON.readTree(c.request("$SYS.REQ.USER.INFO", new byte[0], WAIT).getData()).path("data");
        assertEquals("$G", data.path("account").asText());
        // users of the callout account may not publish requests as if they were the server
        assertEquals("$SYS.REQ.USER.AUTH", data.path("permissions").path("publish").path("deny").get(0).asText());
    }

    @Test
    void configErrorsAreReportedAtStart() {
        String noSuchUser = """
                authorization {
                  users: [ { user: auth, password: pwd } ]
                  auth_callout { issuer: %s, auth_users: [ nobody ] }
                }
                """.formatted(pub(issuer));
        IOException e = assertThrows(IOException.class, () -> TestServer.start(TestServer.defaultOptions(), noSuchUser));
        assertTrue(e.getMessage().contains("Authorization callout user \"nobody\" not valid"), e.getMessage());

        String noSuchAccount = """
                authorization {
                  users: [ { user: auth, password: pwd } ]
                  auth_callout { issuer: %s, account: NOPE, auth_users: [ auth ] }
                }
                """.formatted(pub(issuer));
        e = assertThrows(IOException.class, () -> TestServer.start(TestServer.defaultOptions(), noSuchAccount));
        assertTrue(e.getMessage().contains("Authorization callout account \"NOPE\" not valid"), e.getMessage());
    }

    @Test
    void theUserJwtsExpiryClosesTheClient() throws Exception {
        start();
        startService(req -> {
            ObjectNode c = JSON.createObjectNode();
            c.put("sub", TestJwts.requestUserNkey(req)).put("aud", "APP").put("exp", TestJwts.now() + 2);
            c.set("nats", userNats());
            return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), TestJwts.signClaims(issuer, c), null);
        });
        try (RawClient raw = RawClient.open(server)) {
            raw.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"user\":\"alice\",\"pass\":\"secret\"}\r\nPING\r\n");
            raw.expect("PONG\r\n", WAIT);
            raw.expectSkippingPings("-ERR 'User Authentication Expired'\r\n", Duration.ofSeconds(5));
            raw.expectClosed(WAIT);
        }
    }

    @Test
    void configReloadKeepsCalloutClientsAndRemovingTheCalloutClosesThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("server.conf");
        java.nio.file.Files.writeString(file, "host: 127.0.0.1\nport: -1\n" + config("2"));
        try (io.nats4j.server.NatsServer ns = new io.nats4j.server.NatsServer(io.nats4j.server.ServerOptions.fromConfigFile(file))) {
            ns.start();
            startService(ns.clientUrl(), this::aliceOnly);
            Connection alice = Nats.connect(Options.builder().server(ns.clientUrl()).userInfo("alice", "secret")
                    .noReconnect().connectionTimeout(WAIT).build());
            clients.add(alice);
            Subscription sub = alice.subscribe("app.x");
            alice.flush(WAIT);

            java.nio.file.Files.writeString(file, "host: 127.0.0.1\nport: -1\n" + config("3"));
            ns.reload();
            alice.publish("app.x", "still".getBytes(StandardCharsets.UTF_8));
            assertNotNull(sub.nextMessage(WAIT), "a reload keeps the callout's client with its account");

            java.nio.file.Files.writeString(file, "host: 127.0.0.1\nport: -1\n" + config("3")
                    .replaceAll("(?s)auth_callout \\{.*?\\}", ""));
            ns.reload();
            long until = System.nanoTime() + WAIT.toNanos();
            while (alice.getStatus() == Connection.Status.CONNECTED && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertFalse(alice.getStatus() == Connection.Status.CONNECTED, "no callout any more: its clients are closed");
        }
    }

    @Test
    void aReloadCannotAddACalloutToAServerStartedWithout(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("server.conf");
        String cfg = config("2");
        java.nio.file.Files.writeString(file, "host: 127.0.0.1\nport: -1\n" + cfg.replaceAll("(?s)auth_callout \\{.*?\\}", ""));
        try (io.nats4j.server.NatsServer ns = new io.nats4j.server.NatsServer(io.nats4j.server.ServerOptions.fromConfigFile(file))) {
            ns.start();
            java.nio.file.Files.writeString(file, "host: 127.0.0.1\nport: -1\n" + cfg);
            IOException e = assertThrows(IOException.class, ns::reload);
            assertTrue(e.getMessage().startsWith("config reload not supported for auth_callout"), e.getMessage());
        }
    }

    @Test
    void theRequestCarriesTheClientsTlsCertificates(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.nats4j.server.testsupport.TestCertificates ca = io.nats4j.server.testsupport.TestCertificates.create(dir, "callout CA");
        var serverCert = ca.server("server", io.nats4j.server.testsupport.TestCertificates.KeyFormat.PKCS8);
        var aliceCert = ca.client("alice", "CN=alice,O=example", List.of(), List.of());
        var serviceCert = ca.client("service", "CN=service", List.of(), List.of());
        io.nats4j.server.ServerOptions o = TestServer.defaultOptions();
        o.tls = new io.nats4j.server.tls.TlsOptions();
        o.tls.certFile = serverCert.certFile();
        o.tls.keyFile = serverCert.keyFile();
        o.tls.caFile = ca.caFile();
        o.tls.verify = true;
        server = TestServer.start(o, config("2"));
        String url = "tls://127.0.0.1:" + server.port();
        startService(Options.builder().server(url).sslContext(ca.clientContext(serviceCert)), req -> {
            JsonNode tls = req.path("nats").path("client_tls");
            try {
                String pem = tls.path("verified_chains").path(0).path(0).asText();
                String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificate(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(b64)));
                if (cert.getSubjectX500Principal().getName().startsWith("CN=alice")
                        && tls.path("version").asText().startsWith("1.") && !tls.path("cipher").asText().isEmpty()) {
                    ObjectNode c = JSON.createObjectNode();
                    c.put("sub", TestJwts.requestUserNkey(req)).put("aud", "APP").put("name", "alice-from-cert");
                    c.set("nats", userNats());
                    return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), TestJwts.signClaims(issuer, c), null);
                }
            } catch (Exception e) {
                serviceProblems.add("bad client_tls " + tls + ": " + e);
            }
            return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), null, "no certificate I know");
        });
        Connection alice = Nats.connect(Options.builder().server(url).sslContext(ca.clientContext(aliceCert))
                .noReconnect().connectionTimeout(WAIT).build());
        clients.add(alice);
        JsonNode data = JSON.readTree(alice.request("$SYS.REQ.USER.INFO", new byte[0], WAIT).getData()).path("data");
        assertEquals("alice-from-cert", data.path("user").asText());
        assertEquals("APP", data.path("account").asText());
        assertThrows(IOException.class, () -> Nats.connect(Options.builder().server(url)
                .sslContext(ca.clientContext(ca.client("eve", "CN=eve", List.of(), List.of())))
                .noReconnect().connectionTimeout(WAIT).build()));
    }

    @Test
    void encryptedRequestsWithXkeyAndEncryptedOrPlainAnswers() throws Exception {
        io.nats4j.server.auth.XKey serviceXkey = io.nats4j.server.auth.XKey.generate();
        server = TestServer.start(TestServer.defaultOptions(), config("2")
                .replace("auth_users: [ auth, bob ]", "auth_users: [ auth, bob ]\n    xkey: " + serviceXkey.publicKey()));
        io.nats4j.server.auth.XKey stranger = io.nats4j.server.auth.XKey.generate();
        service = Nats.connect(Options.builder().server(server.url()).userInfo("auth", "pwd").noReconnect()
                .connectionTimeout(WAIT).build());
        Dispatcher d = service.createDispatcher(m -> {
            String serverXkey = m.getHeaders() == null ? null : m.getHeaders().getFirst("Nats-Server-Xkey");
            byte[] plain = serverXkey == null ? null : serviceXkey.open(m.getData(), serverXkey);
            if (plain == null) {
                serviceProblems.add("request not sealed for the service's xkey by the header's key: " + serverXkey);
                return;
            }
            String[] parts = new String(plain, StandardCharsets.US_ASCII).split("\\.");
            JsonNode req;
            try {
                req = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            } catch (IOException e) {
                serviceProblems.add("cannot read request: " + e);
                return;
            }
            requests.add(req);
            if (!serverXkey.equals(req.path("nats").path("server_id").path("xkey").asText())) {
                serviceProblems.add("the signed request names another xkey than the header: " + req);
            }
            byte[] answer = aliceOnly(req);
            String mode = connectUser(req);
            if (!mode.equals("alice") || connectPass(req).equals("secret")) {
                service.publish(m.getReplyTo(), serviceXkey.seal(answer, serverXkey)); // encrypted answer
            } else if (connectPass(req).equals("plain")) {
                service.publish(m.getReplyTo(), plainAllow(req)); // a plain JWT answer is accepted too
            } else {
                service.publish(m.getReplyTo(), stranger.seal(plainAllow(req), serverXkey)); // sealed by another key
            }
        });
        d.subscribe("$SYS.REQ.USER.AUTH");
        service.flush(WAIT);

        assertEquals("PONG\r\n", rawConnect("alice", "secret"));
        assertEquals("PONG\r\n", rawConnect("alice", "plain"));
        assertEquals(VIOLATION, rawConnect("alice", "forged"));
        assertEquals(VIOLATION, rawConnect("mallory", "x"));
        assertEquals(4, requests.size());
    }

    /** Allows the request's user into APP (plain JWT). */
    private byte[] plainAllow(JsonNode req) {
        return response(issuer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt(issuer, TestJwts.requestUserNkey(req), "APP", userNats()), null);
    }
}
