package io.nats4j.server.tls;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * nats-server's (Go's) names for cipher suites and curves, mapped to the JDK's (JSSE/IANA) names.
 * Go applies {@code cipher_suites} to TLS 1.2 only: the TLS 1.3 suites are always enabled, and their names
 * are accepted and ignored, as in nats-server.
 */
public final class TlsNames {

    /** Go name to JSSE name, for the suites nats-server 2.9 lists in {@code --help_tls}. */
    private static final Map<String, String> CIPHERS = new LinkedHashMap<>();
    /** TLS 1.3 suites: always on in Go, so always on here. */
    static final List<String> TLS13_CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");
    /** nats-server's defaultCipherSuites(), in its order of preference. */
    static final List<String> DEFAULT_CIPHERS = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

    /** Go curve name to JSSE named group. */
    private static final Map<String, String> CURVES = new LinkedHashMap<>();
    /** nats-server's defaultCurvePreferences(). */
    static final List<String> DEFAULT_CURVES = List.of("X25519", "CurveP256", "CurveP384", "CurveP521");

    static {
        for (String same : List.of(
                "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
                "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA")) {
            CIPHERS.put(same, same);
        }
        // the JDK keeps the SSL_ prefix for these two old suites (disabled by default in any case)
        CIPHERS.put("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "SSL_RSA_WITH_3DES_EDE_CBC_SHA");
        CIPHERS.put("TLS_RSA_WITH_RC4_128_SHA", "SSL_RSA_WITH_RC4_128_SHA");
        // Go's short names for ChaCha20 (and the later full names Go also knows)
        CIPHERS.put("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        CIPHERS.put("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        CIPHERS.put("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        CIPHERS.put("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        for (String s : TLS13_CIPHERS) {
            CIPHERS.put(s, s);
        }
        CURVES.put("X25519", "x25519");
        CURVES.put("CurveP256", "secp256r1");
        CURVES.put("CurveP384", "secp384r1");
        CURVES.put("CurveP521", "secp521r1");
    }

    private TlsNames() {
    }

    /** The JSSE name of a nats-server cipher suite name, or null when nats-server does not know it. */
    public static String cipher(String goName) {
        return CIPHERS.get(goName);
    }

    /** The JSSE named group of a nats-server curve name, or null when nats-server does not know it. */
    public static String curve(String goName) {
        return CURVES.get(goName);
    }

    /** nats-server's name for a negotiated suite (for its log lines), the JSSE name when they differ. */
    static String goCipherName(String jsseName) {
        if (jsseName == null) {
            return "";
        }
        return switch (jsseName) {
            case "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" -> "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305";
            case "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" -> "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305";
            default -> jsseName;
        };
    }

    /** "1.2" / "1.3" for the JDK's "TLSv1.2" / "TLSv1.3", as nats-server logs versions. */
    static String goVersionName(String protocol) {
        return protocol != null && protocol.startsWith("TLSv") ? protocol.substring(4) : String.valueOf(protocol);
    }
}
