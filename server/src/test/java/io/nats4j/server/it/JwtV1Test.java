package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.JSON;
import static io.nats4j.server.testsupport.TestJwts.encodeV1;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.EmbeddedTestServer;
import io.nats4j.server.testsupport.GoTestServer;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestJwts;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Old-format (nats-io/jwt v1) operator, account and user JWTs, {@code "alg":"ed25519"} with the signature over
 * the claims only (issue #11): accepted as nats-server 2.9.10 accepts them, with their v1 fields (top-level
 * {@code type}, {@code tags}, {@code issuer_account}; user limits unlimited when not stated), and refused when
 * the signature is wrong. Every test runs against nats4j and against nats-server (when installed), so the
 * tokens are checked to be what the reference server takes.
 */
class JwtV1Test {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final String VIOLATION = "-ERR 'Authorization Violation'";

    @TempDir
    Path dir;

    private final NKey operator = TestJwts.operatorKey();
    private final NKey system = TestJwts.accountKey();
    private final Map<String, String> accounts = new LinkedHashMap<>();
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ObjectNode obj() {
        return JSON.createObjectNode();
    }

    /** v1 account claims as nsc 1.x wrote them: unlimited limits. */
    private static ObjectNode accountNatsV1() {
        ObjectNode n = obj();
        n.putObject("limits").put("subs", -1).put("data", -1).put("payload", -1).put("imports", -1)
                .put("exports", -1).put("wildcards", true).put("conn", -1).put("leaf", -1);
        return n;
    }

    private NKey account(String name, ObjectNode nats) {
        NKey a = TestJwts.accountKey();
        accounts.put(pub(a), encodeV1(operator, pub(a), name, "account", nats, null));
        return a;
    }

    private String operatorJwtV1() {
        ObjectNode n = obj().put("system_account", pub(system));
        return encodeV1(operator, pub(operator), "OP1", "operator", n, null);
    }

    private void start(String kind, String operatorJwt) throws IOException {
        accounts.putIfAbsent(pub(system), encodeV1(operator, pub(system), "SYS", "account", accountNatsV1(), null));
        Path op = dir.resolve("operator.jwt");
        Files.writeString(op, operatorJwt);
        StringBuilder sb = new StringBuilder("operator: \"" + op.toAbsolutePath() + "\"\nsystem_account: " + pub(system)
                + "\nresolver: MEMORY\nresolver_preload: {\n");
        accounts.forEach((k, v) -> sb.append("  ").append(k).append(": \"").append(v).append("\"\n"));
        String config = sb.append("}\n").toString();
        if (TestServer.GO.equals(kind)) {
            assumeTrue(goServerInstalled(), "nats-server not installed");
            server = new GoTestServer(TestServer.defaultOptions(), config);
        } else {
            server = new EmbeddedTestServer(TestServer.defaultOptions(), config);
        }
        server.start();
    }

    private static boolean goServerInstalled() {
        try {
            return Files.isExecutable(GoTestServer.binary());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Connection connect(String userJwt, NKey user) throws Exception {
        Path creds = dir.resolve("u" + System.nanoTime() + ".creds");
        Files.writeString(creds, TestJwts.creds(userJwt, user));
        return Nats.connect(Options.builder().server(server.url()).authHandler(Nats.credentials(creds.toString()))
                .noReconnect().connectionTimeout(WAIT).build());
    }

    private String rawConnect(String userJwt, NKey signer) throws IOException {
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, userJwt, signer);
            return raw.expectLineStartingWith("", WAIT).strip();
        }
    }

    private static void roundTrip(Connection c, String subject) throws Exception {
        Subscription s = c.subscribe(subject);
        c.publish(subject, "x".getBytes(StandardCharsets.UTF_8));
        assertNotNull(s.nextMessage(WAIT), "message on " + subject);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServer.NATS4J, TestServer.GO})
    void v1OperatorAccountAndUserLetJnatsConnect(String kind) throws Exception {
        NKey a = account("A", accountNatsV1());
        NKey u = TestJwts.userKey();
        // a v1 user as nsc 1.x wrote it: no limits stated (v1 reads them as unlimited), tags at the top level
        String user = encodeV1(a, pub(u), "u1", "user", obj(), obj().set("tags", JSON.createArrayNode().add("t1")));
        start(kind, operatorJwtV1());
        try (Connection c = connect(user, u)) {
            roundTrip(c, "v1.hello");
            // a payload limit of 0 would refuse this: the unstated v1 limit is unlimited
            roundTrip(c, "v1.more");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServer.NATS4J, TestServer.GO})
    void v1UserPermissionsAreEnforced(String kind) throws Exception {
        NKey a = account("A", accountNatsV1());
        NKey u = TestJwts.userKey();
        ObjectNode n = obj();
        n.putObject("pub").putArray("allow").add("allowed.>");
        n.putObject("sub").putArray("allow").add("allowed.>");
        String user = encodeV1(a, pub(u), "u1", "user", n, null);
        start(kind, operatorJwtV1());
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, user, u);
            raw.expect("PONG\r\n", WAIT);
            raw.send("PUB denied.x 1\r\nx\r\nPING\r\n");
            raw.expect("-ERR 'Permissions Violation for Publish to \"denied.x\"'\r\n", WAIT);
            raw.expect("PONG\r\n", WAIT);
            raw.send("SUB allowed.x 1\r\nPUB allowed.x 1\r\ny\r\nPING\r\n");
            raw.expect("MSG allowed.x 1 1\r\ny\r\n", WAIT);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServer.NATS4J, TestServer.GO})
    void v1UserIssuedByAnAccountSigningKeyNamesItsAccountAtTheTopLevel(String kind) throws Exception {
        NKey signer = TestJwts.accountKey();
        ObjectNode an = accountNatsV1();
        an.putArray("signing_keys").add(pub(signer));
        NKey a = account("A", an);
        NKey u = TestJwts.userKey();
        String user = encodeV1(signer, pub(u), "u1", "user", obj(), obj().put("issuer_account", pub(a)));
        start(kind, operatorJwtV1());
        try (Connection c = connect(user, u)) {
            roundTrip(c, "signed.by.key");
        }
        // without issuer_account the signing key is no account of this operator
        NKey u2 = TestJwts.userKey();
        assertEquals(VIOLATION, rawConnect(encodeV1(signer, pub(u2), "u2", "user", obj(), null), u2));
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServer.NATS4J, TestServer.GO})
    void v1AndV2TokensMix(String kind) throws Exception {
        // a v2 operator that trusts v1 accounts, whose users are v2 and v1
        NKey a = account("A", accountNatsV1());
        NKey u1 = TestJwts.userKey();
        NKey u2 = TestJwts.userKey();
        ObjectNode on = TestJwts.operatorNats();
        on.put("system_account", pub(system));
        start(kind, TestJwts.encode(operator, pub(operator), "OP2", on));
        try (Connection c1 = connect(encodeV1(a, pub(u1), "u1", "user", obj(), null), u1);
                Connection c2 = connect(TestJwts.encode(a, pub(u2), "u2", TestJwts.userNats()), u2)) {
            Subscription s = c2.subscribe("mix");
            c2.flush(WAIT);
            c1.publish("mix", "x".getBytes(StandardCharsets.UTF_8));
            assertNotNull(s.nextMessage(WAIT), "v1 user to v2 user in one account");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServer.NATS4J, TestServer.GO})
    void v1TokensWithAWrongSignatureAreRefused(String kind) throws Exception {
        NKey a = account("A", accountNatsV1());
        NKey u = TestJwts.userKey();
        String good = encodeV1(a, pub(u), "u1", "user", obj(), null);
        start(kind, operatorJwtV1());
        assertEquals("PONG", rawConnect(good, u));
        // signed over header.claims, the v2 way, by the right key: not a v1 signature
        assertEquals(VIOLATION, rawConnect(TestJwts.resignAsV2(good, a), u));
        // signed by a key that is not the issuer
        String[] parts = good.split("\\.");
        assertEquals(VIOLATION, rawConnect(parts[0] + "." + parts[1] + "." + TestJwts.sign(TestJwts.accountKey(), parts[1]), u));
        // claims changed after signing (the name), signature kept
        String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"u1\"", "\"u9\"");
        String tampered = parts[0] + "." + TestJwts.b64(claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertEquals(VIOLATION, rawConnect(tampered, u));
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServer.NATS4J, TestServer.GO})
    void aV1OperatorWithAWrongSignatureDoesNotStart(String kind) {
        String good = operatorJwtV1();
        String bad = TestJwts.resignAsV2(good, operator);
        // the embedded server refuses the config with IllegalArgumentException, the Go one exits (IOException)
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> start(kind, bad));
        if (TestServer.NATS4J.equals(kind)) {
            assertTrue(e.getMessage().contains("claim failed V1 signature verification"), e.getMessage());
        }
    }
}
