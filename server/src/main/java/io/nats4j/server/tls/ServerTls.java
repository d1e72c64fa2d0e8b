package io.nats4j.server.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The client port's TLS, ready to use: the certificate and key loaded, the Netty {@link SslContext} built.
 * Built once at startup ({@link #load}, blocking file I/O); {@link #newHandler} is then called per connection
 * on its event loop. Uses Netty's OpenSSL (BoringSSL) provider when {@code netty-tcnative} is on the class
 * path, the JDK's TLS otherwise.
 */
public final class ServerTls {

    private final TlsOptions options;
    private final SslContext context;
    private final String[] namedGroups;
    private final SslProvider provider;
    private final X509Certificate leaf;
    /** With verify/verify_and_map: the trust client certificates are checked against; null otherwise. */
    private final javax.net.ssl.X509TrustManager clientTrust;

    private ServerTls(TlsOptions options, SslContext context, String[] namedGroups, SslProvider provider,
            X509Certificate leaf, javax.net.ssl.X509TrustManager clientTrust) {
        this.options = options;
        this.context = context;
        this.namedGroups = namedGroups;
        this.provider = provider;
        this.leaf = leaf;
        this.clientTrust = clientTrust;
    }

    /**
     * Loads the files and builds the context. Error texts follow nats-server's ({@code missing 'key_file' in TLS
     * configuration}, {@code error parsing X509 certificate/key pair: ...}, {@code failed to parse root ca
     * certificate}).
     */
    public static ServerTls load(TlsOptions o) throws IOException {
        TlsOptions options = o.copy();
        if (options.certFile == null && options.keyFile == null) {
            throw new IOException("missing 'cert_file' and 'key_file' in TLS configuration");
        }
        if (options.keyFile == null) {
            throw new IOException("missing 'key_file' in TLS configuration");
        }
        if (options.certFile == null) {
            throw new IOException("missing 'cert_file' in TLS configuration");
        }
        List<X509Certificate> chain;
        PrivateKey key;
        try {
            chain = PemFiles.readCertificates(options.certFile);
            key = PemFiles.readPrivateKey(options.keyFile);
            checkKeyMatches(key, chain.get(0).getPublicKey());
        } catch (IOException e) {
            throw new IOException("error parsing X509 certificate/key pair: " + e.getMessage(), e);
        }
        List<X509Certificate> cas = null;
        if (options.caFile != null) {
            try {
                cas = PemFiles.readCertificates(options.caFile);
            } catch (IOException e) {
                throw new IOException("failed to parse root ca certificate: " + e.getMessage(), e);
            }
        }

        List<String> ciphers = new ArrayList<>(TlsNames.TLS13_CIPHERS);
        for (String go : options.cipherSuites.isEmpty() ? TlsNames.DEFAULT_CIPHERS : options.cipherSuites) {
            String jsse = TlsNames.cipher(go);
            if (jsse == null) {
                throw new IOException("unrecognized cipher " + go);
            }
            if (!ciphers.contains(jsse)) {
                ciphers.add(jsse);
            }
        }
        Set<String> groups = new LinkedHashSet<>();
        for (String go : options.curvePreferences.isEmpty() ? TlsNames.DEFAULT_CURVES : options.curvePreferences) {
            String jsse = TlsNames.curve(go);
            if (jsse == null) {
                throw new IOException("unrecognized curve preference " + go);
            }
            groups.add(jsse);
        }
        String[] protocols = switch (options.minVersion == null ? TlsOptions.VERSION_1_2 : options.minVersion) {
            case TlsOptions.VERSION_1_2 -> new String[] {"TLSv1.3", "TLSv1.2"};
            case TlsOptions.VERSION_1_3 -> new String[] {"TLSv1.3"};
            default -> throw new IOException("unsupported TLS version: " + options.minVersion);
        };

        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(provider)
                .protocols(protocols)
                .ciphers(ciphers, SupportedCipherSuiteFilter.INSTANCE)
                .clientAuth(options.verify || options.map ? ClientAuth.REQUIRE : ClientAuth.NONE);
        javax.net.ssl.X509TrustManager clientTrust = null;
        if (options.verify || options.map) {
            // the same trust the handshake uses, kept to check again after it: see checkClientCertificate
            try {
                java.security.KeyStore ks = null;
                if (cas != null) {
                    ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                    ks.load(null, null);
                    int i = 0;
                    for (X509Certificate ca : cas) {
                        ks.setCertificateEntry("ca-" + i++, ca);
                    }
                }
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                for (javax.net.ssl.TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof javax.net.ssl.X509TrustManager x) {
                        clientTrust = x;
                    }
                }
                b.trustManager(tmf);
            } catch (GeneralSecurityException | IOException e) {
                throw new IOException("error creating TLS configuration: " + e.getMessage(), e);
            }
        } else if (cas != null) {
            b.trustManager(cas.toArray(X509Certificate[]::new));
        }
        SslContext context;
        try {
            context = b.build();
        } catch (SSLException e) {
            throw new IOException("error creating TLS configuration: " + e.getMessage(), e);
        }
        return new ServerTls(options, context, groups.toArray(String[]::new), provider, chain.get(0), clientTrust);
    }

    /** Go's tls.X509KeyPair check: the key must belong to the certificate. */
    private static void checkKeyMatches(PrivateKey key, PublicKey pub) throws IOException {
        String pa = pub.getAlgorithm();
        if (!family(key.getAlgorithm()).equals(family(pa))) {
            throw new IOException("tls: private key type does not match public key type");
        }
        String alg = switch (pa) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> null; // Ed25519/Ed448/RSASSA-PSS: let the handshake tell
        };
        if (alg == null) {
            return;
        }
        try {
            byte[] probe = "nats4j key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (!v.verify(sig)) {
                throw new IOException("tls: private key does not match public key");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: private key does not match public key", e);
        }
    }

    private static String family(String algorithm) {
        return algorithm.startsWith("RSA") ? "RSA" : algorithm.startsWith("Ed") ? "EdDSA" : algorithm;
    }

    /** A new server-side handler for one connection, with the handshake timeout set. On its event loop. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler h = context.newHandler(alloc);
        SSLEngine engine = h.engine();
        if (provider == SslProvider.JDK) {
            SSLParameters p = engine.getSSLParameters();
            p.setNamedGroups(namedGroups);
            // as Go's PreferServerCipherSuites
            p.setUseCipherSuitesOrder(true);
            engine.setSSLParameters(p);
        }
        h.setHandshakeTimeoutMillis(Math.max(1, options.timeout.toMillis()));
        return h;
    }

    /** A handler for the HTTPS monitoring port: the same certificate and settings, no client certificate asked. */
    public SslHandler newHttpsHandler(ByteBufAllocator alloc) {
        SslHandler h = newHandler(alloc);
        h.engine().setNeedClientAuth(false);
        h.engine().setWantClientAuth(false);
        return h;
    }

    /**
     * With {@code verify} or {@code verify_and_map}: checks the client's certificate chain of a completed handshake
     * against the trust and the time now; null when it passes (or nothing is to be checked), else the reason.
     *
     * <p>A resumed TLS session (a TLS 1.2 session id or ticket, a TLS 1.3 pre-shared key) skips the certificate
     * exchange: both the JDK's and OpenSSL's TLS accept it as long as the original session had a verified peer,
     * so a client whose certificate has expired since, or whose CA is no longer trusted, would get in. nats-server
     * (Go's crypto/tls) verifies on resumption too. Checking every handshake here, resumed or not, refuses such a
     * client whichever provider did the handshake. A full handshake passes the same check it just passed.
     */
    public String checkClientCertificate(javax.net.ssl.SSLSession session) {
        if (clientTrust == null || session == null) {
            return null;
        }
        try {
            java.security.cert.Certificate[] peer = session.getPeerCertificates();
            X509Certificate[] chain = new X509Certificate[peer.length];
            for (int i = 0; i < peer.length; i++) {
                chain[i] = (X509Certificate) peer[i];
            }
            clientTrust.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
            return null;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return "client didn't provide a certificate";
        } catch (java.security.cert.CertificateException | RuntimeException e) {
            return "failed to verify client certificate: " + e.getMessage();
        }
    }

    /** TLS before INFO. */
    public boolean handshakeFirst() {
        return options.handshakeFirst;
    }

    /** With {@link #handshakeFirst()}: how long a client has to start TLS before INFO goes first; null if no fallback. */
    public java.time.Duration handshakeFirstFallback() {
        java.time.Duration d = options.handshakeFirstFallback;
        return options.handshakeFirst && d != null && d.isPositive() ? d : null;
    }

    /** Clients must present a valid certificate (verify or verify_and_map). */
    public boolean verify() {
        return options.verify || options.map;
    }

    /** verify_and_map: the client's certificate names its user. */
    public boolean map() {
        return options.map;
    }

    public TlsOptions options() {
        return options.copy();
    }

    /** "OpenSSL" or "JDK". */
    public String providerName() {
        return provider == SslProvider.OPENSSL ? "OpenSSL" : "JDK";
    }

    /** The server's certificate. */
    public X509Certificate certificate() {
        return leaf;
    }
}
