package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.encode;
import static io.nats4j.server.testsupport.TestJwts.now;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static io.nats4j.server.testsupport.TestJwts.userNats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operator mode (decentralized JWT auth) with a MEMORY resolver; runs against nats4j and nats-server. */
class JwtAuthTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final String VIOLATION = "-ERR 'Authorization Violation'";

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    private TestServer server;

    @BeforeEach
    void operator() {
        op = new TestJwts.Operator(dir);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start() throws IOException {
        server = TestServer.start(TestServer.defaultOptions(), op.config());
    }

    private Connection connect(String userJwt, NKey user) throws Exception {
        Path creds = op.credsFile("u" + System.nanoTime(), userJwt, user);
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    /** Raw CONNECT with the user JWT and the nonce signed by {@code signer} (null = no sig); the first reply. */
    private String rawConnect(RawClient raw, String userJwt, NKey signer) throws IOException {
        TestJwts.sendJwtConnect(raw, userJwt, signer);
        return raw.expectLineStartingWith("", WAIT).strip();
    }

    private String rawConnect(String userJwt, NKey signer) throws IOException {
        try (RawClient raw = RawClient.open(server)) {
            return rawConnect(raw, userJwt, signer);
        }
    }

    private static void roundTrip(Connection c, String subject) throws Exception {
        Subscription s = c.subscribe(subject);
        c.publish(subject, "x".getBytes(StandardCharsets.UTF_8));
        assertNotNull(s.nextMessage(WAIT), "message on " + subject);
    }

    @Test
    void userWithCredsFileConnectsAndExchangesMessages() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        start();
        try (RawClient raw = RawClient.open(server)) {
            assertTrue(raw.info().contains("\"auth_required\":true"), raw.info());
        }
        try (Connection c = connect(op.user(a, u), u)) {
            roundTrip(c, "hello");
        }
    }

    @Test
    void connectWithoutJwtOrWithWrongSignatureIsRefused() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        start();
        try (RawClient raw = RawClient.open(server)) {
            raw.send("CONNECT {\"verbose\":false}\r\nPING\r\n");
            raw.expect(VIOLATION + "\r\n");
        }
        assertEquals(VIOLATION, rawConnect(op.user(a, u), TestJwts.userKey()), "nonce signed by another key");
        assertEquals(VIOLATION, rawConnect(op.user(a, u), null), "no signature");
        assertEquals("PONG", rawConnect(op.user(a, u), u));
    }

    @Test
    void usersOfUnknownAccountsOrAccountsOfOtherOperatorsAreRefused() throws Exception {
        NKey unknown = TestJwts.accountKey();
        NKey u = TestJwts.userKey();
        // an account signed by another operator, preloaded all the same
        NKey foreignOp = TestJwts.operatorKey();
        NKey foreign = TestJwts.accountKey();
        op.accountJwt(foreign, encode(foreignOp, pub(foreign), "F", TestJwts.accountNats()));
        NKey a = op.account("A");
        start();
        assertEquals(VIOLATION, rawConnect(op.user(unknown, u), u));
        assertEquals(VIOLATION, rawConnect(op.user(foreign, u), u));
        // a user JWT whose signature does not match its issuer (signed by A, claims to be from another account)
        String signed = op.user(a, u);
        String[] parts = signed.split("\\.");
        String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String tampered = parts[0] + "." + TestJwts.b64(claims.replace("\"name\":\"user\"", "\"name\":\"root\"")
                .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertEquals(VIOLATION, rawConnect(tampered, u));
    }

    @Test
    void expiredUserIsRefusedAndAUserExpiringLaterIsDisconnectedAtExpiry() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        start();
        String expired = encode(a, pub(u), "u", userNats(), now() - 60, now() - 10);
        assertEquals(VIOLATION, rawConnect(expired, u));
        String shortLived = encode(a, pub(u), "u", userNats(), now(), now() + 2);
        try (RawClient raw = RawClient.open(server)) {
            assertEquals("PONG", rawConnect(raw, shortLived, u));
            raw.expectSkippingPings("-ERR 'User Authentication Expired'", Duration.ofSeconds(6));
            raw.expectClosed(WAIT);
        }
    }

    @Test
    void revokedUsersAreRefusedUntilReissued() throws Exception {
        NKey a = TestJwts.accountKey();
        NKey u = TestJwts.userKey();
        long revokedAt = now();
        ObjectNode acc = TestJwts.accountNats();
        acc.putObject("revocations").put(pub(u), revokedAt);
        op.accountJwt(a, encode(op.key, pub(a), "A", acc));
        start();
        assertEquals(VIOLATION, rawConnect(encode(a, pub(u), "u", userNats(), revokedAt - 5, 0), u));
        assertEquals(VIOLATION, rawConnect(encode(a, pub(u), "u", userNats(), revokedAt, 0), u), "issued at the revocation time");
        assertEquals("PONG", rawConnect(encode(a, pub(u), "u", userNats(), revokedAt + 1, 0), u));
    }

    @Test
    void permissionsFromTheUserJwtApply() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        ObjectNode n = userNats();
        n.putObject("pub").putArray("allow").add("orders.>");
        ((ObjectNode) n.get("pub")).putArray("deny").add("orders.secret");
        n.putObject("sub").putArray("allow").add("orders.*");
        start();
        try (RawClient raw = RawClient.open(server)) {
            assertEquals("PONG", rawConnect(raw, encode(a, pub(u), "u", n), u));
            raw.send("SUB orders.new 1\r\nPUB orders.new 2\r\nhi\r\n");
            raw.expect("MSG orders.new 1 2\r\n");
            raw.expect("hi\r\n");
            raw.send("PUB billing 1\r\nx\r\n");
            raw.expect("-ERR 'Permissions Violation for Publish to \"billing\"'\r\n");
            raw.send("PUB orders.secret 1\r\nx\r\n");
            raw.expect("-ERR 'Permissions Violation for Publish to \"orders.secret\"'\r\n");
            raw.send("SUB billing 2\r\n");
            raw.expect("-ERR 'Permissions Violation for Subscription to \"billing\"'\r\n");
            raw.send("PING\r\n");
            raw.expect("PONG\r\n");
        }
    }

    @Test
    void accountsAreIsolatedAndAStreamImportWithAnActivationTokenCrosses() throws Exception {
        NKey exporter = TestJwts.accountKey();
        NKey importer = TestJwts.accountKey();
        NKey stranger = TestJwts.accountKey();
        ObjectNode ex = TestJwts.accountNats();
        ex.putArray("exports").addObject().put("name", "private").put("subject", "private.>").put("type", "stream")
                .put("token_req", true);
        op.accountJwt(exporter, encode(op.key, pub(exporter), "EXP", ex));
        ObjectNode act = TestJwts.JSON.createObjectNode();
        act.put("subject", "private.>").put("kind", "stream").put("type", "activation").put("version", 2);
        String token = encode(exporter, pub(importer), "private", act);
        ObjectNode im = TestJwts.accountNats();
        im.putArray("imports").addObject().put("name", "private").put("subject", "private.>")
                .put("account", pub(exporter)).put("token", token).put("type", "stream");
        op.accountJwt(importer, encode(op.key, pub(importer), "IMP", im));
        ObjectNode st = TestJwts.accountNats();
        // same import without a token: not authorized
        st.putArray("imports").addObject().put("name", "private").put("subject", "private.>")
                .put("account", pub(exporter)).put("type", "stream");
        op.accountJwt(stranger, encode(op.key, pub(stranger), "STR", st));
        NKey ue = TestJwts.userKey();
        NKey ui = TestJwts.userKey();
        NKey us = TestJwts.userKey();
        start();
        try (Connection pubC = connect(op.user(exporter, ue), ue);
                Connection imp = connect(op.user(importer, ui), ui);
                Connection str = connect(op.user(stranger, us), us)) {
            Subscription si = imp.subscribe("private.>");
            Subscription ss = str.subscribe("private.>");
            Subscription isolated = imp.subscribe("local");
            imp.flush(WAIT);
            str.flush(WAIT);
            pubC.publish("local", "not for you".getBytes(StandardCharsets.UTF_8));
            pubC.publish("private.x", "granted".getBytes(StandardCharsets.UTF_8));
            pubC.flush(WAIT);
            Message m = si.nextMessage(WAIT);
            assertNotNull(m, "the importer with the activation token gets the private stream");
            assertEquals("granted", new String(m.getData(), StandardCharsets.UTF_8));
            assertNull(ss.nextMessage(Duration.ofMillis(300)), "no token, no import");
            assertNull(isolated.nextMessage(Duration.ofMillis(100)), "accounts are isolated");
        }
    }

    @Test
    void bearerTokenUsersNeedNoSignature() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        ObjectNode n = userNats();
        n.put("bearer_token", true);
        start();
        assertEquals("PONG", rawConnect(encode(a, pub(u), "u", n), null));
    }

    @Test
    void usersIssuedByAnAccountSigningKeyAreAccepted() throws Exception {
        NKey a = TestJwts.accountKey();
        NKey signing = TestJwts.accountKey();
        ObjectNode acc = TestJwts.accountNats();
        acc.putArray("signing_keys").add(pub(signing));
        op.accountJwt(a, encode(op.key, pub(a), "A", acc));
        NKey u = TestJwts.userKey();
        ObjectNode n = userNats();
        n.put("issuer_account", pub(a));
        start();
        try (Connection c = connect(encode(signing, pub(u), "u", n), u)) {
            roundTrip(c, "signed.by.key");
        }
        // a signing key the account does not list is not accepted
        NKey other = TestJwts.accountKey();
        assertEquals(VIOLATION, rawConnect(encode(other, pub(u), "u", n), u));
    }

    @Test
    void sourceNetworksAndConnectionTypesOfTheJwtAreEnforced() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        start();
        ObjectNode elsewhere = userNats();
        elsewhere.putArray("src").add("10.0.0.0/8");
        assertEquals(VIOLATION, rawConnect(encode(a, pub(u), "u", elsewhere), u));
        ObjectNode local = userNats();
        local.putArray("src").add("10.0.0.0/8").add("127.0.0.0/8");
        assertEquals("PONG", rawConnect(encode(a, pub(u), "u", local), u));
        ObjectNode wsOnly = userNats();
        wsOnly.putArray("allowed_connection_types").add("WEBSOCKET");
        assertEquals(VIOLATION, rawConnect(encode(a, pub(u), "u", wsOnly), u));
        ObjectNode standard = userNats();
        standard.putArray("allowed_connection_types").add("STANDARD");
        assertEquals("PONG", rawConnect(encode(a, pub(u), "u", standard), u));
    }

    @Test
    void userAndAccountLimitsApply() throws Exception {
        ObjectNode accClaims = TestJwts.accountNats();
        ((ObjectNode) accClaims.get("limits")).put("conn", 1);
        NKey a = op.account("A", accClaims);
        NKey u = TestJwts.userKey();
        ObjectNode n = userNats();
        n.put("subs", 1).put("payload", 4);
        start();
        try (RawClient raw = RawClient.open(server)) {
            assertEquals("PONG", rawConnect(raw, encode(a, pub(u), "u", n), u));
            raw.send("SUB a 1\r\nSUB b 2\r\n");
            raw.expect("-ERR 'maximum subscriptions exceeded'\r\n");
            // the account allows one connection
            try (RawClient second = RawClient.open(server)) {
                assertEquals("-ERR 'maximum account active connections exceeded'",
                        rawConnect(second, encode(a, pub(u), "u", userNats()), u));
            }
            raw.send("PUB a 5\r\nhello\r\n");
            raw.expect("-ERR 'Maximum Payload Violation'\r\n");
        }
    }

    @Test
    void limitsAJwtDoesNotStateAreZeroAsInNatsServer() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        ObjectNode bare = TestJwts.JSON.createObjectNode();
        bare.put("type", "user").put("version", 2);
        start();
        try (RawClient raw = RawClient.open(server)) {
            assertEquals("PONG", rawConnect(raw, encode(a, pub(u), "u", bare), u));
            // nats-io/jwt reads a missing "subs" or "payload" as 0: no subscriptions, no payload
            raw.send("SUB a 1\r\nPING\r\n");
            // (nats-server 2.9.10 sends this error twice when the limit is 0)
            raw.expectMatch(Pattern.compile("(-ERR 'maximum subscriptions exceeded'\r\n){1,2}PONG\r\n"), WAIT);
            raw.send("PUB a 0\r\n\r\nPING\r\n");
            // nats-server's second copy of the error can come after the first PONG
            raw.expectMatch(Pattern.compile("(-ERR 'maximum subscriptions exceeded'\r\n)?PONG\r\n"), WAIT);
            raw.send("PUB a 5\r\nhello\r\n");
            raw.expect("-ERR 'Maximum Payload Violation'\r\n");
            raw.expectClosed(WAIT);
        }
    }

    @Test
    void clientsOfAnExpiringAccountAreDisconnectedAtItsExpiry() throws Exception {
        NKey a = TestJwts.accountKey();
        op.accountJwt(a, encode(op.key, pub(a), "A", TestJwts.accountNats(), now(), now() + 3));
        NKey u = TestJwts.userKey();
        start();
        try (RawClient raw = RawClient.open(server)) {
            assertEquals("PONG", rawConnect(raw, op.user(a, u), u));
            raw.expectSkippingPings("-ERR 'Account Authentication Expired'", Duration.ofSeconds(7));
        }
    }

    @Test
    void malformedJwtsNeverDisturbTheServer() throws Exception {
        NKey a = op.account("A");
        NKey u = TestJwts.userKey();
        start();
        String good = op.user(a, u);
        String[] bad = {"", "x", "a.b.c", "eyJ.eyJ.eyJ", good.substring(0, good.length() / 2), good + "x",
            good.replace('.', '!'), "\\u0000", "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.AAAA",
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.W10.AAAA"};
        for (String jwt : bad) {
            assertEquals(VIOLATION, rawConnect(jwt, u), "JWT " + jwt);
        }
        // a garbage creds file fails on the client side or is refused, the server stays up
        Path garbage = dir.resolve("garbage.creds");
        java.nio.file.Files.writeString(garbage, "-----BEGIN NATS USER JWT-----\nnot-a-jwt\n------END NATS USER JWT------\n");
        assertThrows(Exception.class, () -> Nats.connect(Options.builder().server(server.url())
                .authHandler(Nats.credentials(garbage.toString())).noReconnect().connectionTimeout(WAIT).build()));
        try (Connection c = connect(good, u)) {
            roundTrip(c, "still.up");
        }
    }
}
