package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.AuthenticationException;
import io.nats.client.Connection;
import io.nats.client.NKey;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.ServerConfig;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Client authentication: user/password (plain and bcrypt), tokens, users lists, nkeys, no_auth_user, timeouts. */
@ExtendWith(TestServerExtension.class)
class AuthenticationTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    /** bcrypt of "s3cret" and of "tok3n" (cost 6). */
    static final String BCRYPT_S3CRET = "$2a$06$oDGL48et2DrSampFyptFEuTn5xUjyjYFos6n9/Q14OxaQFYv3KKwu";
    static final String BCRYPT_TOK3N = "$2a$06$4h757zzugaSAMnqYWWRrTO7N9Kf9zbAIkRs3d8f.3DTOEf5x7s6Lq";
    private static final String VIOLATION = "-ERR 'Authorization Violation'\r\n";

    private static void roundTrip(Connection c) throws Exception {
        Subscription s = c.subscribe("auth.check");
        c.publish("auth.check", "hi".getBytes(StandardCharsets.UTF_8));
        assertNotNull(s.nextMessage(WAIT), "message round trip after authentication");
    }

    private static void assertRejected(RawClient raw) throws Exception {
        raw.expect(VIOLATION, WAIT);
        raw.expectClosed(WAIT);
    }

    @Test
    @ServerConfig(config = "authorization { user: alice, password: s3cret }")
    void singleUserWithPasswordIsAcceptedAndOthersAreRejected(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().userInfo("alice", "s3cret")));
            assertThrows(AuthenticationException.class,
                    () -> clients.connect(Options.builder().noReconnect().userInfo("alice", "wrong")));
            assertThrows(AuthenticationException.class, () -> clients.connect());
        }
        try (RawClient raw = RawClient.open(server)) {
            assertTrue(raw.info().contains("\"auth_required\":true"), raw.info());
            assertFalse(raw.info().contains("nonce"), raw.info());
            raw.connect("{\"user\":\"bob\",\"pass\":\"s3cret\",\"verbose\":false}");
            assertRejected(raw);
        }
    }

    @Test
    @ServerConfig(config = "authorization { user: alice, password: \"" + BCRYPT_S3CRET + "\" }")
    void bcryptPasswordIsCheckedAgainstTheHash(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().userInfo("alice", "s3cret")));
            assertThrows(AuthenticationException.class,
                    () -> clients.connect(Options.builder().noReconnect().userInfo("alice", BCRYPT_S3CRET)));
        }
    }

    @Test
    @ServerConfig(config = "authorization { token: \"t0ken\" }")
    void plainTokenIsAccepted(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().token("t0ken".toCharArray())));
            assertThrows(AuthenticationException.class,
                    () -> clients.connect(Options.builder().noReconnect().token("nope".toCharArray())));
        }
    }

    @Test
    @ServerConfig(config = "authorization { token: \"" + BCRYPT_TOK3N + "\" }")
    void bcryptTokenIsAccepted(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().token("tok3n".toCharArray())));
            assertThrows(AuthenticationException.class,
                    () -> clients.connect(Options.builder().noReconnect().token("t0k3n".toCharArray())));
        }
    }

    @Test
    @ServerConfig(config = "authorization { users: [ {user: a, password: pa}, {user: b, password: \"" + BCRYPT_S3CRET + "\"} ] }")
    void everyUserOfTheUsersListCanConnect(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().userInfo("a", "pa")));
            roundTrip(clients.connect(Options.builder().noReconnect().userInfo("b", "s3cret")));
            assertThrows(AuthenticationException.class,
                    () -> clients.connect(Options.builder().noReconnect().userInfo("a", "s3cret")));
        }
    }

    @Test
    @ServerConfig(config = "authorization { users: [ {user: a, password: pa} ] }")
    void anyOperationBeforeConnectIsAnAuthorizationViolation(TestServer server) throws Exception {
        for (String op : new String[] {"PING\r\n", "SUB foo 1\r\n", "PUB foo 2\r\nhi\r\n", "UNSUB 1\r\n", "INFO {}\r\n"}) {
            try (RawClient raw = RawClient.open(server)) {
                raw.send(op);
                assertRejected(raw);
            }
        }
        try (RawClient raw = RawClient.open(server)) {
            raw.connect("{\"user\":\"a\",\"pass\":\"pa\",\"verbose\":false}").sync();
        }
    }

    @Test
    @ServerConfig(config = "authorization { user: a, password: b, timeout: 0.5 }")
    void clientThatNeverConnectsIsClosedAfterTheAuthTimeout(TestServer server) throws Exception {
        try (RawClient raw = RawClient.open(server)) {
            long start = System.nanoTime();
            raw.expect("-ERR 'Authentication Timeout'\r\n", WAIT);
            raw.expectClosed(WAIT);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 300 && ms < 2500, "closed after " + ms + " ms");
        }
        try (RawClient raw = RawClient.open(server)) {
            // authenticated in time: the timer no longer applies
            raw.connect("{\"user\":\"a\",\"pass\":\"b\",\"verbose\":false}").sync();
            raw.expectNothing(Duration.ofMillis(900));
            raw.sync();
        }
    }

    @Test
    @ServerConfig(config = "no_auth_user: guest\nauthorization { users: [ {user: guest, password: g, permissions: {publish: \"public.>\"}}, {user: admin, password: x} ] }")
    void clientWithoutCredentialsIsTheNoAuthUser(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server);
                RawClient raw = RawClient.open(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().userInfo("admin", "x")));
            raw.connect("{\"verbose\":false,\"pedantic\":false}").sync();
            raw.send("PUB public.x 1\r\na\r\nPUB private.x 1\r\na\r\n");
            raw.expect("-ERR 'Permissions Violation for Publish to \"private.x\"'\r\n", WAIT);
            raw.sync();
            // wrong credentials are still wrong
            assertThrows(AuthenticationException.class,
                    () -> clients.connect(Options.builder().noReconnect().userInfo("admin", "bad")));
        }
    }

    @Test
    void nkeyUserSignsTheNonce() throws Exception {
        NKey user = NKey.createUser(null);
        NKey stranger = NKey.createUser(null);
        String config = "authorization { users: [ {nkey: " + new String(user.getPublicKey()) + "}, {user: p, password: q} ] }";
        try (TestServer server = TestServer.start(TestServer.defaultOptions(), config);
                JnatsConnections clients = new JnatsConnections(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().authHandler(new NKeyAuth(user))));
            roundTrip(clients.connect(Options.builder().noReconnect().userInfo("p", "q")));
            assertThrows(AuthenticationException.class,
                    () -> clients.connect(Options.builder().noReconnect().authHandler(new NKeyAuth(stranger))));
            try (RawClient raw = RawClient.open(server)) {
                Matcher m = Pattern.compile("\"nonce\":\"([^\"]+)\"").matcher(raw.info());
                assertTrue(m.find(), raw.info());
                assertTrue(raw.info().contains("\"auth_required\":true"), raw.info());
                // a signature over something else than this connection's nonce is refused
                byte[] sig = user.sign("not-the-nonce".getBytes(StandardCharsets.US_ASCII));
                raw.connect("{\"nkey\":\"" + new String(user.getPublicKey()) + "\",\"sig\":\""
                        + Base64.getUrlEncoder().withoutPadding().encodeToString(sig) + "\",\"verbose\":false}");
                assertRejected(raw);
            }
            try (RawClient raw = RawClient.open(server)) {
                Matcher m = Pattern.compile("\"nonce\":\"([^\"]+)\"").matcher(raw.info());
                assertTrue(m.find());
                byte[] sig = user.sign(m.group(1).getBytes(StandardCharsets.US_ASCII));
                raw.connect("{\"nkey\":\"" + new String(user.getPublicKey()) + "\",\"sig\":\""
                        + Base64.getUrlEncoder().withoutPadding().encodeToString(sig) + "\",\"verbose\":false}").sync();
            }
        }
    }

    @Test
    @ServerConfig(config = "authorization { users: [ {user: a, password: pa} ] }")
    void malformedCredentialsAreRejectedWithoutHarmingTheServer(TestServer server) throws Exception {
        String[] connects = {
            "{\"user\":1,\"pass\":[]}", "{\"user\":\"a\"}", "{\"nkey\":\"UABC\",\"sig\":\"!!!\"}",
            "{\"nkey\":\"" + "U".repeat(56) + "\",\"sig\":\"\"}", "{\"auth_token\":null}", "{\"user\":\"a\",\"pass\":\"pa\"",
            "{\"jwt\":\"x.y.z\",\"sig\":\"abc\"}", "{\"user\":\"\\u0000\",\"pass\":\"\\\\\"}", "nonsense"
        };
        for (String c : connects) {
            try (RawClient raw = RawClient.open(server)) {
                raw.send("CONNECT " + c + "\r\n");
                raw.expectClosed(WAIT);
            }
        }
        try (JnatsConnections clients = new JnatsConnections(server)) {
            roundTrip(clients.connect(Options.builder().noReconnect().userInfo("a", "pa")));
        }
    }

    @Test
    @ServerConfig(config = "authorization { users: [ {user: a, password: pa} ] }")
    void authenticationFailureClosesWithTheViolationOnly(TestServer server) throws Exception {
        try (RawClient raw = RawClient.open(server)) {
            raw.connect("{\"user\":\"a\",\"pass\":\"nope\"}");
            raw.send("PING\r\n");
            assertEquals(VIOLATION, raw.expectClosed(WAIT));
        }
    }

    /** jnats auth handler signing the nonce with an nkey. */
    private record NKeyAuth(NKey key) implements io.nats.client.AuthHandler {
        @Override
        public byte[] sign(byte[] nonce) {
            try {
                return key.sign(nonce);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public char[] getID() {
            try {
                return key.getPublicKey();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public char[] getJWT() {
            return null;
        }
    }
}
