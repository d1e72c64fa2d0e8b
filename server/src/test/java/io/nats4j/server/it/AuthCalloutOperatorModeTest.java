package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.JSON;
import static io.nats4j.server.testsupport.TestJwts.b64;
import static io.nats4j.server.testsupport.TestJwts.encode;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static io.nats4j.server.testsupport.TestJwts.userNats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.XKey;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestJwts;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auth callout in operator mode: the AUTH account's JWT enables it ({@code nats.authorization}), so its users
 * other than the {@code auth_users} (the service's own) are authorized by the service, which answers in AUTH
 * with a response signed by AUTH (or its signing key) and a user JWT of the account the client goes to: AUTH
 * or one of {@code allowed_accounts}. The service is written here with jnats. nats-server 2.9.10 has no auth
 * callout, so these run against nats4j only.
 */
class AuthCalloutOperatorModeTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final String VIOLATION = "-ERR 'Authorization Violation'\r\n";

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    /** The callout account, its signing key, the service's user and a "sentinel" user clients connect with. */
    private NKey auth;
    private final NKey authSigner = TestJwts.accountKey();
    private final NKey serviceUser = TestJwts.userKey();
    private final NKey sentinel = TestJwts.userKey();
    /** The account the service places clients in, and one it may not (unless allowed_accounts is "*"). */
    private NKey app;
    private NKey other;
    private TestServer server;
    /** The client URL of a server started here without {@link TestServer} (config reload tests). */
    private String reloadableUrl;
    private Connection service;
    private final List<Connection> clients = new CopyOnWriteArrayList<>();
    /** The requests the service saw (decoded claims), with the message headers' server xkey (or null). */
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> serviceProblems = new CopyOnWriteArrayList<>();
    /** The service's curve key when AUTH's JWT names one (requests are then encrypted). */
    private XKey serviceXkey;

    @BeforeEach
    void setUp() {
        assumeFalse(TestServer.isGoServer(), "nats-server 2.9.10 has no auth callout (2.10+)");
        op = new TestJwts.Operator(dir);
        app = op.account("APP");
        other = op.account("OTHER");
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

    // ---------------------------------------------------------------- set-up

    private String url() {
        return server != null ? server.url() : reloadableUrl;
    }

    /** AUTH's account claims: a signing key and, unless null, this authorization block. */
    private ObjectNode authAccountNats(ObjectNode authorization) {
        ObjectNode n = TestJwts.accountNats();
        n.putArray("signing_keys").add(pub(authSigner));
        if (authorization != null) {
            n.set("authorization", authorization);
        }
        return n;
    }

    /** An authorization block: the service user, these allowed accounts, the service's xkey when set. */
    private ObjectNode authorization(String... allowedAccounts) {
        ObjectNode a = JSON.createObjectNode();
        a.putArray("auth_users").add(pub(serviceUser));
        ArrayNode allowed = a.putArray("allowed_accounts");
        for (String s : allowedAccounts) {
            allowed.add(s);
        }
        if (serviceXkey != null) {
            a.put("xkey", serviceXkey.publicKey());
        }
        return a;
    }

    private void start(ObjectNode authorization) throws IOException {
        auth = op.account("AUTH", authAccountNats(authorization));
        // the auth timeout bounds the wait for the service (the documented way to set it in operator mode)
        server = TestServer.start(TestServer.defaultOptions(), op.config() + "authorization { timeout: 1 }\n");
    }

    private Connection connect(String userJwt, NKey user, ErrorListener errors) throws IOException, InterruptedException {
        Path creds = op.credsFile("u" + System.nanoTime(), userJwt, user);
        Options.Builder b = Options.builder().server(url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT);
        if (errors != null) {
            b.errorListener(errors);
        }
        Connection c = Nats.connect(b.build());
        clients.add(c);
        return c;
    }

    /** A client with the sentinel user of AUTH (a valid JWT that only the callout turns into a real user). */
    private Connection connectSentinel(ErrorListener errors) throws IOException, InterruptedException {
        return connect(op.user(auth, sentinel), sentinel, errors);
    }

    /** A raw CONNECT with the sentinel's JWT and a good signature: what the server answers first. */
    private String rawSentinel() throws IOException {
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, op.user(auth, sentinel), sentinel);
            return raw.expectLineStartingWith("", WAIT);
        }
    }

    /** Starts the service as AUTH's auth user: it verifies each request, then answers {@code answer}'s reply. */
    private void startService(Function<JsonNode, byte[]> answer) throws Exception {
        Path creds = op.credsFile("service", op.user(auth, serviceUser), serviceUser);
        service = Nats.connect(Options.builder().server(url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
        Dispatcher d = service.createDispatcher(m -> {
            String serverXkey = m.getHeaders() == null ? null : m.getHeaders().getFirst("Nats-Server-Xkey");
            JsonNode claims = verifyRequest(m, serverXkey);
            if (claims == null) {
                return;
            }
            requests.add(claims);
            byte[] reply = answer.apply(claims);
            if (reply != null) {
                service.publish(m.getReplyTo(), serviceXkey != null ? serviceXkey.seal(reply, serverXkey) : reply);
            }
        });
        d.subscribe("$SYS.REQ.USER.AUTH");
        service.flush(WAIT);
    }

    /**
     * Decrypts (with an xkey) and decodes the request JWT, checks it is signed by the server it names and, when
     * encrypted, that the signed claims name the header's xkey; null (and a problem) if not.
     */
    private JsonNode verifyRequest(Message m, String serverXkey) {
        try {
            byte[] data = m.getData();
            if (serviceXkey != null) {
                data = serverXkey == null ? null : serviceXkey.open(data, serverXkey);
                if (data == null) {
                    serviceProblems.add("request not sealed for the service's xkey by the header's key: " + serverXkey);
                    return null;
                }
            } else if (serverXkey != null) {
                serviceProblems.add("an xkey header on a plain request");
            }
            String token = new String(data, StandardCharsets.US_ASCII);
            String[] parts = token.split("\\.");
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String serverId = claims.path("nats").path("server_id").path("id").asText();
            NKey serverKey = NKey.fromPublicKey(serverId.toCharArray());
            byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
            if (!serverId.equals(claims.path("iss").asText())
                    || !serverKey.verify(signed, Base64.getUrlDecoder().decode(parts[2]))) {
                serviceProblems.add("request not signed by the server it names: " + claims);
                return null;
            }
            if (serviceXkey != null && !serverXkey.equals(claims.path("nats").path("server_id").path("xkey").asText())) {
                serviceProblems.add("the signed request names another xkey than the header: " + claims);
                return null;
            }
            return claims;
        } catch (Exception e) {
            serviceProblems.add("cannot read request: " + e);
            return null;
        }
    }

    /** A user JWT for the request's user nkey, signed by {@code signer}, with {@code issuer_account} unless null. */
    private static String userJwt(NKey signer, String issuerAccount, JsonNode req, ObjectNode nats) {
        ObjectNode c = JSON.createObjectNode();
        c.put("sub", TestJwts.requestUserNkey(req));
        c.put("name", "alice");
        if (issuerAccount != null) {
            nats.put("issuer_account", issuerAccount);
        }
        c.set("nats", nats);
        return TestJwts.signClaims(signer, c);
    }

    /** An authorization response to the request, signed by {@code signer}, with a user JWT or an error. */
    private static byte[] response(NKey signer, JsonNode req, String userJwt, String error) {
        return TestJwts.calloutResponse(signer, TestJwts.requestUserNkey(req), TestJwts.requestServerId(req), userJwt, error);
    }

    /** User claims limited to app.> and _INBOX.> (and asking who one is). */
    private static ObjectNode appPermissions() {
        ObjectNode nats = userNats();
        nats.putObject("pub").putArray("allow").add("app.>").add("_INBOX.>").add("$SYS.REQ.USER.INFO");
        nats.putObject("sub").putArray("allow").add("app.>").add("_INBOX.>");
        return nats;
    }

    /** The service's usual answer: response signed by AUTH, the client placed in {@code target} by its own key. */
    private Function<JsonNode, byte[]> placeIn(NKey target) {
        return req -> response(auth, req, userJwt(target, null, req, appPermissions()), null);
    }

    private static ErrorListener collect(List<String> errors) {
        return new ErrorListener() {
            @Override
            public void errorOccurred(Connection conn, String error) {
                errors.add(error);
            }
        };
    }

    private static void awaitNonEmpty(List<?> list) throws InterruptedException {
        long until = System.nanoTime() + WAIT.toNanos();
        while (list.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
    }

    /**
     * Checks {@code c} is bound to {@code account}: a client of that account (the service's user for AUTH,
     * which bypasses the callout) receives what {@code c} publishes on app.probe.
     */
    private void assertInAccount(Connection c, NKey account) throws Exception {
        NKey u = account == auth ? serviceUser : TestJwts.userKey();
        Connection listener = connect(op.user(account, u), u, null);
        Subscription s = listener.subscribe("app.probe");
        listener.flush(WAIT);
        String id = Long.toString(System.nanoTime());
        c.publish("app.probe", id.getBytes(StandardCharsets.UTF_8));
        c.flush(WAIT);
        Message m = s.nextMessage(WAIT);
        assertNotNull(m, "a client of the expected account receives what the client publishes");
        assertEquals(id, new String(m.getData(), StandardCharsets.UTF_8));
        listener.close();
    }

    /** A client in APP (its own JWT, no callout: APP has none) subscribed to app.>. */
    private Subscription appListener() throws Exception {
        NKey u = TestJwts.userKey();
        Connection bob = connect(op.user(app, u), u, null);
        Subscription s = bob.subscribe("app.>");
        bob.flush(WAIT);
        return s;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void sentinelUserGoesThroughTheCalloutIntoTheAllowedAccountWithItsPermissions() throws Exception {
        start(authorization(pub(app)));
        startService(placeIn(app));
        Subscription appSub = appListener();

        List<String> errors = new CopyOnWriteArrayList<>();
        Connection alice = connectSentinel(collect(errors));
        alice.publish("app.hello", "hi".getBytes(StandardCharsets.UTF_8));
        Message m = appSub.nextMessage(WAIT);
        assertNotNull(m, "a client of APP receives alice's message: alice is in APP, not in AUTH");
        assertEquals("hi", new String(m.getData(), StandardCharsets.UTF_8));
        assertInAccount(alice, app);

        alice.publish("other.subject", new byte[0]);
        alice.flush(WAIT);
        awaitNonEmpty(errors);
        assertEquals(List.of("Permissions Violation for Publish to \"other.subject\""), errors);

        // the request: sent in AUTH (the service got it there), naming AUTH as its subject
        assertEquals(1, requests.size());
        JsonNode req = requests.get(0);
        assertEquals(pub(auth), req.path("sub").asText());
        assertEquals("nats-authorization-request", req.path("aud").asText());
        assertEquals(alice.getServerInfo().getServerId(), TestJwts.requestServerId(req));
        assertTrue(req.path("nats").path("connect_opts").path("jwt").asText().startsWith("eyJ"), "the sentinel's JWT is sent");
        assertEquals(pub(sentinel), req.path("nats").path("client_info").path("user").asText(),
                "client_info.user is the public key of the user JWT: " + req.path("nats").path("client_info"));
    }

    @Test
    void calloutMayPlaceTheClientInTheCalloutAccountItself() throws Exception {
        start(authorization());
        startService(req -> response(auth, req, userJwt(auth, null, req, appPermissions()), null));
        Connection alice = connectSentinel(null);
        assertInAccount(alice, auth);
        assertEquals(1, requests.size());
    }

    @Test
    void targetAccountNotInAllowedAccountsIsRefused() throws Exception {
        start(authorization(pub(app)));
        startService(placeIn(other));
        assertEquals(VIOLATION, rawSentinel());
        assertEquals(1, requests.size(), "the client went to the service");
        assertThrows(IOException.class, () -> connectSentinel(null));
    }

    @Test
    void wildcardAllowsAnyAccount() throws Exception {
        start(authorization("*"));
        startService(placeIn(other));
        Connection alice = connectSentinel(null);
        assertInAccount(alice, other);
    }

    @Test
    void responseMustBeSignedByTheCalloutAccountOrItsSigningKey() throws Exception {
        start(authorization(pub(app)));
        // signed by the target account (allowed, but not the callout account): refused
        startService(req -> response(app, req, userJwt(app, null, req, appPermissions()), null));
        assertEquals(VIOLATION, rawSentinel());
        service.close();
        // signed by some other account key: refused
        NKey stranger = TestJwts.accountKey();
        startService(req -> response(stranger, req, userJwt(app, null, req, appPermissions()), null));
        assertEquals(VIOLATION, rawSentinel());
        service.close();
        // signed by AUTH's signing key: accepted
        startService(req -> response(authSigner, req, userJwt(app, null, req, appPermissions()), null));
        assertEquals("PONG\r\n", rawSentinel());
        assertEquals(3, requests.size());
    }

    @Test
    void userJwtMustBeSignedByTheTargetAccount() throws Exception {
        start(authorization(pub(app)));
        // issued by AUTH's key but naming APP as issuer_account: APP does not know that key
        startService(req -> response(auth, req, userJwt(auth, pub(app), req, appPermissions()), null));
        assertEquals(VIOLATION, rawSentinel());
        assertEquals(1, requests.size());
    }

    @Test
    void serviceErrorIsRefused() throws Exception {
        start(authorization(pub(app)));
        startService(req -> response(auth, req, null, "not you"));
        assertEquals(VIOLATION, rawSentinel());
        assertEquals(1, requests.size());
    }

    @Test
    void authUsersBypassTheCalloutAndCannotPublishOnItsSubject() throws Exception {
        start(authorization(pub(app)));
        startService(placeIn(app));
        assertTrue(requests.isEmpty(), "the service's own connection did not go to the callout");
        List<String> errors = new CopyOnWriteArrayList<>();
        Connection second = connect(op.user(auth, serviceUser), serviceUser, collect(errors));
        assertInAccount(second, auth);
        assertTrue(requests.isEmpty(), "auth_users never reach the service");
        second.publish("$SYS.REQ.USER.AUTH", "forged".getBytes(StandardCharsets.UTF_8));
        second.flush(WAIT);
        awaitNonEmpty(errors);
        assertEquals(List.of("Permissions Violation for Publish to \"$SYS.REQ.USER.AUTH\""), errors);
    }

    @Test
    void sentinelWithABadSignatureIsRefusedWithoutAsking() throws Exception {
        start(authorization(pub(app)));
        startService(placeIn(app));
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, op.user(auth, sentinel), TestJwts.userKey());
            assertEquals(VIOLATION, raw.expectLineStartingWith("", WAIT));
        }
        assertTrue(requests.isEmpty());
    }

    @Test
    void encryptedRequestsWithTheAccountsXkey() throws Exception {
        serviceXkey = XKey.generate();
        start(authorization(pub(app)));
        startService(placeIn(app)); // answers sealed for the server's xkey
        Connection alice = connectSentinel(null);
        assertInAccount(alice, app);
        assertEquals(1, requests.size());
        assertTrue(serviceProblems.isEmpty(), serviceProblems.toString());
    }

    @Test
    void noAnswerMeansAuthorizationViolationAfterTheAuthTimeout() throws Exception {
        start(authorization(pub(app)));
        startService(req -> null);
        long t0 = System.nanoTime();
        assertEquals(VIOLATION, rawSentinel());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 800 && ms < 1800, "answered after the 1 s auth timeout (not the 2 s default), took " + ms + " ms");
        assertEquals(1, requests.size());
    }

    @Test
    void noServiceAtAllIsAnAuthorizationViolation() throws Exception {
        start(authorization(pub(app)));
        assertEquals(VIOLATION, rawSentinel());
    }

    @Test
    void accountJwtUpdateTurnsTheCalloutOnAndOffForNewConnections() throws Exception {
        start(null);
        // no authorization block: the sentinel's JWT is an ordinary user of AUTH
        Connection before = connectSentinel(null);
        assertInAccount(before, auth);

        update(auth, authAccountNats(authorization(pub(app))));
        startService(req -> response(auth, req, null, "no"));
        assertEquals(VIOLATION, rawSentinel());
        assertEquals(1, requests.size(), "with the block, the same user JWT goes to the callout");

        update(auth, authAccountNats(null));
        assertEquals("PONG\r\n", rawSentinel());
        assertEquals(1, requests.size(), "without it again, no request");
    }

    @Test
    void invalidAuthorizationBlockMakesTheAccountUnusable() throws Exception {
        ObjectNode bad = JSON.createObjectNode();
        bad.putArray("allowed_accounts").add(pub(app)); // no auth_users: nats-io/jwt refuses this
        start(bad);
        assertEquals(VIOLATION, rawSentinel());
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, op.user(auth, serviceUser), serviceUser);
            assertEquals(VIOLATION, raw.expectLineStartingWith("", WAIT));
        }
    }

    @Test
    void sentinelOfAnAccountFetchedOverHttpStillGoesThroughTheCallout() throws Exception {
        auth = op.account("AUTH", authAccountNats(authorization(pub(app))));
        java.util.concurrent.atomic.AtomicInteger authFetches = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        String path = "/jwt/v1/accounts/";
        http.createContext(path, exchange -> {
            String key = exchange.getRequestURI().getPath().substring(path.length());
            if (key.equals(pub(auth))) {
                authFetches.incrementAndGet();
            }
            String jwt = key.isEmpty() ? "" : op.accountJwts.get(key);
            byte[] body = (jwt == null ? "not found" : jwt).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(jwt == null ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (java.io.OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        try {
            String memory = op.config();
            ServerOptions o = TestServer.defaultOptions();
            o.authTimeout = Duration.ofSeconds(1);
            server = TestServer.start(o, memory.substring(0, memory.indexOf("resolver: MEMORY"))
                    + "resolver: URL(http://127.0.0.1:" + http.getAddress().getPort() + path + ")\n");
            // the sentinel is the first user of AUTH: its account is fetched while CONNECT waits, then the
            // callout decides (no service yet: refused)
            assertEquals(VIOLATION, rawSentinel());
            assertEquals(1, authFetches.get(), "AUTH came from the URL resolver at the sentinel's CONNECT");
            startService(placeIn(app));
            Connection alice = connectSentinel(null);
            assertInAccount(alice, app);
            assertEquals(1, requests.size());
        } finally {
            http.stop(0);
        }
    }

    @Test
    void configReloadKeepsCalloutClientsInTheirAccount() throws Exception {
        auth = op.account("AUTH", authAccountNats(authorization(pub(app))));
        Path file = dir.resolve("server.conf");
        java.nio.file.Files.writeString(file, "host: 127.0.0.1\nport: -1\n" + op.config() + "authorization { timeout: 1 }\n");
        try (io.nats4j.server.NatsServer ns = new io.nats4j.server.NatsServer(ServerOptions.fromConfigFile(file))) {
            ns.start();
            reloadableUrl = ns.clientUrl();
            startService(placeIn(app));
            Connection alice = connectSentinel(null);
            assertInAccount(alice, app);

            java.nio.file.Files.writeString(file, "host: 127.0.0.1\nport: -1\n" + op.config() + "authorization { timeout: 2 }\n");
            ns.reload();
            assertInAccount(alice, app);
            assertEquals(1, requests.size(), "the reload asked nothing");
        }
    }

    /** Sends an account JWT to {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE} as a system user and checks the answer. */
    private void update(NKey account, ObjectNode nats) throws Exception {
        String jwt = encode(op.key, pub(account), "acc", nats);
        NKey u = TestJwts.userKey();
        Connection sys = connect(op.user(op.systemAccount, u), u, null);
        Message m = sys.request("$SYS.REQ.ACCOUNT." + pub(account) + ".CLAIMS.UPDATE", jwt.getBytes(StandardCharsets.UTF_8), WAIT);
        assertNotNull(m, "an answer to the update");
        JsonNode r = JSON.readTree(m.getData());
        assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());
        assertNull(r.get("error"), r.toString());
    }
}
