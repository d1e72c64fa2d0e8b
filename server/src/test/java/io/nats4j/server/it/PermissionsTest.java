package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.ServerConfig;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Publish/subscribe permissions, queue-scoped denies, allow_responses and default permissions. */
@ExtendWith(TestServerExtension.class)
class PermissionsTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration QUIET = Duration.ofMillis(300);

    private static final String USERS = """
            authorization {
              default_permissions { publish: "dflt.>", subscribe: "dflt.>" }
              users: [
                {user: admin, password: a, permissions: {publish: ">", subscribe: ">"}}
                {user: alice, password: a, permissions: {
                   publish: {allow: ["foo.>", "_INBOX.>"], deny: ["foo.secret"]}
                   subscribe: {allow: ["foo.>", "bar", "_INBOX.>"], deny: ["bar q1", "foo.private.*"]}
                }}
                {user: svc, password: a, permissions: {subscribe: "req.>", allow_responses: true}}
                {user: svc2, password: a, permissions: {subscribe: "req.>", allow_responses: {max: 2, expires: "1m"}}}
                {user: dflt, password: a}
              ]
            }
            """;

    private static RawClient login(TestServer server, String user) throws Exception {
        RawClient raw = RawClient.open(server);
        raw.connect("{\"user\":\"" + user + "\",\"pass\":\"a\",\"verbose\":false,\"pedantic\":false}").sync();
        return raw;
    }

    @Test
    @ServerConfig(config = USERS)
    void deniedPublishIsDroppedWithAnErrorAndTheConnectionStaysOpen(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server);
                RawClient alice = login(server, "alice")) {
            Connection admin = clients.connect(Options.builder().noReconnect().userInfo("admin", "a"));
            Subscription all = admin.subscribe(">");
            admin.flush(WAIT);
            alice.send("PUB foo.secret 1\r\nx\r\nPUB other 1\r\nx\r\nPUB foo.ok 2\r\nok\r\n");
            alice.expect("-ERR 'Permissions Violation for Publish to \"foo.secret\"'\r\n", WAIT);
            alice.expect("-ERR 'Permissions Violation for Publish to \"other\"'\r\n", WAIT);
            alice.sync();
            Message m = all.nextMessage(WAIT);
            assertNotNull(m);
            assertEquals("foo.ok", m.getSubject());
            assertNull(all.nextMessage(QUIET), "denied messages are not delivered");
            // the cached decision holds on repeat
            alice.send("PUB foo.secret 1\r\nx\r\n");
            alice.expect("-ERR 'Permissions Violation for Publish to \"foo.secret\"'\r\n", WAIT);
            alice.sync();
        }
    }

    @Test
    @ServerConfig(config = USERS)
    void subscribeAllowDenyAndQueueScopedDeny(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server);
                RawClient alice = login(server, "alice")) {
            alice.send("SUB baz 1\r\n");
            alice.expect("-ERR 'Permissions Violation for Subscription to \"baz\"'\r\n", WAIT);
            alice.send("SUB bar q1 2\r\n");
            alice.expect("-ERR 'Permissions Violation for Subscription to \"bar\" using queue \"q1\"'\r\n", WAIT);
            alice.send("SUB foo.private.x 3\r\n");
            alice.expect("-ERR 'Permissions Violation for Subscription to \"foo.private.x\"'\r\n", WAIT);
            // allowed: plain bar, bar in another queue, and a wildcard over denied subjects
            alice.send("SUB bar 4\r\nSUB bar q2 5\r\nSUB foo.> 6\r\n").sync();
            Connection admin = clients.connect(Options.builder().noReconnect().userInfo("admin", "a"));
            admin.publish("bar", "b".getBytes(StandardCharsets.UTF_8));
            admin.publish("foo.private.x", "hidden".getBytes(StandardCharsets.UTF_8));
            admin.publish("foo.open", "o".getBytes(StandardCharsets.UTF_8));
            admin.flush(WAIT);
            String got = alice.expectMatch("(?s)MSG bar [45] 1\r\nb\r\nMSG bar [45] 1\r\nb\r\n").group();
            assertNotNull(got);
            // the wildcard subscription does not receive what the deny list forbids
            alice.expect("MSG foo.open 6 1\r\no\r\n", WAIT);
            alice.expectNothing(QUIET);
        }
    }

    @Test
    @ServerConfig(config = USERS)
    void allowResponsesLetsAServiceAnswerOnlyTheRequestsItReceived(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server);
                RawClient svc = login(server, "svc")) {
            svc.send("SUB req.> 1\r\n").sync();
            Connection admin = clients.connect(Options.builder().noReconnect().userInfo("admin", "a"));
            Subscription replies = admin.subscribe("reply.>");
            admin.flush(WAIT);
            // no request received on this subject: denied
            svc.send("PUB reply.1 1\r\nx\r\n");
            svc.expect("-ERR 'Permissions Violation for Publish to \"reply.1\"'\r\n", WAIT);
            admin.publish("req.a", "reply.1", "q".getBytes(StandardCharsets.UTF_8));
            admin.flush(WAIT);
            svc.expectSkippingPings("MSG req.a 1 reply.1 1\r\nq\r\n", WAIT);
            svc.send("PUB reply.1 1\r\nr\r\n").sync();
            assertEquals("r", new String(replies.nextMessage(WAIT).getData(), StandardCharsets.UTF_8));
            // one response only (max 1 by default)
            svc.send("PUB reply.1 1\r\nr\r\n");
            svc.expect("-ERR 'Permissions Violation for Publish to \"reply.1\"'\r\n", WAIT);
            assertNull(replies.nextMessage(QUIET));
        }
    }

    @Test
    @ServerConfig(config = USERS)
    void allowResponsesMaxCountsResponses(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server);
                RawClient svc = login(server, "svc2")) {
            svc.send("SUB req.> 1\r\n").sync();
            Connection admin = clients.connect(Options.builder().noReconnect().userInfo("admin", "a"));
            Subscription replies = admin.subscribe("reply.>");
            admin.publish("req.a", "reply.2", "q".getBytes(StandardCharsets.UTF_8));
            admin.flush(WAIT);
            svc.expectSkippingPings("MSG req.a 1 reply.2 1\r\nq\r\n", WAIT);
            svc.send("PUB reply.2 1\r\n1\r\nPUB reply.2 1\r\n2\r\nPUB reply.2 1\r\n3\r\n");
            svc.expect("-ERR 'Permissions Violation for Publish to \"reply.2\"'\r\n", WAIT);
            assertNotNull(replies.nextMessage(WAIT));
            assertNotNull(replies.nextMessage(WAIT));
            assertNull(replies.nextMessage(QUIET));
        }
    }

    @Test
    @ServerConfig(config = USERS)
    void usersWithoutPermissionsGetTheDefaultPermissions(TestServer server) throws Exception {
        try (RawClient dflt = login(server, "dflt")) {
            dflt.send("PUB other 1\r\nx\r\n");
            dflt.expect("-ERR 'Permissions Violation for Publish to \"other\"'\r\n", WAIT);
            dflt.send("SUB other 1\r\n");
            dflt.expect("-ERR 'Permissions Violation for Subscription to \"other\"'\r\n", WAIT);
            dflt.send("SUB dflt.> 2\r\nPUB dflt.x 1\r\ny\r\n");
            dflt.expect("MSG dflt.x 2 1\r\ny\r\n", WAIT);
        }
    }

    @Test
    @ServerConfig(config = USERS)
    void replyOnTheReservedServiceReplyPrefixIsRefused(TestServer server) throws Exception {
        try (RawClient admin = login(server, "admin")) {
            admin.send("PUB foo _R_.abc.def 1\r\nx\r\n");
            admin.expect("-ERR 'Permissions Violation for Publish with Reply of \"_R_.abc.def\"'\r\n", WAIT);
            admin.sync();
        }
    }
}
