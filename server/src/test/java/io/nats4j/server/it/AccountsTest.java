package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.ServerConfig;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Multi-tenant accounts: isolation, stream and service exports/imports, private exports. */
@ExtendWith(TestServerExtension.class)
class AccountsTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration QUIET = Duration.ofMillis(300);

    private static final String ACCOUNTS = """
            accounts {
              A: {
                users: [{user: a, password: a}, {user: a2, password: a}]
                exports: [
                  {stream: "events.>"}
                  {service: "time.now"}
                  {service: "feed.*", response_type: stream}
                  {stream: "private.>", accounts: [C]}
                ]
              }
              B: {
                users: [{user: b, password: b}]
                imports: [
                  {stream: {account: A, subject: "events.>"}, prefix: "fromA"}
                  {service: {account: A, subject: "time.now"}, to: "clock"}
                  {service: {account: A, subject: "feed.*"}}
                ]
                exports: [{service: "b.echo"}]
              }
              C: {
                users: [{user: c, password: c}]
                imports: [
                  {stream: {account: A, subject: "private.>"}}
                  {service: {account: B, subject: "b.echo"}}
                ]
              }
              D: { users: [{user: d, password: d}] }
            }
            """;

    private static Connection login(JnatsConnections clients, String user) throws Exception {
        return clients.connect(Options.builder().noReconnect().userInfo(user, user.substring(0, 1)));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @ServerConfig(config = ACCOUNTS)
    void messagesNeverCrossAccountsWithoutExportAndImport(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a = login(clients, "a");
            Connection a2 = login(clients, "a2");
            Connection d = login(clients, "d");
            Connection b = login(clients, "b");
            Subscription inA = a2.subscribe(">");
            Subscription inD = d.subscribe(">");
            Subscription inB = b.subscribe("other.>");
            a2.flush(WAIT);
            d.flush(WAIT);
            b.flush(WAIT);
            a.publish("other.x", b("secret"));
            a.flush(WAIT);
            Message m = inA.nextMessage(WAIT);
            assertNotNull(m, "same account receives");
            assertEquals("other.x", m.getSubject());
            assertNull(inD.nextMessage(QUIET), "another account never receives");
            assertNull(inB.nextMessage(QUIET), "not exported: never crosses");
            d.publish("other.y", b("x"));
            d.flush(WAIT);
            assertNull(inA.nextMessage(QUIET));
        }
    }

    @Test
    @ServerConfig(config = ACCOUNTS)
    void streamImportDeliversUnderThePrefix(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a = login(clients, "a");
            Connection b = login(clients, "b");
            Connection d = login(clients, "d");
            Subscription sb = b.subscribe("fromA.events.>");
            Subscription plain = b.subscribe("events.>");
            Subscription sd = d.subscribe(">");
            b.flush(WAIT);
            d.flush(WAIT);
            a.publish("events.login", "r.1", b("hello"));
            a.flush(WAIT);
            Message m = sb.nextMessage(WAIT);
            assertNotNull(m);
            assertEquals("fromA.events.login", m.getSubject());
            assertEquals("r.1", m.getReplyTo());
            assertEquals("hello", new String(m.getData(), StandardCharsets.UTF_8));
            assertNull(plain.nextMessage(QUIET), "only under the prefix");
            assertNull(sd.nextMessage(QUIET), "D imports nothing");
            // the import is one-way: B publishing there stays in B
            Subscription back = a.subscribe(">");
            a.flush(WAIT);
            b.publish("events.login", b("from b"));
            b.flush(WAIT);
            assertNull(back.nextMessage(QUIET));
        }
    }

    @Test
    @ServerConfig(config = ACCOUNTS)
    void serviceImportCarriesRequestsAndResponsesAcrossAccounts(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a = login(clients, "a");
            Connection b = login(clients, "b");
            Subscription service = a.subscribe("time.now");
            a.flush(WAIT);
            Thread responder = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 2; i++) {
                        Message req = service.nextMessage(Duration.ofSeconds(5));
                        if (req == null) {
                            return;
                        }
                        assertTrue(req.getReplyTo().startsWith("_R_."), req.getReplyTo());
                        a.publish(req.getReplyTo(), b("noon:" + new String(req.getData(), StandardCharsets.UTF_8)));
                        // a second answer to a singleton request goes nowhere
                        a.publish(req.getReplyTo(), b("again"));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Message r1 = b.request("clock", b("1"), WAIT);
            assertEquals("noon:1", new String(r1.getData(), StandardCharsets.UTF_8));
            Message r2 = b.request("clock", b("2"), WAIT);
            assertEquals("noon:2", new String(r2.getData(), StandardCharsets.UTF_8));
            responder.join(5000);
            // the importer cannot reach the service by its exported name, only through the import
            Subscription inbox = b.subscribe("my.inbox");
            b.publish("time.now", "my.inbox", b("3"));
            b.flush(WAIT);
            assertNull(service.nextMessage(QUIET));
            // nothing in B listens on time.now: the client (no_responders on) gets the 503 status, nothing else
            Message none = inbox.nextMessage(WAIT);
            assertTrue(none != null && none.isStatusMessage() && none.getStatus().getCode() == 503, String.valueOf(none));
            assertNull(inbox.nextMessage(QUIET), "no stray responses");
        }
    }

    @Test
    @ServerConfig(config = ACCOUNTS)
    void streamResponseTypeAllowsSeveralResponses(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a = login(clients, "a");
            Connection b = login(clients, "b");
            Subscription service = a.subscribe("feed.*");
            a.flush(WAIT);
            Subscription inbox = b.subscribe("my.feed");
            b.publish("feed.x", "my.feed", b("go"));
            b.flush(WAIT);
            Message req = service.nextMessage(WAIT);
            assertNotNull(req);
            for (int i = 0; i < 3; i++) {
                a.publish(req.getReplyTo(), b("part" + i));
            }
            a.flush(WAIT);
            for (int i = 0; i < 3; i++) {
                Message m = inbox.nextMessage(WAIT);
                assertNotNull(m, "response " + i);
                assertEquals("my.feed", m.getSubject());
            }
        }
    }

    @Test
    @ServerConfig(config = ACCOUNTS)
    void servicesWorkInBothDirectionsAndPrivateExportsReachOnlyNamedAccounts(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a = login(clients, "a");
            Connection b = login(clients, "b");
            Connection c = login(clients, "c");
            // B serves, C requests
            b.createDispatcher(m -> b.publish(m.getReplyTo(), m.getData())).subscribe("b.echo");
            b.flush(WAIT);
            Message echo = c.request("b.echo", b("ping"), WAIT);
            assertEquals("ping", new String(echo.getData(), StandardCharsets.UTF_8));
            // A's private stream reaches C (named) and not B
            Subscription sc = c.subscribe("private.>");
            Subscription sb = b.subscribe(">");
            c.flush(WAIT);
            b.flush(WAIT);
            a.publish("private.report", b("p"));
            a.flush(WAIT);
            assertNotNull(sc.nextMessage(WAIT));
            assertNull(sb.nextMessage(QUIET));
        }
    }

    @Test
    void importOfAPrivateExportByAnotherAccountIsAConfigError() {
        String config = """
                accounts {
                  A: { users: [{user: a, password: a}], exports: [{stream: "x.>", accounts: [C]}] }
                  B: { users: [{user: b, password: b}], imports: [{stream: {account: A, subject: "x.>"}}] }
                  C: { users: [{user: c, password: c}] }
                }
                """;
        Exception e = assertThrows(Exception.class, () -> TestServer.start(TestServer.defaultOptions(), config).close());
        assertTrue(e instanceof IOException || e instanceof IllegalArgumentException, e.toString());
    }
}
