package io.nats4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.testsupport.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsIdentityTest {

    @TempDir
    Path dir;

    /** The same subject nats-server 2.9.10 printed as "CN=alice,OU=Eng+OU=Ops,O=Acme\, Inc.,C=US,DC=example,DC=com". */
    private static final String SUBJECT_2253 =
            "DC=com,DC=example,EMAILADDRESS=a@b.c,CN=alice,OU=Eng+OU=Ops,O=Acme\\, Inc.,C=US";

    @Test
    void subjectIsPrintedAsNatsServerPrintsIt() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "CA");
        TlsIdentity id = TlsIdentity.of(ca.client("c", SUBJECT_2253, List.of(), List.of()).certificate());
        // Go drops attributes its Name has no field for (e-mail), groups the OUs into one RDN, and nats-server
        // appends the domain components
        assertEquals("CN=alice,OU=Eng+OU=Ops,O=Acme\\, Inc.,C=US,DC=example,DC=com", id.subject());
        assertEquals(8, id.rdns().stream().mapToInt(r -> r.attributes().size()).sum());
    }

    @Test
    void sansAreExtracted() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "CA");
        TlsIdentity id = TlsIdentity.of(ca.client("c", "CN=bob", List.of("bob@example.com"),
                List.of("bob.example.com", "*.svc.example.com")).certificate());
        assertEquals(List.of("bob@example.com"), id.emails());
        assertEquals(List.of("bob.example.com", "*.svc.example.com"), id.dnsNames());
        assertEquals("CN=bob", id.subject());
    }

    @Test
    void emailSansComeFirstThenTheSubject() {
        TlsIdentity id = new TlsIdentity("CN=alice", TlsIdentity.parseDn("CN=alice"), List.of("alice@example.com"),
                List.of("alice.example.com"), List.of());
        assertEquals(Optional.of("alice@example.com"), id.findUser(List.of("CN=alice", "alice@example.com")));
        // no e-mail SAN matches: DNS SANs come next, then the subject (nats-server's order)
        assertEquals(Optional.of("alice.example.com"), id.findUser(List.of("alice.example.com", "CN=alice")));
        assertEquals(Optional.of("CN=alice"), id.findUser(List.of("CN=alice", "bob")));
        assertEquals(Optional.empty(), id.findUser(List.of("carol.example.com", "bob")));
    }

    @Test
    void dnsSansAreUserNamesNotPatternsForClients() {
        TlsIdentity id = new TlsIdentity("CN=x", TlsIdentity.parseDn("CN=x"), List.of(), List.of("*.example.com"),
                List.of());
        assertEquals(Optional.empty(), id.findUser(List.of("example.com", "app.example.com")));
        assertEquals(Optional.of("*.example.com"), id.findUser(List.of("app.example.com", "*.example.com")));
        assertFalse(TlsIdentity.dnsNameMatches("*.example.com", "a.b.example.com"));
        assertTrue(TlsIdentity.dnsNameMatches("App.Example.com", "app.example.COM"));
    }

    @Test
    void subjectMatchesConfiguredDnInAnyRdnOrder() {
        TlsIdentity id = new TlsIdentity("CN=alice,OU=eng,O=Acme\\, Inc.,C=US",
                TlsIdentity.parseDn("CN=alice,OU=eng,O=Acme\\, Inc.,C=US"), List.of(), List.of(), List.of());
        assertEquals(Optional.of("C=US, O=Acme\\, Inc., OU=eng, CN=alice"),
                id.findUser(List.of("CN=bob", "C=US, O=Acme\\, Inc., OU=eng, CN=alice")));
        assertEquals(Optional.empty(), id.findUser(List.of("CN=alice,OU=eng,C=US")));
    }

    @Test
    void dnParserHandlesEscapesMultiValuedRdnsAndNonDns() {
        List<TlsIdentity.Rdn> rdns = TlsIdentity.parseDn("CN=a\\2Cb,OU=x+OU=y,O=o");
        assertEquals(3, rdns.size());
        assertEquals("o", rdns.get(0).attributes().get(0).value());
        assertEquals(2, rdns.get(1).attributes().size());
        assertEquals("a,b", rdns.get(2).attributes().get(0).value());
        assertNull(TlsIdentity.parseDn("alice"));
        assertNull(TlsIdentity.parseDn("NOTATYPE=x"));
    }
}
