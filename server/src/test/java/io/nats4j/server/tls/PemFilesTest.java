package io.nats4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.testsupport.TestCertificates;
import io.nats4j.server.testsupport.TestCertificates.Issued;
import io.nats4j.server.testsupport.TestCertificates.KeyFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {

    @TempDir
    Path dir;

    @Test
    void readsPkcs8Pkcs1AndSec1KeysToTheSameKey() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "CA");
        for (KeyFormat f : KeyFormat.values()) {
            Issued issued = ca.server("s-" + f, f);
            String pem = Files.readString(issued.keyFile());
            String expectedType = switch (f) {
                case PKCS8 -> "-----BEGIN PRIVATE KEY-----";
                case PKCS1_RSA -> "-----BEGIN RSA PRIVATE KEY-----";
                case SEC1_EC -> "-----BEGIN EC PRIVATE KEY-----";
            };
            assertTrue(pem.startsWith(expectedType), pem);
            PrivateKey key = PemFiles.readPrivateKey(issued.keyFile());
            assertEquals(issued.key().getAlgorithm(), key.getAlgorithm());
            assertTrue(java.util.Arrays.equals(issued.key().getEncoded(), key.getEncoded())
                    || f == KeyFormat.SEC1_EC, f + " decodes to the same key");
            // the whole pair loads, key checked against the certificate
            TlsOptions o = new TlsOptions();
            o.certFile = issued.certFile();
            o.keyFile = issued.keyFile();
            ServerTls.load(o);
        }
    }

    @Test
    void certificateFileMayHoldAChainAndOtherBlocks() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "CA");
        Issued s = ca.server("s", KeyFormat.PKCS8);
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, "junk before\n" + Files.readString(s.certFile()) + Files.readString(s.keyFile())
                + Files.readString(ca.caFile()));
        assertEquals(2, PemFiles.readCertificates(chain).size());
    }

    @Test
    void errorsReadLikeNatsServers() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "CA");
        Issued a = ca.server("a", KeyFormat.PKCS8);
        Issued b = ca.server("b", KeyFormat.PKCS8);
        Issued rsa = ca.server("r", KeyFormat.PKCS1_RSA);
        assertEquals("error parsing X509 certificate/key pair: tls: private key does not match public key",
                loadError(a.certFile(), b.keyFile()));
        assertEquals("error parsing X509 certificate/key pair: tls: private key type does not match public key type",
                loadError(a.certFile(), rsa.keyFile()));
        assertTrue(loadError(dir.resolve("nope.pem"), a.keyFile())
                .matches("error parsing X509 certificate/key pair: open .*nope.pem: no such file or directory"));
        assertEquals("error parsing X509 certificate/key pair: tls: failed to find any PEM data in key input",
                loadError(a.certFile(), Files.writeString(dir.resolve("empty.pem"), "nothing\n")));
        Path encrypted = Files.writeString(dir.resolve("enc.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertEquals("error parsing X509 certificate/key pair: tls: encrypted private keys are not supported",
                loadError(a.certFile(), encrypted));
        TlsOptions noKey = new TlsOptions();
        noKey.certFile = a.certFile();
        assertEquals("missing 'key_file' in TLS configuration",
                assertThrows(IOException.class, () -> ServerTls.load(noKey)).getMessage());
    }

    private static String loadError(Path cert, Path key) {
        TlsOptions o = new TlsOptions();
        o.certFile = cert;
        o.keyFile = key;
        return assertThrows(IOException.class, () -> ServerTls.load(o)).getMessage();
    }
}
