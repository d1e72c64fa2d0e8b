package io.nats4j.server.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.TestCertificates;
import io.nats4j.server.testsupport.TestCertificates.Issued;
import io.nats4j.server.testsupport.TestCertificates.KeyFormat;
import io.nats4j.server.tls.TlsOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS monitoring (-ms / https_port) with the server's own TLS settings, and nats-server's start errors. */
class HttpsMonitoringTest {

    @TempDir
    Path dir;

    private ServerOptions options(TestCertificates ca) throws Exception {
        Issued cert = ca.server("server", KeyFormat.PKCS8);
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        o.tls = new TlsOptions();
        o.tls.certFile = cert.certFile();
        o.tls.keyFile = cert.keyFile();
        o.tls.caFile = ca.caFile();
        o.tls.verify = true; // client certificates on the client port, none asked on the monitoring port
        return o;
    }

    @Test
    void varzIsServedOverHttpsWithTheServerCertificate() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "monitor-ca");
        ServerOptions o = options(ca);
        o.httpsPort = -1;
        try (NatsServer server = new NatsServer(o)) {
            server.start();
            HttpClient client = HttpClient.newBuilder().sslContext(ca.clientContext(null))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + server.monitorPort() + "/varz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\"server_id\": \"" + server.serverId() + "\""), r.body());
            // /varz reports the TLS settings and which monitoring port is in use, as nats-server's does
            assertTrue(r.body().contains("\"tls_required\": true"), r.body());
            assertTrue(r.body().contains("\"tls_verify\": true"), r.body());
            assertTrue(r.body().contains("\"http_port\": 0,"), r.body());
            assertTrue(r.body().contains("\"https_port\": " + server.monitorPort() + ","), r.body());
            assertTrue(r.body().contains("\"tls_timeout\": 2,"), r.body());
        }
    }

    @Test
    void httpsNeedsTlsAndExcludesHttp() throws Exception {
        ServerOptions plain = new ServerOptions();
        plain.host = "127.0.0.1";
        plain.port = 0;
        plain.httpsPort = -1;
        try (NatsServer s = new NatsServer(plain)) {
            IOException e = assertThrows(IOException.class, s::start);
            assertEquals("Can't start monitoring: TLS cert and key required for HTTPS", e.getMessage());
        }
        ServerOptions both = options(TestCertificates.create(dir, "both-ca"));
        both.httpPort = 8390;
        both.httpsPort = 8391;
        try (NatsServer s = new NatsServer(both)) {
            IOException e = assertThrows(IOException.class, s::start);
            assertEquals("Can't start monitoring: can't specify both HTTP (8390) and HTTPs (8391) ports", e.getMessage());
        }
    }
}
