package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.encode;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An account JWT update for an account that is in use re-applies everything to the live connections:
 * connection limit, revocations, signing keys, exports and imports. Runs against nats4j and nats-server.
 */
class JwtLiveAccountUpdateTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    private Path jwts;
    private TestServer server;

    @BeforeEach
    void setUp() {
        op = new TestJwts.Operator(dir);
        jwts = dir.resolve("jwts");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start() throws IOException {
        op.writeAccountFiles(jwts);
        server = TestServer.start(TestServer.defaultOptions(), op.fullResolverConfig(jwts, false));
    }

    private Connection connect(String userJwt, NKey user) throws Exception {
        Path creds = op.credsFile("u" + System.nanoTime(), userJwt, user);
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    private Connection connect(NKey account) throws Exception {
        NKey u = TestJwts.userKey();
        return connect(op.user(account, u), u);
    }

    /** A raw client with this user JWT, connected (PONG seen). */
    private RawClient raw(String userJwt, NKey user) throws IOException {
        RawClient raw = RawClient.open(server);
        TestJwts.sendJwtConnect(raw, userJwt, user);
        raw.expect("PONG\r\n");
        return raw;
    }

    private RawClient raw(NKey account) throws IOException {
        NKey u = TestJwts.userKey();
        return raw(op.user(account, u), u);
    }

    /** Sends an account JWT to {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE} and checks the answer. */
    private void update(NKey account, ObjectNode nats) throws Exception {
        String jwt = encode(op.key, pub(account), "acc", nats);
        try (Connection sys = connect(op.systemAccount)) {
            String inbox = sys.createInbox();
            Subscription sub = sys.subscribe(inbox);
            sys.publish("$SYS.REQ.ACCOUNT." + pub(account) + ".CLAIMS.UPDATE", inbox, jwt.getBytes(StandardCharsets.UTF_8));
            Message m = sub.nextMessage(WAIT);
            assertNotNull(m, "an answer to the update");
            JsonNode r = TestJwts.JSON.readTree(m.getData());
            assertEquals("jwt updated", r.path("data").path("message").asText(), r.toString());
        }
    }

    private static ObjectNode withConn(long conn) {
        ObjectNode n = TestJwts.accountNats();
        ((ObjectNode) n.get("limits")).put("conn", conn);
        return n;
    }

    private static void export(ObjectNode nats, String subject, String type) {
        ArrayNode ex = nats.has("exports") ? (ArrayNode) nats.get("exports") : nats.putArray("exports");
        ex.addObject().put("name", subject).put("subject", subject).put("type", type);
    }

    private static void importFrom(ObjectNode nats, NKey exporter, String subject, String type) {
        ArrayNode im = nats.has("imports") ? (ArrayNode) nats.get("imports") : nats.putArray("imports");
        im.addObject().put("name", subject).put("subject", subject).put("account", pub(exporter)).put("type", type);
    }

    @Test
    void loweringTheConnectionLimitKeepsTheNewestClientsAndClosesTheRest() throws Exception {
        NKey a = op.account("A");
        start();
        try (RawClient first = raw(a)) {
            Thread.sleep(20); // distinct start times: nats-server sorts the clients newest first, keeps `conn`
            try (RawClient second = raw(a)) {
                Thread.sleep(20);
                try (RawClient third = raw(a)) {
                    update(a, withConn(1));
                    assertTrue(first.expectClosed(WAIT).contains("-ERR 'maximum account active connections exceeded'"));
                    assertTrue(second.expectClosed(WAIT).contains("-ERR 'maximum account active connections exceeded'"));
                    third.send("PING\r\n").expectSkippingPings("PONG\r\n", WAIT);
                }
            }
        }
    }

    @Test
    void revokingAUserClosesItsLiveConnection() throws Exception {
        NKey a = op.account("A");
        start();
        NKey revoked = TestJwts.userKey();
        NKey kept = TestJwts.userKey();
        try (RawClient r = raw(op.user(a, revoked), revoked); RawClient k = raw(op.user(a, kept), kept)) {
            ObjectNode nats = TestJwts.accountNats();
            nats.putObject("revocations").put(pub(revoked), TestJwts.now() + 1);
            update(a, nats);
            assertTrue(r.expectClosed(WAIT).contains("-ERR 'User Authentication Revoked'"));
            k.send("PING\r\n").expectSkippingPings("PONG\r\n", WAIT);
        }
    }

    @Test
    void removingASigningKeyClosesTheUsersItSigned() throws Exception {
        NKey signingKey = TestJwts.accountKey();
        ObjectNode withKey = TestJwts.accountNats();
        withKey.putArray("signing_keys").add(pub(signingKey));
        NKey a = op.account("A", withKey);
        start();
        NKey u = TestJwts.userKey();
        ObjectNode un = TestJwts.userNats();
        un.put("issuer_account", pub(a));
        String signedByKey = encode(signingKey, pub(u), "sk-user", un);
        try (RawClient bySk = raw(signedByKey, u); RawClient byAccount = raw(a)) {
            update(a, TestJwts.accountNats()); // the signing key is gone
            bySk.expectClosed(WAIT);
            byAccount.send("PING\r\n").expectSkippingPings("PONG\r\n", WAIT);
        }
    }

    @Test
    void changingAScopedKeysTemplateClosesTheUsersItSigned() throws Exception {
        NKey scoped = TestJwts.accountKey();
        ObjectNode nats = TestJwts.accountNats();
        ObjectNode key = nats.putArray("signing_keys").addObject();
        key.put("kind", "user_scope").put("key", pub(scoped)).put("role", "r");
        key.putObject("template").putObject("pub").putArray("allow").add("a.>");
        NKey a = op.account("A", nats);
        start();
        NKey u = TestJwts.userKey();
        ObjectNode un = TestJwts.JSON.createObjectNode();
        un.put("issuer_account", pub(a)).put("type", "user").put("version", 2);
        try (RawClient user = raw(encode(scoped, pub(u), "scoped", un), u); RawClient other = raw(a)) {
            ObjectNode changed = nats.deepCopy();
            ((ObjectNode) changed.get("signing_keys").get(0).get("template").get("pub")).putArray("allow").add("b.>");
            update(a, changed);
            user.expectClosed(WAIT);
            other.send("PING\r\n").expectSkippingPings("PONG\r\n", WAIT);
        }
    }

    @Test
    void aLowerPayloadLimitAppliesToLiveClients() throws Exception {
        NKey a = op.account("A");
        start();
        try (RawClient c = raw(a)) {
            c.send("PUB x 20\r\n01234567890123456789\r\nPING\r\n").expectSkippingPings("PONG\r\n", WAIT);
            ObjectNode nats = TestJwts.accountNats();
            ((ObjectNode) nats.get("limits")).put("payload", 10);
            update(a, nats);
            c.send("PUB x 20\r\n01234567890123456789\r\n");
            assertTrue(c.expectClosed(WAIT).contains("-ERR 'Maximum Payload Violation'"));
        }
    }

    @Test
    void aLowerSubscriptionLimitClosesClientsAtOrOverIt() throws Exception {
        NKey a = op.account("A");
        start();
        try (RawClient many = raw(a); RawClient few = raw(a)) {
            many.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n").expectSkippingPings("PONG\r\n", WAIT);
            few.send("SUB a 1\r\nPING\r\n").expectSkippingPings("PONG\r\n", WAIT);
            ObjectNode nats = TestJwts.accountNats();
            ((ObjectNode) nats.get("limits")).put("subs", 2);
            update(a, nats);
            assertTrue(many.expectClosed(WAIT).contains("-ERR 'maximum subscriptions exceeded'"));
            few.send("SUB b 2\r\nPING\r\n").expectSkippingPings("PONG\r\n", WAIT);
            few.send("SUB c 3\r\nPING\r\n");
            assertTrue(few.expectLineStartingWith("-ERR", WAIT).contains("maximum subscriptions exceeded"));
        }
    }

    @Test
    void exportAndImportChangesApplyToLiveSubscriptions() throws Exception {
        ObjectNode an = TestJwts.accountNats();
        export(an, "feed.>", "stream");
        export(an, "news.>", "stream");
        export(an, "svc.time", "service");
        NKey a = op.account("A", an);
        ObjectNode bn = TestJwts.accountNats();
        importFrom(bn, a, "feed.>", "stream");
        NKey b = op.account("B", bn);
        start();
        try (Connection pubA = connect(a); Connection subB = connect(b)) {
            Subscription feed = subB.subscribe("feed.>");
            Subscription news = subB.subscribe("news.>");
            subB.flush(WAIT);
            pubA.publish("feed.1", "one".getBytes(StandardCharsets.UTF_8));
            assertNotNull(feed.nextMessage(WAIT), "the import delivers");

            // B imports news.> and the service too: the new imports start at once
            ObjectNode bn2 = TestJwts.accountNats();
            importFrom(bn2, a, "feed.>", "stream");
            importFrom(bn2, a, "news.>", "stream");
            importFrom(bn2, a, "svc.time", "service");
            update(b, bn2);
            pubA.publish("news.1", "n".getBytes(StandardCharsets.UTF_8));
            assertNotNull(news.nextMessage(WAIT), "the new import delivers");
            Subscription service = pubA.subscribe("svc.time");
            pubA.flush(WAIT);
            Thread responder = new Thread(() -> {
                try {
                    Message req = service.nextMessage(WAIT);
                    if (req != null) {
                        pubA.publish(req.getReplyTo(), "noon".getBytes(StandardCharsets.UTF_8));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            responder.start();
            Message answer = subB.request("svc.time", new byte[0], WAIT);
            responder.join();
            assertNotNull(answer, "the new service import answers");
            assertEquals("noon", new String(answer.getData(), StandardCharsets.UTF_8));

            // A stops exporting feed.>: B's import of it stops delivering, news.> still delivers
            ObjectNode an2 = TestJwts.accountNats();
            export(an2, "news.>", "stream");
            export(an2, "svc.time", "service");
            update(a, an2);
            pubA.publish("feed.2", "two".getBytes(StandardCharsets.UTF_8));
            pubA.publish("news.2", "n".getBytes(StandardCharsets.UTF_8));
            assertNotNull(news.nextMessage(WAIT), "the remaining export still delivers");
            assertNull(feed.nextMessage(QUIET), "a removed export no longer delivers");

            // exported again: the import that B still has starts again
            update(a, an);
            pubA.publish("feed.3", "three".getBytes(StandardCharsets.UTF_8));
            Message again = feed.nextMessage(WAIT);
            assertNotNull(again, "the export is back");
            assertEquals("feed.3", again.getSubject());
        }
    }
}
