package io.nats4j.server.it;

import static io.nats4j.server.testsupport.TestJwts.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.NKey;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestJwts;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code full} account resolver's directory; runs against nats4j and nats-server. */
class JwtResolverTest {


    @TempDir
    Path dir;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String connect(String userJwt, NKey user) throws IOException {
        try (RawClient raw = RawClient.open(server)) {
            TestJwts.sendJwtConnect(raw, userJwt, user);
            return raw.expectLineStartingWith("", Duration.ofSeconds(3)).strip();
        }
    }

    @Test
    void fullResolverFindsAccountJwtsInItsDirectory() throws Exception {
        TestJwts.Operator op = new TestJwts.Operator(dir);
        NKey a = op.account("A");
        Path jwts = dir.resolve("jwts");
        op.writeAccountFiles(jwts);
        NKey notStored = TestJwts.accountKey();
        NKey u = TestJwts.userKey();
        server = TestServer.start(TestServer.defaultOptions(), op.fullResolverConfig(jwts, false));
        assertEquals("PONG", connect(op.user(a, u), u));
        assertEquals("-ERR 'Authorization Violation'", connect(op.user(notStored, u), u));
    }

    @Test
    void fullResolverStoresPreloadedAccountsInItsDirectory() throws Exception {
        TestJwts.Operator op = new TestJwts.Operator(dir);
        NKey a = op.account("A");
        Path jwts = dir.resolve("jwts");
        NKey u = TestJwts.userKey();
        server = TestServer.start(TestServer.defaultOptions(), op.fullResolverConfig(jwts, true));
        assertEquals("PONG", connect(op.user(a, u), u));
        Path stored = jwts.resolve(pub(a) + ".jwt");
        assertTrue(Files.exists(stored), "preloaded account JWT stored as " + stored.getFileName());
        assertEquals(op.accountJwts.get(pub(a)), Files.readString(stored).strip());
    }
}
