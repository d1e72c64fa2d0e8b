package io.nats4j.server.config;

import io.nats4j.server.ServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Applies a NATS config file to {@link ServerOptions}. Keys are matched case-insensitively with
 * nats-server's names and aliases. Every problem is collected and reported together as
 * {@code file:line:col: reason} lines: unknown keys ({@code unknown field "x"}, as nats-server), wrong
 * types, out-of-range values, and keys of capabilities nats4j does not have yet
 * ({@code "cluster" is not supported yet by nats4j}), which are never silently ignored. A top-level key
 * that only serves as a {@code $variable} for other values is not an unknown field (as in nats-server).
 *
 * <p>One extension: {@code max_closed_clients} is accepted here although nats-server has it only as an
 * option in code, not as a config key.
 */
public final class ConfigLoader {

    /** A key-value pair being applied; errors point at the key, as nats-server's do. */
    private record Field(String key, Position at, ConfigValue value, List<String> warnings) {
    }

    @FunctionalInterface
    private interface Handler {
        void apply(Field f, ServerOptions o) throws ConfigException;
    }

    /** Top-level keys nats-server knows that belong to capabilities nats4j does not have yet. */
    static final Set<String> NOT_SUPPORTED_YET = Set.of(
            "resolver_tls", "allow_non_tls", "ocsp", "ocsp_cache",
            "gateway",
            "leaf", "leafnodes", "websocket", "ws", "mqtt", "mappings",
            "maps", "prof_port", "server_tags", "server_metadata", "default_js_domain", "connect_error_reports",
            "reconnect_error_reports", "max_sub_tokens", "max_subscription_tokens",
            "no_fast_producer_stall", "proxies");

    /**
     * The handler of each top-level key. In a holder class: the standalone server without a config file
     * only calls {@link #validate}, and linking this table's ~50 lambdas is a measurable part of start-up.
     */
    private static final class Handlers {
        static final Map<String, Handler> BY_KEY = new HashMap<>();

        static {
            on(ConfigLoader::listen, "listen");
            on((f, o) -> o.clientAdvertise = string(f), "client_advertise");
            on((f, o) -> o.port = intRange(f, -1, 65535), "port");
            on((f, o) -> o.serverName = serverName(f), "server_name");
            on((f, o) -> o.host = string(f), "host", "net");
            on((f, o) -> o.debug = bool(f), "debug");
            on((f, o) -> o.trace = bool(f), "trace");
            on((f, o) -> {
                o.traceVerbose = bool(f);
                o.trace = o.traceVerbose;
            }, "trace_verbose");
            on((f, o) -> o.logTime = bool(f), "logtime");
            on((f, o) -> o.logTimeUtc = bool(f), "logtime_utc");
            on((f, o) -> o.logFile = path(f), "logfile", "log_file");
            on((f, o) -> o.logSizeLimit = longRange(f, 0, Long.MAX_VALUE), "logfile_size_limit", "log_size_limit");
            on((f, o) -> o.logMaxNum = intRange(f, 0, Integer.MAX_VALUE), "logfile_max_num", "log_max_num");
            on((f, o) -> o.syslog = bool(f), "syslog");
            on((f, o) -> o.remoteSyslog = string(f), "remote_syslog");
            on((f, o) -> o.pidFile = path(f), "pidfile", "pid_file");
            on((f, o) -> o.portsFileDir = path(f), "ports_file_dir");
            on((f, o) -> o.maxControlLine = size32(f), "max_control_line");
            on((f, o) -> o.maxPayload = size32(f), "max_payload");
            on((f, o) -> o.maxPending = longRange(f, 0, Long.MAX_VALUE), "max_pending");
            on((f, o) -> o.maxConnections = intRange(f, 0, Integer.MAX_VALUE), "max_connections", "max_conn");
            on((f, o) -> o.maxSubscriptions = intRange(f, 0, Integer.MAX_VALUE), "max_subscriptions", "max_subs");
            on((f, o) -> o.maxTracedMsgLen = intRange(f, 0, Integer.MAX_VALUE), "max_traced_msg_len");
            on((f, o) -> o.pingInterval = duration(f, true), "ping_interval");
            on((f, o) -> o.pingMax = intRange(f, 0, Integer.MAX_VALUE), "ping_max");
            on((f, o) -> o.writeDeadline = duration(f, true), "write_deadline");
            on(ConfigLoader::lameDuckDuration, "lame_duck_duration");
            on(ConfigLoader::lameDuckGracePeriod, "lame_duck_grace_period");
            on((f, o) -> o.maxClosedClients = intRange(f, 0, Integer.MAX_VALUE), "max_closed_clients");
            on((f, o) -> o.noHeaderSupport = bool(f), "no_header_support");
            on((f, o) -> o.noSublistCache = bool(f), "disable_sublist_cache", "no_sublist_cache");
            on((f, o) -> o.tls = TlsBlock.parse(new ConfigValue.Entry(f.key(), f.at(), f.value())), "tls");
            // security (see AuthConfigLoader)
            on((f, o) -> AuthConfigLoader.authorization(f.at(), f.value(), o), "authorization");
            on((f, o) -> AuthConfigLoader.accounts(f.at(), f.value(), o), "accounts");
            on((f, o) -> o.auth.noAuthUser = string(f), "no_auth_user");
            on((f, o) -> AuthConfigLoader.operators(f.at(), f.key(), f.value(), o),
                    "operator", "operators", "roots", "root", "root_operators", "root_operator");
            on((f, o) -> AuthConfigLoader.trustedKeys(f.at(), f.key(), f.value(), o), "trusted", "trusted_keys");
            on((f, o) -> AuthConfigLoader.resolver(f.at(), f.key(), f.value(), o), "resolver", "account_resolver", "accounts_resolver");
            on((f, o) -> AuthConfigLoader.resolverPreload(f.at(), f.key(), f.value(), o), "resolver_preload");
            on((f, o) -> AuthConfigLoader.resolverPinnedAccounts(f.at(), f.key(), f.value(), o), "resolver_pinned_accounts");
            on((f, o) -> o.auth.systemAccount = string(f), "system_account", "system");
            on((f, o) -> o.auth.noSystemAccount = bool(f), "no_system_account", "no_system", "no_sys_acc");
            on((f, o) -> o.httpPort = intRange(f, -1, 65535), "http_port", "monitor_port");
            on(ConfigLoader::http, "http");
            on((f, o) -> o.httpsPort = intRange(f, -1, 65535), "https_port");
            on(ConfigLoader::https, "https");
            on((f, o) -> o.httpBasePath = string(f), "http_base_path");
            on((f, o) -> JetStreamConfigLoader.jetstream(entry(f), o), "jetstream");
            on((f, o) -> JetStreamConfigLoader.storeDir(entry(f), o), "store_dir", "storedir");
            on((f, o) -> o.jetStream.maxMemory = JetStreamConfigLoader.size(entry(f), "jetstream_max_memory"),
                    "jetstream_max_memory");
            on((f, o) -> o.jetStream.maxStore = JetStreamConfigLoader.size(entry(f), "jetstream_max_store"),
                    "jetstream_max_store");
            on((f, o) -> bool(f), "disable_jetstream_banner");
            on(ConfigLoader::cluster, "cluster");
        }

        private static void on(Handler h, String... keys) {
            for (String k : keys) {
                BY_KEY.put(k, h);
            }
        }
    }

    private ConfigLoader() {
    }

    /** New options (defaults, then the file). Warnings, if any, are dropped; see {@link #apply}. */
    public static ServerOptions load(Path file) throws ConfigException {
        ServerOptions o = new ServerOptions();
        apply(file, o);
        return o;
    }

    /** Same as {@link #load(Path)} with the given environment for {@code $VARIABLES}. */
    public static ServerOptions load(Path file, Function<String, String> env) throws ConfigException {
        ServerOptions o = new ServerOptions();
        apply(file, o, env);
        return o;
    }

    /**
     * Applies the file over {@code into}; returns the warnings (nats-server's, e.g. a duration given as a
     * bare number of seconds) for the caller to print.
     */
    public static List<String> apply(Path file, ServerOptions into) throws ConfigException {
        return apply(file, into, System::getenv);
    }

    public static List<String> apply(Path file, ServerOptions into, Function<String, String> env)
            throws ConfigException {
        ConfigValue root = ConfigParser.parseFile(file, env);
        List<String> warnings = apply(root, into);
        into.configFile = file;
        return warnings;
    }

    /** Applies an already parsed tree; returns warnings, throws all errors at once. */
    public static List<String> apply(ConfigValue root, ServerOptions into) throws ConfigException {
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (ConfigValue.Entry e : root.asMap().values()) {
            String key = e.key().toLowerCase(Locale.ROOT);
            Field f = new Field(e.key(), e.keyPosition(), e.value(), warnings);
            Handler h = Handlers.BY_KEY.get(key);
            try {
                if (h != null) {
                    h.apply(f, into);
                } else if (NOT_SUPPORTED_YET.contains(key)) {
                    throw fail(f, "\"" + e.key() + "\" is not supported yet by nats4j");
                } else if (!e.value().usedAsVariable()) {
                    throw fail(f, "unknown field \"" + e.key() + "\"");
                }
            } catch (ConfigException ex) {
                errors.addAll(ex.errors());
            }
        }
        if (errors.isEmpty()) {
            systemAccountDefined(root, into, errors);
        }
        if (!errors.isEmpty()) {
            errors.addAll(warnings);
            throw new ConfigException(errors);
        }
        return warnings;
    }

    /**
     * {@code system_account} naming no account of the file (configuration mode): refused here, at the key, rather
     * than only when the accounts are built (same text as start-up's check).
     */
    private static void systemAccountDefined(ConfigValue root, ServerOptions o, List<String> errors) {
        String name = o.auth.systemAccount;
        if (name == null || o.auth.operatorMode() || name.equals(io.nats4j.server.auth.Account.GLOBAL)
                || o.auth.accounts.stream().anyMatch(a -> a.name.equals(name))) {
            return;
        }
        for (ConfigValue.Entry e : root.asMap().values()) {
            String key = e.key().toLowerCase(Locale.ROOT);
            if (key.equals("system_account") || key.equals("system")) {
                errors.add(new ConfigException(e.keyPosition(), "system account \"" + name + "\" not defined").getMessage());
            }
        }
    }

    /** Checks that hold between options, after the file and the flags are applied (as nats-server). */
    public static void validate(ServerOptions o) throws ConfigException {
        if (o.maxPayload > o.maxPending) {
            throw new ConfigException("max_payload (" + o.maxPayload + ") cannot be higher than max_pending ("
                    + o.maxPending + ")");
        }
        if (o.serverName != null && o.serverName.contains(" ")) {
            throw new ConfigException("server name cannot contain spaces");
        }
    }

    // ---------------------------------------------------------------- handlers

    private static ConfigValue.Entry entry(Field f) {
        return new ConfigValue.Entry(f.key(), f.at(), f.value());
    }

    /** A listen address: a bare port (host null) or {@code "host:port"}. */
    private record Address(String host, int port) {
    }

    /** Reads {@code 4222} or {@code "host:port"} (port -1 = a free one), as nats-server's listen keys. */
    private static Address address(Field f) throws ConfigException {
        ConfigValue v = f.value();
        if (v.kind() == ConfigValue.Kind.INTEGER) {
            return new Address(null, intRange(f, -1, 65535));
        }
        if (v.kind() != ConfigValue.Kind.STRING) {
            throw fail(f, "expected port or host:port, got " + v.kind().label());
        }
        HostPort hp = HostPort.parse(v.asString());
        if (hp == null) {
            throw fail(f, "could not parse address string \"" + v.asString() + "\"");
        }
        int port;
        try {
            port = Integer.parseInt(hp.port());
        } catch (NumberFormatException e) {
            throw fail(f, "could not parse port \"" + hp.port() + "\"");
        }
        if (port < -1 || port > 65535) {
            throw fail(f, "invalid port " + port + " in \"" + v.asString() + "\"");
        }
        return new Address(hp.host(), port);
    }

    /** {@code listen: 4222} or {@code listen: "host:port"}: the client listener. */
    private static void listen(Field f, ServerOptions o) throws ConfigException {
        Address a = address(f);
        if (a.host() != null) {
            o.host = a.host();
        }
        o.port = a.port();
    }

    /** {@code http: 8222} or {@code http: "host:port"}: the monitoring listener. */
    private static void http(Field f, ServerOptions o) throws ConfigException {
        Address a = address(f);
        if (a.host() != null) {
            o.httpHost = a.host();
        }
        o.httpPort = a.port();
    }

    /** {@code https: port} or {@code https: "host:port"}: like {@code http}, served over TLS. */
    private static void https(Field f, ServerOptions o) throws ConfigException {
        Address a = address(f);
        if (a.host() != null) {
            o.httpHost = a.host();
        }
        o.httpsPort = a.port();
    }

    /**
     * {@code cluster { ... }}: the route listener and the routes to solicit, with nats-server's keys. Keys of
     * capabilities nats4j's routes do not have (pooling, pinned accounts, compression, permissions)
     * are refused by name, never ignored.
     */
    private static void cluster(Field f, ServerOptions o) throws ConfigException {
        if (f.value().kind() != ConfigValue.Kind.MAP) {
            throw fail(f, "Expected map to define cluster, got " + f.value().kind().label());
        }
        List<String> errors = new ArrayList<>();
        io.nats4j.server.options.ClusterOptions c = o.cluster;
        for (ConfigValue.Entry e : f.value().asMap().values()) {
            Field k = new Field(e.key(), e.keyPosition(), e.value(), f.warnings());
            try {
                switch (e.key().toLowerCase(Locale.ROOT)) {
                    case "name" -> {
                        String n = string(k);
                        if (n.contains(" ")) {
                            throw fail(k, "cluster name cannot contain spaces or new lines");
                        }
                        c.name = n;
                    }
                    case "listen" -> {
                        Address a = address(k);
                        if (a.host() != null) {
                            c.host = a.host();
                        }
                        c.port = a.port();
                    }
                    case "port" -> c.port = intRange(k, -1, 65535);
                    case "host", "net" -> c.host = string(k);
                    case "advertise", "cluster_advertise" -> c.advertise = string(k);
                    case "no_advertise" -> c.noAdvertise = bool(k);
                    case "connect_retries" -> c.connectRetries = intRange(k, 0, Integer.MAX_VALUE);
                    case "routes" -> c.routes = routeUrls(k);
                    case "authorization" -> clusterAuthorization(k, c);
                    case "ping_interval" -> c.pingInterval = duration(k, true);
                    case "ping_max" -> c.pingMax = intRange(k, 0, Integer.MAX_VALUE);
                    case "pool_size" -> {
                        // nats-server 2.10's route pooling; -1 turns it off, which is what nats4j's routes are
                        if (intRange(k, -1, Integer.MAX_VALUE) != -1) {
                            throw fail(k, "\"pool_size\" is not supported yet by nats4j (one route per server; "
                                    + "pool_size: -1 is accepted)");
                        }
                    }
                    case "compression" -> {
                        ConfigValue v = k.value();
                        boolean off = (v.kind() == ConfigValue.Kind.BOOLEAN && !v.asBoolean())
                                || (v.kind() == ConfigValue.Kind.STRING
                                        && Set.of("off", "disabled").contains(v.asString().toLowerCase(Locale.ROOT)));
                        if (!off) {
                            throw fail(k, "\"compression\" is not supported yet by nats4j (routes are not "
                                    + "compressed; compression: off is accepted)");
                        }
                    }
                    case "tls" -> c.tls = TlsBlock.parse(new ConfigValue.Entry(k.key(), k.at(), k.value()));
                    case "accounts", "permissions", "pinned_accounts" ->
                            throw fail(k, "\"cluster." + e.key() + "\" is not supported yet by nats4j");
                    default -> {
                        if (!e.value().usedAsVariable()) {
                            throw fail(k, "unknown field \"" + e.key() + "\"");
                        }
                    }
                }
            } catch (ConfigException ex) {
                errors.addAll(ex.errors());
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    /** {@code routes: [url, ...]} (or one URL): route URLs, checked as URLs. */
    private static List<String> routeUrls(Field f) throws ConfigException {
        List<ConfigValue> items = f.value().kind() == ConfigValue.Kind.ARRAY ? f.value().asArray()
                : List.of(f.value());
        List<String> out = new ArrayList<>();
        for (ConfigValue v : items) {
            if (v.kind() != ConfigValue.Kind.STRING) {
                throw wrongType(f, "an array of route URLs");
            }
            String u = v.asString().trim();
            try {
                java.net.URI uri = new java.net.URI(u);
                if (uri.getHost() == null || uri.getPort() < 0) {
                    throw new java.net.URISyntaxException(u, "host and port required");
                }
            } catch (java.net.URISyntaxException e) {
                throw new ConfigException(v.position(), "error parsing route url [\"" + u + "\"]");
            }
            out.add(u);
        }
        return out;
    }

    /** {@code cluster { authorization { user, password, timeout } }}: one user, no token (as nats-server). */
    private static void clusterAuthorization(Field f, io.nats4j.server.options.ClusterOptions c) throws ConfigException {
        if (f.value().kind() != ConfigValue.Kind.MAP) {
            throw wrongType(f, "a map");
        }
        for (ConfigValue.Entry e : f.value().asMap().values()) {
            Field k = new Field(e.key(), e.keyPosition(), e.value(), f.warnings());
            switch (e.key().toLowerCase(Locale.ROOT)) {
                case "user", "username" -> c.username = string(k);
                case "pass", "password" -> c.password = string(k);
                case "timeout" -> {
                    ConfigValue v = k.value();
                    if (v.kind() == ConfigValue.Kind.INTEGER) {
                        c.authTimeoutSeconds = v.asLong();
                    } else if (v.kind() == ConfigValue.Kind.FLOAT) {
                        c.authTimeoutSeconds = v.asDouble();
                    } else if (v.kind() == ConfigValue.Kind.STRING) {
                        c.authTimeoutSeconds = duration(k, false).toNanos() / 1e9;
                    } else {
                        throw wrongType(k, "a number of seconds");
                    }
                }
                case "token" -> throw fail(f, "Cluster authorization does not support tokens");
                case "users", "nkeys" -> throw fail(f, "Cluster authorization does not allow multiple users");
                default -> throw fail(k, "\"cluster.authorization." + e.key() + "\" is not supported yet by nats4j");
            }
        }
    }

    private static String serverName(Field f) throws ConfigException {
        String s = string(f);
        if (s.contains(" ")) {
            throw fail(f, "server name cannot contain spaces");
        }
        return s;
    }

    private static void lameDuckDuration(Field f, ServerOptions o) throws ConfigException {
        Duration d = duration(f, false);
        if (d.compareTo(Duration.ofSeconds(30)) < 0) {
            throw fail(f, "invalid lame_duck_duration of " + GoDuration.format(d) + ", minimum is 30 seconds");
        }
        o.lameDuckDuration = d;
    }

    private static void lameDuckGracePeriod(Field f, ServerOptions o) throws ConfigException {
        Duration d = duration(f, false);
        if (d.isNegative()) {
            throw fail(f, "invalid lame_duck_grace_period, needs to be positive");
        }
        o.lameDuckGracePeriod = d;
    }

    // ---------------------------------------------------------------- typed access

    private static ConfigException fail(Field f, String reason) {
        return new ConfigException(f.at(), reason);
    }

    private static ConfigException wrongType(Field f, String expected) {
        ConfigValue v = f.value();
        return fail(f, "invalid value for \"" + f.key() + "\": expected " + expected + ", got " + v.kind().label()
                + (v.kind() == ConfigValue.Kind.ARRAY || v.kind() == ConfigValue.Kind.MAP ? "" : " " + v.describe()));
    }

    private static String string(Field f) throws ConfigException {
        if (f.value().kind() != ConfigValue.Kind.STRING) {
            throw wrongType(f, "a string");
        }
        return f.value().asString();
    }

    private static Path path(Field f) throws ConfigException {
        String s = string(f);
        return s.isEmpty() ? null : Path.of(s);
    }

    private static boolean bool(Field f) throws ConfigException {
        if (f.value().kind() != ConfigValue.Kind.BOOLEAN) {
            throw wrongType(f, "a boolean");
        }
        return f.value().asBoolean();
    }

    private static long longRange(Field f, long min, long max) throws ConfigException {
        if (f.value().kind() != ConfigValue.Kind.INTEGER) {
            throw wrongType(f, "an integer");
        }
        long n = f.value().asLong();
        if (n < min || n > max) {
            throw fail(f, "invalid value for \"" + f.key() + "\": " + n + " is out of range [" + min + ".." + max + "]");
        }
        return n;
    }

    private static int intRange(Field f, int min, int max) throws ConfigException {
        return (int) longRange(f, min, max);
    }

    /** max_payload / max_control_line: nats-server's "value is too big" above 2^31-1. */
    private static int size32(Field f) throws ConfigException {
        if (f.value().kind() != ConfigValue.Kind.INTEGER) {
            throw wrongType(f, "an integer");
        }
        long n = f.value().asLong();
        if (n > Integer.MAX_VALUE) {
            throw fail(f, f.key() + " value is too big");
        }
        if (n <= 0) {
            throw fail(f, "invalid value for \"" + f.key() + "\": " + n + " must be positive");
        }
        return (int) n;
    }

    /**
     * A Go duration string; where nats-server still accepts a bare integer (seconds), it is accepted
     * with nats-server's warning.
     */
    private static Duration duration(Field f, boolean secondsAllowed) throws ConfigException {
        ConfigValue v = f.value();
        if (v.kind() == ConfigValue.Kind.STRING) {
            try {
                return GoDuration.parse(v.asString());
            } catch (IllegalArgumentException e) {
                throw fail(f, "error parsing " + f.key() + ": " + e.getMessage());
            }
        }
        if (secondsAllowed && v.kind() == ConfigValue.Kind.INTEGER) {
            f.warnings().add(f.at() + ": invalid use of field \"" + f.key() + "\": " + f.key()
                    + " should be converted to a duration");
            return Duration.ofSeconds(v.asLong());
        }
        throw wrongType(f, "a duration such as \"2s\" or \"1m30s\"");
    }
}
