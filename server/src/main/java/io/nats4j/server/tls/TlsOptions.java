package io.nats4j.server.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The client port's {@code tls {}} block (nats-server's {@code TLSConfigOpts} plus the handshake timeout).
 * Public mutable fields like {@link io.nats4j.server.ServerOptions}; set on {@code ServerOptions.tls} to turn
 * TLS on. Files are read when the server starts (or when a config file is checked), never on an event loop.
 */
public final class TlsOptions {

    /** nats-server's TLS_TIMEOUT. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final String VERSION_1_2 = "1.2";
    public static final String VERSION_1_3 = "1.3";

    /** PEM certificate chain presented to clients (leaf first). */
    public Path certFile;
    /** PEM private key: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"). */
    public Path keyFile;
    /** PEM CA certificates that client certificates are verified against (the JDK's defaults when null). */
    public Path caFile;
    /** Require a valid client certificate (mutual TLS). */
    public boolean verify;
    /** {@code verify_and_map}: verify, and map the certificate's identity to a configured user. */
    public boolean map;
    /** nats-server's DEFAULT_TLS_HANDSHAKE_FIRST_FALLBACK_DELAY, for {@code handshake_first: "auto"}. */
    public static final Duration DEFAULT_HANDSHAKE_FIRST_FALLBACK = Duration.ofMillis(50);
    /** Handshake timeout. */
    public Duration timeout = DEFAULT_TIMEOUT;
    /** Lowest protocol version accepted: "1.2" (default) or "1.3". */
    public String minVersion = VERSION_1_2;
    /** TLS 1.2 cipher suites by their Go (nats-server) names; empty means nats-server's defaults. */
    public List<String> cipherSuites = new ArrayList<>();
    /** Key exchange groups by their Go names (X25519, CurveP256, ...); empty means nats-server's defaults. */
    public List<String> curvePreferences = new ArrayList<>();
    /** TLS handshake before INFO (nats-server 2.10's {@code handshake_first}). */
    public boolean handshakeFirst;
    /**
     * With {@link #handshakeFirst}: how long to wait for a client to start the handshake before sending INFO first
     * after all ({@code handshake_first: 300ms}, or 50 ms for {@code "auto"}); zero: no fallback, TLS first only.
     */
    public Duration handshakeFirstFallback = Duration.ZERO;

    public TlsOptions copy() {
        TlsOptions c = new TlsOptions();
        c.certFile = certFile;
        c.keyFile = keyFile;
        c.caFile = caFile;
        c.verify = verify;
        c.map = map;
        c.timeout = timeout;
        c.minVersion = minVersion;
        c.cipherSuites = new ArrayList<>(cipherSuites);
        c.curvePreferences = new ArrayList<>(curvePreferences);
        c.handshakeFirst = handshakeFirst;
        c.handshakeFirstFallback = handshakeFirstFallback;
        return c;
    }
}
