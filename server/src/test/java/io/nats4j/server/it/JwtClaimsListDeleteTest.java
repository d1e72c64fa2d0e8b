package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.encode;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full resolver's {@code $SYS.REQ.CLAIMS.LIST} and {@code $SYS.REQ.CLAIMS.DELETE}; runs against nats4j
 * and nats-server.
 */
class JwtClaimsListDeleteTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    private NKey accountA;
    private NKey accountB;
    private Path jwts;
    private TestServer server;

    @BeforeEach
    void setUp() {
        op = new TestJwts.Operator(dir);
        accountA = op.account("A");
        accountB = op.account("B");
        jwts = dir.resolve("jwts");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(boolean allowDelete) throws IOException {
        op.writeAccountFiles(jwts);
        String config = op.fullResolverConfig(jwts, false);
        if (allowDelete) {
            config = config.replace("type: full,", "type: full, allow_delete: true,");
        }
        server = TestServer.start(TestServer.defaultOptions(), config);
    }

    private Connection connect(NKey account) throws Exception {
        NKey u = TestJwts.userKey();
        Path creds = op.credsFile("u" + System.nanoTime(), op.user(account, u), u);
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    /** A raw client of {@code account}, connected (PONG seen). */
    private RawClient rawUser(NKey account) throws IOException {
        NKey u = TestJwts.userKey();
        RawClient raw = RawClient.open(server);
        TestJwts.sendJwtConnect(raw, op.user(account, u), u);
        raw.expect("PONG\r\n");
        return raw;
    }

    private static Message ask(Connection sys, String subject, String payload) throws Exception {
        String inbox = sys.createInbox();
        Subscription sub = sys.subscribe(inbox);
        sys.publish(subject, inbox, payload.getBytes(StandardCharsets.UTF_8));
        return sub.nextMessage(WAIT);
    }

    private static JsonNode json(Message m) throws IOException {
        assertNotNull(m, "an answer");
        return TestJwts.JSON.readTree(m.getData());
    }

    /** A delete request as nsc sends it: generic claims, subject = issuer, {@code nats.accounts}. */
    private static String deleteRequest(NKey signer, String... accounts) {
        ObjectNode nats = TestJwts.JSON.createObjectNode();
        var list = nats.putArray("accounts");
        for (String a : accounts) {
            list.add(a);
        }
        return encode(signer, pub(signer), "delete", nats);
    }

    private static List<String> listed(JsonNode r) {
        List<String> out = new ArrayList<>();
        r.path("data").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void listAnswersTheStoredAccountKeys() throws Exception {
        start(false);
        List<String> expected = new ArrayList<>(op.accountJwts.keySet());
        expected.sort(null);
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.LIST", ""));
            assertTrue(r.path("data").isArray(), r.toString());
            assertEquals(expected, listed(r), r.toString());
            assertTrue(r.path("server").path("id").asText().length() > 0, r.toString());
            assertNull(r.get("error"), r.toString());

            NKey c = TestJwts.accountKey();
            JsonNode u = json(ask(sys, "$SYS.REQ.CLAIMS.UPDATE", encode(op.key, pub(c), "C", TestJwts.accountNats())));
            assertEquals("jwt updated", u.path("data").path("message").asText(), u.toString());
            expected.add(pub(c));
            expected.sort(null);
            assertEquals(expected, listed(json(ask(sys, "$SYS.REQ.CLAIMS.LIST", ""))));
        }
    }

    @Test
    void aFullStoreRefusesNewAccountsButUpdatesStoredOnes() throws Exception {
        op.writeAccountFiles(jwts); // SYS, A and B: the limit of 3 is reached
        server = TestServer.start(TestServer.defaultOptions(),
                op.fullResolverConfig(jwts, false).replace("type: full,", "type: full, limit: 3,"));
        try (Connection sys = connect(op.systemAccount)) {
            NKey c = TestJwts.accountKey();
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.UPDATE", encode(op.key, pub(c), "C", TestJwts.accountNats())));
            assertEquals(pub(c), r.path("error").path("account").asText(), r.toString());
            assertEquals("jwt update resulted in error - jwt store is full", r.path("error").path("description").asText(),
                    r.toString());
            assertFalse(Files.exists(jwts.resolve(pub(c) + ".jwt")));
            r = json(ask(sys, "$SYS.REQ.CLAIMS.UPDATE", encode(op.key, pub(accountA), "A2", TestJwts.accountNats())));
            assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());
        }
    }

    @Test
    void deleteNeedsAllowDelete() throws Exception {
        start(false);
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", deleteRequest(op.key, pub(accountA))));
            assertEquals(500, r.path("error").path("code").asInt(), r.toString());
            assertEquals("delete accounts request by " + pub(op.key) + " failed - delete must be enabled in server config",
                    r.path("error").path("description").asText(), r.toString());
            assertFalse(r.path("error").has("account"), r.toString());
        }
        assertTrue(Files.exists(jwts.resolve(pub(accountA) + ".jwt")));
    }

    @Test
    void deleteRemovesTheAccountAndDisconnectsItsClients() throws Exception {
        start(true);
        try (RawClient a = rawUser(accountA); Connection b = connect(accountB); Connection sys = connect(op.systemAccount)) {
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", deleteRequest(op.key, pub(accountA))));
            assertNull(r.get("error"), r.toString());
            assertEquals(200, r.path("data").path("code").asInt(), r.toString());
            assertEquals("deleted 1 accounts", r.path("data").path("message").asText(), r.toString());
            assertTrue(a.expectClosed(WAIT).contains("-ERR 'Account Authentication Expired'"), "the client is told why");
            assertEquals(Connection.Status.CONNECTED, b.getStatus(), "other accounts keep their clients");

            assertFalse(Files.exists(jwts.resolve(pub(accountA) + ".jwt")));
            assertTrue(Files.exists(jwts.resolve(pub(accountA) + ".jwt.deleted")), "renamed without hard_delete");
            assertFalse(listed(json(ask(sys, "$SYS.REQ.CLAIMS.LIST", ""))).contains(pub(accountA)));
            Message lookup = ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.LOOKUP", "");
            if (!TestServer.isGoServer()) { // 2.9.10 does not answer a lookup of an unknown account
                assertNotNull(lookup);
                assertEquals(0, lookup.getData().length);
            }
        }
        assertThrows(Exception.class, () -> connect(accountA).close(), "users of a deleted account cannot connect");
        try (Connection b = connect(accountB)) {
            assertEquals(Connection.Status.CONNECTED, b.getStatus());
        }
    }

    @Test
    void deleteOfAnAccountNotStoredCountsAsDeleted() throws Exception {
        start(true);
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", deleteRequest(op.key, pub(TestJwts.accountKey()), pub(accountB))));
            assertEquals("deleted 2 accounts", r.path("data").path("message").asText(), r.toString());
        }
        assertFalse(Files.exists(jwts.resolve(pub(accountB) + ".jwt")));
    }

    @Test
    void deleteRequestsThatAreNotTheOperatorsAreRefused() throws Exception {
        start(true);
        try (Connection sys = connect(op.systemAccount)) {
            String prefix = "delete accounts request by ";
            // signed by the operator but for another subject
            ObjectNode nats = TestJwts.JSON.createObjectNode();
            nats.putArray("accounts").add(pub(accountA));
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", encode(op.key, pub(accountA), "x", nats)));
            assertEquals(prefix + pub(accountA) + " failed - not self signed", r.path("error").path("description").asText());

            NKey stranger = TestJwts.operatorKey();
            r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", deleteRequest(stranger, pub(accountA))));
            assertEquals(prefix + pub(stranger) + " failed - not trusted", r.path("error").path("description").asText());

            r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", deleteRequest(op.key, pub(op.systemAccount))));
            assertEquals(prefix + pub(op.key) + " failed - not allowed to delete system account",
                    r.path("error").path("description").asText());

            r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", encode(op.key, pub(op.key), "x", TestJwts.JSON.createObjectNode())));
            assertEquals(prefix + pub(op.key) + " failed - malformed request", r.path("error").path("description").asText());

            r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", deleteRequest(op.key, "not-a-key")));
            assertEquals(prefix + pub(op.key) + " failed - malformed request", r.path("error").path("description").asText());

            r = json(ask(sys, "$SYS.REQ.CLAIMS.DELETE", "garbage"));
            assertEquals(500, r.path("error").path("code").asInt(), r.toString());
            assertTrue(r.path("error").path("description").asText().startsWith(prefix + " failed - "), r.toString());
        }
        assertTrue(Files.exists(jwts.resolve(pub(accountA) + ".jwt")), "nothing was deleted");
    }
}
