package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.encode;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code resolver { type: cache, dir }}; runs against nats4j and nats-server. */
class JwtCacheResolverTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    private NKey accountA;
    private NKey accountB;
    private Path jwts;
    private TestServer server;

    @BeforeEach
    void setUp() throws IOException {
        op = new TestJwts.Operator(dir);
        accountA = op.account("A");
        accountB = op.account("B");
        jwts = dir.resolve("jwts");
        op.writeAccountFiles(jwts);
        String memory = op.config();
        server = TestServer.start(TestServer.defaultOptions(), memory.substring(0, memory.indexOf("resolver: MEMORY"))
                + "resolver: { type: cache, dir: \"" + jwts.toAbsolutePath() + "\", ttl: \"1h\", timeout: \"500ms\" }\n");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Connection connect(NKey account) throws Exception {
        NKey u = TestJwts.userKey();
        Path creds = op.credsFile("u" + System.nanoTime(), op.user(account, u), u);
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    private String rawConnect(NKey account) throws IOException {
        NKey u = TestJwts.userKey();
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, op.user(account, u), u);
            return raw.expectLineStartingWith("", WAIT).strip();
        }
    }

    private static JsonNode ask(Connection sys, String subject, String payload) throws Exception {
        String inbox = sys.createInbox();
        Subscription sub = sys.subscribe(inbox);
        sys.publish(subject, inbox, payload.getBytes(StandardCharsets.UTF_8));
        Message m = sub.nextMessage(WAIT);
        assertNotNull(m, "an answer on " + subject);
        return TestJwts.JSON.readTree(m.getData());
    }

    private String lowered(NKey account) {
        ObjectNode n = TestJwts.accountNats();
        ((ObjectNode) n.get("limits")).put("conn", 0);
        return encode(op.key, pub(account), "x", n);
    }

    @Test
    void updatesAreCachedOnlyForAccountsInUse() throws Exception {
        assertEquals("PONG", rawConnect(accountA), "accounts come from the directory");
        String forA = lowered(accountA);
        String forB = lowered(accountB);
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode r = ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.UPDATE", forA);
            assertEquals("jwt updated cache", r.path("data").path("message").asText(), r.toString());
            assertEquals(pub(accountA), r.path("data").path("account").asText(), r.toString());
            r = ask(sys, "$SYS.REQ.CLAIMS.UPDATE", forB);
            assertEquals("jwt update cache skipped", r.path("data").path("message").asText(), r.toString());
            r = ask(sys, "$SYS.REQ.ACCOUNT." + pub(accountA) + ".CLAIMS.UPDATE", "garbage");
            assertEquals("jwt update cache resulted in error - expected 3 chunks",
                    r.path("error").path("description").asText(), r.toString());
        }
        assertEquals(forA, Files.readString(jwts.resolve(pub(accountA) + ".jwt")).strip(), "stored");
        assertFalse(Files.readString(jwts.resolve(pub(accountB) + ".jwt")).strip().equals(forB), "skipped: not stored");
        assertEquals("-ERR 'maximum account active connections exceeded'", rawConnect(accountA), "and applied");
        assertEquals("PONG", rawConnect(accountB));
    }

    @Test
    void listAndDeleteWorkAndDeleteRemovesTheFile() throws Exception {
        try (Connection sys = connect(op.systemAccount)) {
            JsonNode list = ask(sys, "$SYS.REQ.CLAIMS.LIST", "");
            assertEquals(3, list.path("data").size(), list.toString());
            ObjectNode nats = TestJwts.JSON.createObjectNode();
            nats.putArray("accounts").add(pub(accountB));
            JsonNode r = ask(sys, "$SYS.REQ.CLAIMS.DELETE", encode(op.key, pub(op.key), "del", nats));
            assertEquals("deleted 1 accounts", r.path("data").path("message").asText(), r.toString());
        }
        assertFalse(Files.exists(jwts.resolve(pub(accountB) + ".jwt")));
        assertFalse(Files.exists(jwts.resolve(pub(accountB) + ".jwt.deleted")), "the cache always deletes for good");
        assertEquals("-ERR 'Authorization Violation'", rawConnect(accountB));
    }

    @Test
    void anAccountNotInTheDirectoryIsRefused() throws Exception {
        // nats-server asks the other servers and gives up after `timeout`; nats4j has no other servers to ask
        assertEquals("-ERR 'Authorization Violation'", rawConnect(TestJwts.accountKey()));
    }
}
