package io.nats4j.server.tls;

import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A client connection's TLS after its handshake: the version and suite in nats-server's names ("1.3",
 * "TLS_AES_128_GCM_SHA256") and the client certificate's identity (null when the client sent none).
 */
public record TlsConnectionState(String version, String cipherSuite, TlsIdentity peer) {

    /** Reads the state of a completed handshake. */
    public static TlsConnectionState of(SslHandler handler) {
        SSLSession session = handler.engine().getSession();
        TlsIdentity peer = null;
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
                peer = TlsIdentity.of(x);
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate (verify is off)
        }
        return new TlsConnectionState(TlsNames.goVersionName(session.getProtocol()),
                TlsNames.goCipherName(session.getCipherSuite()), peer);
    }
}
