package io.nats4j.server.testsupport;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Test PKI made fresh in a temp directory: a CA, certificates it signs (server or client) and their keys as
 * PEM files in the format asked for, plus SSLContexts for jnats. Uses BouncyCastle (test scope only).
 */
public final class TestCertificates {

    /** How a private key is written. */
    public enum KeyFormat { PKCS8, PKCS1_RSA, SEC1_EC }

    /** A certificate with its key, and where they were written. */
    public record Issued(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {
    }

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate caCert;
    private final Path caFile;

    private TestCertificates(Path dir, String caName) throws Exception {
        this.dir = dir;
        this.caKeys = ec();
        X500Name name = new X500Name("CN=" + caName);
        X509v3CertificateBuilder b = builder(name, name, caKeys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.caCert = sign(b, caKeys.getPrivate());
        this.caFile = dir.resolve(caName.replaceAll("[^A-Za-z0-9]", "_") + "-ca.pem");
        Files.writeString(caFile, pem(caCert));
    }

    /** A new CA whose files go to {@code dir}. */
    public static TestCertificates create(Path dir, String caName) throws Exception {
        return new TestCertificates(dir, caName);
    }

    public Path caFile() {
        return caFile;
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    /** A server certificate for localhost and 127.0.0.1. */
    public Issued server(String fileName, KeyFormat format) throws Exception {
        return issue(fileName, "CN=localhost", format, List.of(), List.of("localhost"), true, false);
    }

    /** A certificate for a server that is also a client of other servers (routes): localhost, 127.0.0.1, both uses. */
    public Issued peer(String fileName) throws Exception {
        return issue(fileName, "CN=localhost", KeyFormat.PKCS8, List.of(), List.of("localhost"), true, true);
    }

    /** A client certificate with the given subject DN (RFC 4514), e-mail and DNS SANs. */
    public Issued client(String fileName, String subject, List<String> emails, List<String> dnsNames) throws Exception {
        return issue(fileName, subject, KeyFormat.PKCS8, emails, dnsNames, false, true, null);
    }

    /** A client certificate that expires at {@code notAfter}. */
    public Issued clientExpiringAt(String fileName, String subject, Instant notAfter) throws Exception {
        return issue(fileName, subject, KeyFormat.PKCS8, List.of(), List.of(), false, true, notAfter);
    }

    private Issued issue(String fileName, String subject, KeyFormat format, List<String> emails, List<String> dnsNames,
            boolean server, boolean client) throws Exception {
        return issue(fileName, subject, format, emails, dnsNames, server, client, null);
    }

    private Issued issue(String fileName, String subject, KeyFormat format, List<String> emails, List<String> dnsNames,
            boolean server, boolean client, Instant notAfter) throws Exception {
        KeyPair keys = format == KeyFormat.PKCS1_RSA ? rsa() : ec();
        X509v3CertificateBuilder b = builder(X500Name.getInstance(
                new javax.security.auth.x500.X500Principal(subject).getEncoded()),
                X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()), keys, notAfter);
        List<GeneralName> sans = new ArrayList<>();
        for (String e : emails) {
            sans.add(new GeneralName(GeneralName.rfc822Name, e));
        }
        for (String d : dnsNames) {
            sans.add(new GeneralName(GeneralName.dNSName, d));
        }
        if (server) {
            sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        }
        if (!sans.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        List<KeyPurposeId> purposes = new ArrayList<>();
        if (server) {
            purposes.add(KeyPurposeId.id_kp_serverAuth);
        }
        if (client) {
            purposes.add(KeyPurposeId.id_kp_clientAuth);
        }
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
        X509Certificate cert = sign(b, caKeys.getPrivate());
        Path certFile = dir.resolve(fileName + "-cert.pem");
        Path keyFile = dir.resolve(fileName + "-key.pem");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, keyPem(keys.getPrivate(), format));
        return new Issued(cert, keys.getPrivate(), certFile, keyFile);
    }

    /** A jnats SSLContext trusting this CA, presenting {@code clientCert} when not null. */
    public SSLContext clientContext(Issued clientCert) throws GeneralSecurityException, IOException {
        return clientContext(clientCert, "TLSv1.3");
    }

    /** Same, for one protocol ("TLSv1.2" or "TLSv1.3"). */
    public SSLContext clientContext(Issued clientCert, String protocol) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", caCert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", clientCert.key(), new char[0], new X509Certificate[] {clientCert.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance(protocol);
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    // ---------------------------------------------------------------- helpers

    private static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair keys) {
        return builder(subject, issuer, keys, null);
    }

    private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair keys, Instant notAfter) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(notAfter != null ? notAfter : now.plus(Duration.ofDays(2))), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey caKey) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(caKey);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    /** PKCS#8 as "PRIVATE KEY", PKCS#1 as "RSA PRIVATE KEY", SEC1 as "EC PRIVATE KEY". */
    static String keyPem(PrivateKey key, KeyFormat format) throws IOException {
        if (format == KeyFormat.PKCS8) {
            return pem(new PemObject("PRIVATE KEY", key.getEncoded()));
        }
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        if (format == KeyFormat.PKCS1_RSA) {
            return pem(new PemObject("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()));
        }
        // SEC1 as openssl writes it: with the named curve in [0] (the JDK's PKCS#8 inner key leaves it out)
        ECPrivateKey ec = (ECPrivateKey) key;
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                ec.getParams().getOrder().bitLength(), ec.getS(), info.getPrivateKeyAlgorithm().getParameters());
        return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }
}
