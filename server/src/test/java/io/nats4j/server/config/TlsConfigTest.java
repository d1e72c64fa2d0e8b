package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.TestCertificates;
import io.nats4j.server.testsupport.TestCertificates.Issued;
import io.nats4j.server.testsupport.TestCertificates.KeyFormat;
import io.nats4j.server.tls.TlsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tls block and the --tls flags, with nats-server's error texts. */
class TlsConfigTest {

    @TempDir
    Path dir;

    private Issued server;
    private TestCertificates ca;

    @BeforeEach
    void certificates() throws Exception {
        ca = TestCertificates.create(dir, "CA");
        server = ca.server("server", KeyFormat.PKCS8);
    }

    private String files() {
        return "cert_file: \"" + server.certFile() + "\", key_file: \"" + server.keyFile() + "\"";
    }

    private Path write(String text) throws Exception {
        return Files.writeString(dir.resolve("server.conf"), text);
    }

    private ServerOptions load(String text) throws Exception {
        return ConfigLoader.load(write(text), k -> null);
    }

    private String error(String text) throws Exception {
        Path p = write(text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(p, k -> null)).getMessage()
                .replace(p.toString(), "f");
    }

    @Test
    void readsEveryTlsKey() throws Exception {
        ServerOptions o = load("tls {\n " + files() + "\n ca_file: \"" + ca.caFile() + "\"\n verify_and_map: true\n"
                + " timeout: 0.5\n min_version: \"1.3\"\n handshake_first: true\n"
                + " cipher_suites: [\"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305\", \"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\"]\n"
                + " curve_preferences: [\"CurveP256\", \"X25519\"]\n}\n");
        TlsOptions t = o.tls;
        assertEquals(server.certFile(), t.certFile);
        assertEquals(ca.caFile(), t.caFile);
        assertTrue(t.verify && t.map && t.handshakeFirst);
        assertEquals(Duration.ofMillis(500), t.timeout);
        assertEquals("1.3", t.minVersion);
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
                t.cipherSuites);
        assertEquals(List.of("CurveP256", "X25519"), t.curvePreferences);
        assertEquals(Duration.ofSeconds(3), load("tls { " + files() + ", timeout: \"3s\" }").tls.timeout);
        assertEquals(TlsOptions.DEFAULT_TIMEOUT, load("tls { " + files() + " }").tls.timeout);
        assertNull(load("port: 4222\n").tls);
    }

    @Test
    void errorsMatchNatsServer() throws Exception {
        // texts as nats-server 2.9.10 prints them for the same files
        assertEquals("f:1:7: error parsing tls config, unknown field [\"foo\"]", error("tls { foo: 1, " + files() + " }"));
        assertTrue(error("tls { " + files() + ", cipher_suites: [\"TLS_FOO\"] }").endsWith("unrecognized cipher TLS_FOO"));
        assertEquals("f:1:1: missing 'key_file' in TLS configuration",
                error("tls { cert_file: \"" + server.certFile() + "\" }"));
        assertTrue(error("tls { " + files() + ", timeout: \"abc\" }")
                .endsWith("error parsing tls config, 'timeout' time: invalid duration \"abc\""));
        assertTrue(error("tls { " + files() + ", verify: 1 }")
                .endsWith("error parsing tls config, expected 'verify' to be a boolean"));
        assertTrue(error("tls { " + files() + ", curve_preferences: [\"P1\"] }")
                .endsWith("unrecognized curve preference P1"));
        assertTrue(error("tls { " + files() + ", min_version: \"1.1\" }")
                .endsWith("error parsing tls config: unsupported TLS version: TLS 1.1"));
        assertTrue(error("tls { " + files() + ", handshake_first: \"sometimes\" }")
                .endsWith("field \"handshake_first\" value \"sometimes\" is invalid")); // nats-server 2.10.3's text
        assertTrue(error("tls { " + files() + ", pinned_certs: [] }")
                .endsWith("\"tls.pinned_certs\" is not supported yet by nats4j"));
        Issued other = ca.server("other", KeyFormat.SEC1_EC);
        assertEquals("f:1:1: error parsing X509 certificate/key pair: tls: private key does not match public key",
                error("tls { cert_file: \"" + server.certFile() + "\", key_file: \"" + other.keyFile() + "\" }"));
    }

    @Test
    void tlsFlagsReplaceTheFileBlockAndNeedCertificateAndKey() throws Exception {
        CommandLine.Result r = CommandLine.parse(new String[] {"--tlscert", server.certFile().toString(), "--tlskey",
                server.keyFile().toString(), "--tlscacert", ca.caFile().toString(), "--tlsverify"}, k -> null);
        assertTrue(r.options().tls.verify);
        assertEquals(ca.caFile(), r.options().tls.caFile);
        assertFalse(CommandLine.parse(new String[] {"--tls", "--tlscert", server.certFile().toString(), "--tlskey",
                server.keyFile().toString()}, k -> null).options().tls.verify);
        assertEquals("TLS Server certificate must be present and valid",
                assertThrows(ConfigException.class, () -> CommandLine.parse(new String[] {"--tls"}, k -> null))
                        .getMessage());
        assertEquals("TLS Server private key must be present and valid",
                assertThrows(ConfigException.class, () -> CommandLine.parse(
                        new String[] {"--tls", "--tlscert", server.certFile().toString()}, k -> null)).getMessage());
        assertNull(CommandLine.parse(new String[] {"-p", "4222"}, k -> null).options().tls);
    }
}
