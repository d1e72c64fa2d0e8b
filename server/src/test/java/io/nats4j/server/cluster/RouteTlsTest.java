package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nats.client.Connection;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.GoTestServer;
import io.nats4j.server.testsupport.TestCertificates;
import io.nats4j.server.tls.TlsOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routes over TLS with verify (mutual): nats4j with nats4j, nats4j with nats-server; a stranger's certificate is refused. */
class RouteTlsTest {

    @TempDir
    Path dir;

    private final ClusterNodes nodes = new ClusterNodes("tls");

    @AfterEach
    void stop() {
        nodes.close();
    }

    private static TlsOptions tls(TestCertificates.Issued cert, Path ca) {
        TlsOptions t = new TlsOptions();
        t.certFile = cert.certFile();
        t.keyFile = cert.keyFile();
        t.caFile = ca;
        t.verify = true;
        t.timeout = Duration.ofSeconds(5);
        return t;
    }

    private static String goTls(TestCertificates.Issued cert, Path ca) {
        return "  tls { cert_file: \"" + cert.certFile() + "\", key_file: \"" + cert.keyFile() + "\", ca_file: \"" + ca
                + "\", verify: true, timeout: 5 }\n";
    }

    @Test
    void tlsRoutesBetweenNats4jAndNatsServer() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "route CA");
        TestCertificates.Issued a = ca.peer("a");
        TestCertificates.Issued g = ca.peer("g");
        int goRoute = freePort();
        GoTestServer go = nodes.go(goRoute, goTls(g, ca.caFile()), new String[0]);
        ServerOptions o = nodes.options(-1, "nats-route://localhost:" + goRoute);
        o.cluster.tls = tls(a, ca.caFile());
        NatsServer j = nodes.nats4j(o);
        waitForRoutes(j, 1);
        ServerOptions o2 = nodes.options(-1, "nats-route://localhost:" + j.cluster().port());
        o2.cluster.tls = tls(ca.peer("b"), ca.caFile());
        NatsServer j2 = nodes.nats4j(o2);
        waitForRoutes(j2, 2); // j and, by gossip, the Go node
        waitForRoutes(j, 2);
        try (Connection cg = MixedClusterTest.connect(MixedClusterTest.url(go)); Connection c2 = RouteTest.connect(j2)) {
            Subscription s = cg.subscribe("over.tls");
            cg.flush(Duration.ofSeconds(5));
            waitFor(() -> j2.globalAccount().match("over.tls").psubs.length == 1, "Go's interest at j2");
            c2.publish("over.tls", new byte[] {1});
            assertNotNull(s.nextMessage(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aRouteWithACertificateOfAnotherCaIsRefused() throws Exception {
        TestCertificates ca = TestCertificates.create(java.nio.file.Files.createDirectories(dir.resolve("one")), "route CA");
        TestCertificates other = TestCertificates.create(java.nio.file.Files.createDirectories(dir.resolve("two")),
                "other CA");
        ServerOptions o = nodes.options(-1);
        o.cluster.tls = tls(ca.peer("a"), ca.caFile());
        RouteHandshakeTest.Lines log = new RouteHandshakeTest.Lines();
        NatsServer a = nodes.nats4j(o, log);
        ServerOptions o2 = nodes.options(-1, "nats-route://localhost:" + a.cluster().port());
        o2.cluster.tls = tls(other.peer("b"), ca.caFile()); // trusts a, but a does not trust b's certificate
        NatsServer b = nodes.nats4j(o2);
        waitFor(() -> log.lines.stream().anyMatch(l -> l.startsWith("ERR ") && l.contains("TLS route handshake error")),
                "the handshake error in a's log");
        assertEquals(0, a.cluster().routes().size());
        assertEquals(0, b.cluster().routes().size());
    }
}
