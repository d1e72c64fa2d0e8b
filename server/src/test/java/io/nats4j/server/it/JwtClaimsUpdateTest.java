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
import io.nats4j.server.testsupport.TestJwts;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The account JWT claim update and lookup requests in the system account ({@code $SYS.REQ.CLAIMS.UPDATE},
 * {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE}, {@code .CLAIMS.LOOKUP}); runs against nats4j and nats-server.
 */
class JwtClaimsUpdateTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    private NKey accountA;
    private Path jwts;
    private TestServer server;

    @BeforeEach
    void setUp() {
        op = new TestJwts.Operator(dir);
        accountA = op.account("A");
        jwts = dir.resolve("jwts");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void startFull() throws IOException {
        op.writeAccountFiles(jwts);
        server = TestServer.start(TestServer.defaultOptions(), op.fullResolverConfig(jwts, false));
    }

    private Connection connect(NKey account) throws Exception {
        NKey u = TestJwts.userKey();
        Path creds = op.credsFile("u" + System.nanoTime(), op.user(account, u), u);
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    private String accountJwt(NKey signer, NKey account, long conn) {
        ObjectNode nats = TestJwts.accountNats();
        ((ObjectNode) nats.get("limits")).put("conn", conn);
        return encode(signer, pub(account), "A", nats);
    }

    /** Publishes {@code payload} with a reply inbox and returns the first answer, or null when none comes. */
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

    @Test
    void accountClaimUpdateIsStoredAndLimitsNewConnections() throws Exception {
        startFull();
        try (Connection first = connect(accountA)) {
            assertEquals(Connection.Status.CONNECTED, first.getStatus()); // the account is now loaded
        }
        String lowered = accountJwt(op.key, accountA, 1);
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode r = json(ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.UPDATE", lowered));
            assertNull(r.get("error"), r.toString());
            assertEquals(pub(accountA), r.path("data").path("account").asText(), r.toString());
            assertEquals(200, r.path("data").path("code").asInt(), r.toString());
            assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());
            assertTrue(r.path("server").path("id").asText().length() > 0, r.toString());
        }
        assertEquals(lowered, Files.readString(jwts.resolve(pub(accountA) + ".jwt")).strip());
        try (Connection one = connect(accountA)) {
            assertEquals(Connection.Status.CONNECTED, one.getStatus());
            Exception e = assertThrows(Exception.class, () -> connect(accountA).close());
            assertTrue(String.valueOf(e.getMessage()).contains("maximum account active connections exceeded")
                    || e instanceof IOException, String.valueOf(e));
        }
    }

    @Test
    void genericClaimUpdateStoresAndLookupReturnsTheJwt() throws Exception {
        startFull();
        NKey b = TestJwts.accountKey(); // not in the directory yet
        String jwtB = encode(op.key, pub(b), "B", TestJwts.accountNats());
        try (Connection sys = connect(op.systemAccount)) {
            Message unknown = ask(sys, "$SYS.REQ.ACCOUNT." + pub(b) + ".CLAIMS.LOOKUP", "");
            if (!TestServer.isGoServer()) { // nats-server 2.9.10 does not answer; 2.10 sends an empty message
                assertNotNull(unknown, "an unknown account is answered with an empty message");
                assertEquals(0, unknown.getData().length);
            }
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.UPDATE", jwtB));
            assertEquals(pub(b), r.path("data").path("account").asText(), r.toString());
            assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());
            Message found = ask(sys, "$SYS.REQ.ACCOUNT." + pub(b) + ".CLAIMS.LOOKUP", "");
            assertNotNull(found);
            assertEquals(jwtB, new String(found.getData(), StandardCharsets.UTF_8));
        }
        assertEquals(jwtB, Files.readString(jwts.resolve(pub(b) + ".jwt")).strip());
        try (Connection c = connect(b)) {
            assertEquals(Connection.Status.CONNECTED, c.getStatus(), "the new account is usable");
        }
    }

    @Test
    void claimUpdateNamingAnotherAccountIsRefused() throws Exception {
        startFull();
        NKey other = TestJwts.accountKey();
        String jwtOther = encode(op.key, pub(other), "O", TestJwts.accountNats());
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode r = json(ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.UPDATE", jwtOther));
            assertEquals(pub(accountA), r.path("error").path("account").asText(), r.toString());
            assertEquals(500, r.path("error").path("code").asInt(), r.toString());
            assertEquals("jwt update resulted in error - subject does not match jwt content",
                    r.path("error").path("description").asText(), r.toString());
        }
        assertFalse(Files.exists(jwts.resolve(pub(other) + ".jwt")));
    }

    @Test
    void claimUpdateWithGarbageIsAnsweredWithAnError() throws Exception {
        startFull();
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode r = json(ask(sys, "$SYS.REQ.CLAIMS.UPDATE", "not a jwt"));
            assertEquals("n/a", r.path("error").path("account").asText(), r.toString());
            assertEquals(500, r.path("error").path("code").asInt(), r.toString());
            assertTrue(r.path("error").path("description").asText().startsWith("jwt update resulted in error - "),
                    r.toString());
        }
    }

    @Test
    void claimUpdateSignedByAStrangerIsRefusedByNats4j() throws Exception {
        startFull();
        Path file = jwts.resolve(pub(accountA) + ".jwt");
        String original = Files.readString(file).strip();
        String forged = accountJwt(TestJwts.operatorKey(), accountA, 0);
        JsonNode r;
        try (Connection sys = connect(op.systemAccount)) {
            r = json(ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.UPDATE", forged));
        }
        if (TestServer.isGoServer()) {
            // nats-server's full resolver stores a JWT of any issuer and answers "jwt updated"; the account
            // then fails to load and its users are refused. nats4j refuses the update instead.
            assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());
            assertEquals(forged, Files.readString(file).strip());
            assertThrows(Exception.class, () -> connect(accountA).close());
            return;
        }
        assertEquals(pub(accountA), r.path("error").path("account").asText(), r.toString());
        assertEquals(500, r.path("error").path("code").asInt(), r.toString());
        assertEquals("jwt update resulted in error - account validation failed",
                r.path("error").path("description").asText(), r.toString());
        assertEquals(original, Files.readString(file).strip(), "the stored JWT is unchanged");
        try (Connection c = connect(accountA)) {
            assertEquals(Connection.Status.CONNECTED, c.getStatus(), "the forged conn limit 0 is not applied");
        }
    }

    @Test
    void memoryResolverAppliesAccountUpdatesInMemoryOnlyAndHasNoGenericUpdateOrLookup() throws Exception {
        server = TestServer.start(TestServer.defaultOptions(), op.config());
        try (Connection first = connect(accountA)) {
            assertEquals(Connection.Status.CONNECTED, first.getStatus()); // loads the account
        }
        NKey unloaded = op.account("U");
        try (Connection sys = connect(op.systemAccount)) {
            Message none = ask(sys, "$SYS.REQ.CLAIMS.UPDATE", accountJwt(op.key, accountA, 1));
            assertTrue(none == null || none.isStatusMessage(), "no responder: " + none);
            none = ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.LOOKUP", "");
            assertTrue(none == null || none.isStatusMessage(), "no responder: " + none);

            JsonNode skipped = json(ask(sys, "$SYS.REQ.ACCOUNT." + pub(unloaded) + ".CLAIMS.UPDATE",
                    encode(op.key, pub(unloaded), "U", TestJwts.accountNats())));
            assertEquals("jwt update skipped", skipped.path("data").path("message").asText(), skipped.toString());
            assertEquals(200, skipped.path("data").path("code").asInt(), skipped.toString());

            JsonNode r = json(ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.UPDATE", accountJwt(op.key, accountA, 1)));
            assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());
            assertEquals(pub(accountA), r.path("data").path("account").asText(), r.toString());
        }
        try (Connection one = connect(accountA)) {
            assertEquals(Connection.Status.CONNECTED, one.getStatus());
            assertThrows(Exception.class, () -> connect(accountA).close(), "the new conn limit 1 applies");
        }
    }
}
