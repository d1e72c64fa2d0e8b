package io.nats4j.server.config;

import io.nats4j.server.tls.ServerTls;
import io.nats4j.server.tls.TlsNames;
import io.nats4j.server.tls.TlsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The top-level {@code tls {}} block, read as nats-server's parseTLS reads it (same keys, same error texts),
 * then checked by loading the certificate and key as nats-server does while reading its config (so
 * {@code -t} reports a bad key file).
 */
final class TlsBlock {

    /** Keys nats-server knows in a tls block that nats4j does not implement yet. */
    private static final Set<String> NOT_SUPPORTED_YET = Set.of("connection_rate_limit", "pinned_certs",
            "cert_store", "cert_match_by", "cert_match", "ca_certs_match", "cert_match_skip_invalid", "ocsp_peer",
            "certs");

    private TlsBlock() {
    }

    static TlsOptions parse(ConfigValue.Entry block) throws ConfigException {
        if (block.value().kind() != ConfigValue.Kind.MAP) {
            throw new ConfigException(block.keyPosition(), "error parsing tls config, expected a map, got "
                    + block.value().kind().label());
        }
        TlsOptions t = new TlsOptions();
        List<String> errors = new ArrayList<>();
        for (ConfigValue.Entry e : block.value().asMap().values()) {
            try {
                apply(e, t);
            } catch (ConfigException ex) {
                errors.addAll(ex.errors());
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        try {
            ServerTls.load(t);
        } catch (IOException ex) {
            throw new ConfigException(block.keyPosition(), ex.getMessage());
        }
        return t;
    }

    private static void apply(ConfigValue.Entry e, TlsOptions t) throws ConfigException {
        String key = e.key().toLowerCase(Locale.ROOT);
        ConfigValue v = e.value();
        switch (key) {
            case "cert_file" -> t.certFile = file(e, "cert_file");
            case "key_file" -> t.keyFile = file(e, "key_file");
            case "ca_file" -> t.caFile = file(e, "ca_file");
            case "insecure" -> bool(e, "insecure"); // client side only in nats-server: no effect on a server port
            case "verify" -> t.verify = bool(e, "verify");
            case "verify_and_map" -> {
                boolean b = bool(e, "verify_and_map");
                if (b) {
                    t.verify = true;
                }
                t.map = b;
            }
            case "verify_cert_and_check_known_urls" -> {
                if (bool(e, "verify_cert_and_check_known_urls")) {
                    throw fail(e, "verify_cert_and_check_known_urls not supported in this context");
                }
            }
            case "cipher_suites" -> {
                for (ConfigValue c : list(e, "cipher_suites")) {
                    String name = c.kind() == ConfigValue.Kind.STRING ? c.asString() : c.describe();
                    if (TlsNames.cipher(name) == null) {
                        throw new ConfigException(c.position(), "unrecognized cipher " + name);
                    }
                    t.cipherSuites.add(name);
                }
            }
            case "curve_preferences" -> {
                for (ConfigValue c : list(e, "curve_preferences")) {
                    String name = c.kind() == ConfigValue.Kind.STRING ? c.asString() : c.describe();
                    if (TlsNames.curve(name) == null) {
                        throw new ConfigException(c.position(), "unrecognized curve preference " + name);
                    }
                    t.curvePreferences.add(name);
                }
            }
            case "timeout" -> t.timeout = timeout(e);
            case "min_version" -> t.minVersion = minVersion(e);
            case "handshake_first", "first", "immediate" -> handshakeFirst(e, t);
            default -> {
                if (NOT_SUPPORTED_YET.contains(key)) {
                    throw fail(e, "\"tls." + e.key() + "\" is not supported yet by nats4j");
                }
                if (!v.usedAsVariable()) {
                    throw fail(e, "error parsing tls config, unknown field [\"" + e.key() + "\"]");
                }
            }
        }
    }

    private static ConfigException fail(ConfigValue.Entry e, String reason) {
        return new ConfigException(e.keyPosition(), reason);
    }

    private static Path file(ConfigValue.Entry e, String name) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.STRING) {
            throw fail(e, "error parsing tls config, expected '" + name + "' to be filename");
        }
        String s = e.value().asString();
        return s.isEmpty() ? null : Path.of(s);
    }

    private static boolean bool(ConfigValue.Entry e, String name) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.BOOLEAN) {
            throw fail(e, "error parsing tls config, expected '" + name + "' to be a boolean");
        }
        return e.value().asBoolean();
    }

    private static List<ConfigValue> list(ConfigValue.Entry e, String name) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.ARRAY) {
            throw fail(e, "error parsing tls config, expected '" + name + "' to be an array");
        }
        List<ConfigValue> items = e.value().asArray();
        if (items.isEmpty()) {
            throw fail(e, "error parsing tls config, '" + name + "' cannot be empty");
        }
        return items;
    }

    /** Seconds (integer or fraction) or a Go duration string. */
    private static Duration timeout(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        Duration d = switch (v.kind()) {
            case INTEGER -> Duration.ofSeconds(v.asLong());
            case FLOAT -> Duration.ofNanos((long) (v.asDouble() * 1_000_000_000L));
            case STRING -> {
                try {
                    yield GoDuration.parse(v.asString());
                } catch (IllegalArgumentException ex) {
                    throw fail(e, "error parsing tls config, 'timeout' " + ex.getMessage());
                }
            }
            default -> throw fail(e, "error parsing tls config, 'timeout' wrong type");
        };
        // as nats-server: 0 (or less) means the default
        return d.isNegative() || d.isZero() ? TlsOptions.DEFAULT_TIMEOUT : d;
    }

    private static String minVersion(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        if (v.kind() != ConfigValue.Kind.STRING) {
            throw fail(e, "error parsing tls config: 'min_version' wrong type: " + v.describe());
        }
        String s = v.asString();
        return switch (s) {
            case TlsOptions.VERSION_1_2, TlsOptions.VERSION_1_3 -> s;
            case "1.0", "1.1" -> throw fail(e, "error parsing tls config: unsupported TLS version: TLS " + s);
            default -> throw fail(e, "error parsing tls config: unknown version: " + s);
        };
    }

    /** nats-server's 2.10.3 forms: a boolean, "true"/"on", "false"/"off", "auto"/"auto_fallback", or a duration. */
    private static void handshakeFirst(ConfigValue.Entry e, TlsOptions t) throws ConfigException {
        ConfigValue v = e.value();
        t.handshakeFirstFallback = java.time.Duration.ZERO;
        if (v.kind() == ConfigValue.Kind.BOOLEAN) {
            t.handshakeFirst = v.asBoolean();
            return;
        }
        if (v.kind() != ConfigValue.Kind.STRING) {
            throw fail(e, "field \"" + e.key() + "\" should be a boolean or string, got " + v.kind().label());
        }
        String s = v.asString();
        switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "on" -> t.handshakeFirst = true;
            case "false", "off" -> t.handshakeFirst = false;
            case "auto", "auto_fallback" -> {
                t.handshakeFirst = true;
                t.handshakeFirstFallback = TlsOptions.DEFAULT_HANDSHAKE_FIRST_FALLBACK;
            }
            default -> {
                try {
                    t.handshakeFirstFallback = GoDuration.parse(s); // as written: Go's durations are case-sensitive
                    t.handshakeFirst = true;
                } catch (IllegalArgumentException ex) {
                    throw fail(e, "field \"" + e.key() + "\" value \"" + s + "\" is invalid");
                }
            }
        }
    }
}
