package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.encode;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
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
 * Scoped signing keys ({@code kind: user_scope}) with permission templates, and
 * {@code resolver_pinned_accounts}. Runs against nats4j and nats-server.
 */
class JwtScopedSigningKeyTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private TestJwts.Operator op;
    private TestServer server;
    private final NKey scopedKey = TestJwts.accountKey();
    private NKey account;

    @BeforeEach
    void setUp() {
        op = new TestJwts.Operator(dir);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Account "sales-acct" (tag region:eu) with a scoped key whose template is {@code pub}/{@code sub} allow lists. */
    private void accountWithTemplate(String[] pubAllow, String[] subAllow, String[] pubDeny) {
        ObjectNode nats = TestJwts.accountNats();
        nats.putArray("tags").add("region:eu");
        ObjectNode key = nats.putArray("signing_keys").addObject();
        key.put("kind", "user_scope").put("key", pub(scopedKey)).put("role", "team");
        ObjectNode template = key.putObject("template");
        ObjectNode p = template.putObject("pub");
        fill(p.putArray("allow"), pubAllow);
        if (pubDeny.length > 0) {
            fill(p.putArray("deny"), pubDeny);
        }
        fill(template.putObject("sub").putArray("allow"), subAllow);
        template.put("subs", -1).put("data", -1).put("payload", -1);
        account = op.account("sales-acct", nats);
    }

    private static void fill(ArrayNode a, String[] values) {
        for (String v : values) {
            a.add(v);
        }
    }

    /** A user JWT signed by the scoped key: name, tags, no permissions of its own. */
    private String scopedUser(NKey user, String name, String... tags) {
        ObjectNode un = TestJwts.JSON.createObjectNode();
        un.put("issuer_account", pub(account)).put("type", "user").put("version", 2);
        if (tags.length > 0) {
            fill(un.putArray("tags"), tags);
        }
        return encode(scopedKey, pub(user), name, un);
    }

    private Connection connect(String userJwt, NKey user) throws Exception {
        Path creds = op.credsFile("u" + System.nanoTime(), userJwt, user);
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    private String rawConnect(String userJwt, NKey user) throws IOException {
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, userJwt, user);
            return raw.expectLineStartingWith("", WAIT).strip();
        }
    }

    /** True when a publish by {@code from} on {@code subject} reaches the unrestricted {@code watcher}. */
    private static boolean delivered(Connection from, Subscription watcher, String subject) throws Exception {
        from.publish(subject, "x".getBytes(StandardCharsets.UTF_8));
        from.flush(WAIT);
        return watcher.nextMessage(QUIET) != null;
    }

    @Test
    void templateFunctionsAreFilledInPerUser() throws Exception {
        accountWithTemplate(
                new String[] {"{{name()}}.>", "acct.{{account-name()}}", "dept.{{tag(dept)}}", "by.{{subject()}}",
                    "in.{{account-subject()}}", "region.{{account-tag(region)}}"},
                new String[] {"_INBOX.>", "own.{{name()}}.>"}, new String[0]);
        server = TestServer.start(TestServer.defaultOptions(), op.config());
        NKey watcherKey = TestJwts.userKey();
        NKey alice = TestJwts.userKey();
        try (Connection watcher = connect(op.user(account, watcherKey), watcherKey);
                Connection a = connect(scopedUser(alice, "alice", "dept:sales", "dept:ops"), alice)) {
            Subscription all = watcher.subscribe(">");
            watcher.flush(WAIT);
            assertTrue(delivered(a, all, "alice.x"), "{{name()}}");
            assertTrue(delivered(a, all, "acct.sales-acct"), "{{account-name()}}");
            assertTrue(delivered(a, all, "dept.sales"), "{{tag(dept)}}, first value");
            assertTrue(delivered(a, all, "dept.ops"), "{{tag(dept)}}, second value");
            assertTrue(delivered(a, all, "by." + pub(alice)), "{{subject()}}");
            assertTrue(delivered(a, all, "in." + pub(account)), "{{account-subject()}}");
            assertTrue(delivered(a, all, "region.eu"), "{{account-tag(region)}}");
            assertTrue(!delivered(a, all, "bob.x"), "another user's name is not allowed");
            assertTrue(!delivered(a, all, "dept.hr"), "a tag value the user does not have");

            Subscription own = a.subscribe("own.alice.>");
            a.flush(WAIT);
            watcher.publish("own.alice.1", new byte[0]);
            assertNotNull(own.nextMessage(WAIT), "subscribe template filled in");
        }
    }

    @Test
    void anAllowListTheTemplateEmptiesDeniesEverything() throws Exception {
        // the user has no "team" tag: the only allow entry cannot be filled, so publish is denied everywhere
        accountWithTemplate(new String[] {"team.{{tag(team)}}"}, new String[] {">"}, new String[0]);
        server = TestServer.start(TestServer.defaultOptions(), op.config());
        NKey watcherKey = TestJwts.userKey();
        NKey u = TestJwts.userKey();
        try (Connection watcher = connect(op.user(account, watcherKey), watcherKey);
                Connection c = connect(scopedUser(u, "untagged"), u)) {
            Subscription all = watcher.subscribe(">");
            watcher.flush(WAIT);
            assertTrue(!delivered(c, all, "team.x"));
            assertTrue(!delivered(c, all, "anything"));
        }
    }

    @Test
    void anInvalidDenySubjectRefusesTheUser() throws Exception {
        accountWithTemplate(new String[] {">"}, new String[] {">"}, new String[] {"secret.{{tag(level)}}"});
        server = TestServer.start(TestServer.defaultOptions(), op.config());
        NKey u = TestJwts.userKey();
        assertEquals("-ERR 'Authorization Violation'", rawConnect(scopedUser(u, "nolevel"), u),
                "a deny entry that cannot be filled in fails the connect");
        NKey v = TestJwts.userKey();
        assertEquals("PONG", rawConnect(scopedUser(v, "leveled", "level:top"), v));
    }

    @Test
    void aUserOfAScopedKeyWithItsOwnPermissionsIsRefused() throws Exception {
        accountWithTemplate(new String[] {">"}, new String[] {">"}, new String[0]);
        server = TestServer.start(TestServer.defaultOptions(), op.config());
        NKey u = TestJwts.userKey();
        ObjectNode un = TestJwts.userNats();
        un.put("issuer_account", pub(account));
        ((ObjectNode) un.get("pub")).putArray("allow").add("mine.>");
        assertEquals("-ERR 'Authorization Violation'", rawConnect(encode(scopedKey, pub(u), "own", un), u));
    }

    @Test
    void pinnedAccountsOnlyLetTheirUsersAndTheSystemAccountIn() throws Exception {
        NKey pinned = op.account("P");
        NKey other = op.account("O");
        io.nats4j.server.ServerOptions options = TestServer.defaultOptions();
        options.httpPort = -1;
        server = TestServer.start(options, op.config() + "resolver_pinned_accounts: [\"" + pub(pinned) + "\"]\n");
        assertTrue(io.nats4j.server.testsupport.Http.json(server.monitorUrl() + "/varz").path("pinned_account_fails").isMissingNode(),
                "omitted while 0");
        NKey u = TestJwts.userKey();
        assertEquals("PONG", rawConnect(op.user(pinned, u), u));
        NKey s = TestJwts.userKey();
        assertEquals("PONG", rawConnect(op.user(op.systemAccount, s), s), "the system account is always pinned");
        NKey o = TestJwts.userKey();
        assertEquals("-ERR 'Authorization Violation'", rawConnect(op.user(other, o), o));
        assertThrows(Exception.class, () -> connect(op.user(other, o), o).close());
        assertEquals(2, io.nats4j.server.testsupport.Http.json(server.monitorUrl() + "/varz").path("pinned_account_fails").asLong());
    }
}
