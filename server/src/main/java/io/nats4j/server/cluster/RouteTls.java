package io.nats4j.server.cluster;

import io.nats4j.server.tls.PemFiles;
import io.nats4j.server.tls.ServerTls;
import io.nats4j.server.tls.TlsOptions;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS between servers ({@code cluster { tls {} }}), as nats-server does it: TLS from the first byte on both
 * sides; the accepting side is the server of the handshake (the route listener places TLS first) and, with
 * {@code verify}, requires and verifies the dialing server's certificate; the dialing side presents the same
 * certificate and verifies the accepting server's against {@code ca_file} and the route URL's host.
 */
final class RouteTls {

    private final ServerTls server;
    private final SslContext client;
    private final TlsOptions options;

    private RouteTls(ServerTls server, SslContext client, TlsOptions options) {
        this.server = server;
        this.client = client;
        this.options = options;
    }

    /** Loads the certificate, key and CAs (off the event loops, at start). */
    static RouteTls load(TlsOptions o) throws IOException {
        ServerTls server = ServerTls.load(o);
        List<X509Certificate> chain = PemFiles.readCertificates(o.certFile);
        PrivateKey key = PemFiles.readPrivateKey(o.keyFile);
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .keyManager(key, chain.toArray(X509Certificate[]::new));
        if (o.caFile != null) {
            b.trustManager(PemFiles.readCertificates(o.caFile).toArray(X509Certificate[]::new));
        }
        try {
            return new RouteTls(server, b.build(), o.copy());
        } catch (SSLException e) {
            throw new IOException("error creating TLS configuration: " + e.getMessage(), e);
        }
    }

    ServerTls server() {
        return server;
    }

    /** A client-side handler for a route this server dials to {@code host}: the server's name is checked. */
    SslHandler newClientHandler(ByteBufAllocator alloc, String host, int port) {
        SslHandler h = client.newHandler(alloc, host, port);
        SSLEngine engine = h.engine();
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(p);
        h.setHandshakeTimeoutMillis(Math.max(1, options.timeout.toMillis()));
        return h;
    }
}
