package io.nats4j.server.config;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.Version;
import io.nats4j.server.tls.ServerTls;
import io.nats4j.server.tls.TlsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * nats-server's command line. Flags are read as Go's {@code flag} package reads them: one or two dashes
 * ({@code -p 4222}, {@code -p=4222}, {@code --port 4222}, {@code --port=4222}); booleans take no
 * separate value ({@code -D}, {@code -D=true}, {@code -T=false}); {@code --} or the first non-flag
 * argument ends the flags. The config file ({@code -c}) is applied first, then the flags, in the order
 * given, override it. Flags of capabilities nats4j does not have yet are recognised and refused.
 */
public final class CommandLine {

    /**
     * What the command line asks for. When help, version or a signal is asked, the config file is not
     * read and {@code options} holds the defaults.
     */
    public record Result(ServerOptions options, boolean showHelp, boolean showVersion, boolean testConfig,
            String signal, List<String> warnings) {
    }

    private enum Type { BOOL, INT, STRING }

    /** One flag with all its spellings; {@code supported} false means parsed, then refused. */
    private record Flag(String canonical, Type type, boolean supported, String... aliases) {
    }

    private static final List<Flag> FLAGS = List.of(
            new Flag("addr", Type.STRING, true, "a", "net"),
            new Flag("port", Type.INT, true, "p"),
            new Flag("name", Type.STRING, true, "n", "server_name"),
            new Flag("pid", Type.STRING, true, "P"),
            new Flag("http_port", Type.INT, true, "m"),
            new Flag("https_port", Type.INT, true, "ms"),
            new Flag("config", Type.STRING, true, "c"),
            new Flag("t", Type.BOOL, true),
            new Flag("signal", Type.STRING, true, "sl"),
            new Flag("client_advertise", Type.STRING, true),
            new Flag("ports_file_dir", Type.STRING, true),
            new Flag("log", Type.STRING, true, "l"),
            new Flag("logtime", Type.BOOL, true, "T"),
            new Flag("syslog", Type.BOOL, true, "s"),
            new Flag("remote_syslog", Type.STRING, true, "r"),
            new Flag("debug", Type.BOOL, true, "D"),
            new Flag("trace", Type.BOOL, true, "V"),
            new Flag("VV", Type.BOOL, true),
            new Flag("DV", Type.BOOL, true),
            new Flag("DVV", Type.BOOL, true),
            new Flag("log_size_limit", Type.INT, true),
            new Flag("max_traced_msg_len", Type.INT, true),
            new Flag("jetstream", Type.BOOL, true, "js"),
            new Flag("store_dir", Type.STRING, true, "sd"),
            new Flag("user", Type.STRING, true),
            new Flag("pass", Type.STRING, true),
            new Flag("auth", Type.STRING, true),
            new Flag("tls", Type.BOOL, true),
            new Flag("tlscert", Type.STRING, true),
            new Flag("tlskey", Type.STRING, true),
            new Flag("tlsverify", Type.BOOL, true),
            new Flag("tlscacert", Type.STRING, true),
            new Flag("routes", Type.STRING, true),
            new Flag("cluster", Type.STRING, true),
            new Flag("cluster_listen", Type.STRING, true),
            new Flag("cluster_name", Type.STRING, true),
            new Flag("no_advertise", Type.BOOL, true),
            new Flag("cluster_advertise", Type.STRING, true),
            new Flag("connect_retries", Type.INT, true),
            new Flag("profile", Type.INT, false),
            new Flag("help", Type.BOOL, true, "h"),
            new Flag("version", Type.BOOL, true, "v"),
            new Flag("help_tls", Type.BOOL, false));

    private static final Map<String, Flag> BY_NAME = new HashMap<>();

    static {
        for (Flag f : FLAGS) {
            BY_NAME.put(f.canonical(), f);
            for (String a : f.aliases()) {
                BY_NAME.put(a, f);
            }
        }
    }

    /** A flag as given: the spelling used (for messages) and its parsed value. */
    private record Setting(Flag flag, String spelling, Object value) {
    }

    private CommandLine() {
    }

    /** Parses with the process environment for {@code $VARIABLES} in the config file. */
    public static Result parse(String[] args) throws ConfigException {
        return parse(args, System::getenv);
    }

    public static Result parse(String[] args, Function<String, String> env) throws ConfigException {
        return resolve(flags(args), env);
    }

    /**
     * The flags alone, before any config file is read: {@link #resolve} finishes the job. Lets the standalone
     * server start work that only depends on the flags (whether it serves at all, the client address when the
     * flags fix it) while the config file is read.
     */
    public static final class Flags {
        private final List<Setting> settings;
        private final Map<String, Object> last;

        private Flags(List<Setting> settings, Map<String, Object> last) {
            this.settings = settings;
            this.last = last;
        }

        /** True unless the flags ask for help, the version, a config check or a signal. */
        public boolean serving() {
            return !Boolean.TRUE.equals(last.get("help")) && !Boolean.TRUE.equals(last.get("version"))
                    && !Boolean.TRUE.equals(last.get("t")) && last.get("signal") == null;
        }

        /**
         * The client host and port when both are given as flags (they override any config file), the port as
         * nats-server reads it (-1: any free port); null otherwise.
         */
        public java.util.Map.Entry<String, Integer> listen() {
            Object host = last.get("addr");
            Object port = last.get("port");
            if (!(host instanceof String h) || !(port instanceof Long p) || p < -1 || p > 65535) {
                return null;
            }
            return java.util.Map.entry(h, (int) (long) p);
        }
    }

    /** Reads the flags only (syntax, known names, values): no config file, no checks of what is supported. */
    public static Flags flags(String[] args) throws ConfigException {
        List<Setting> settings = new ArrayList<>();
        int i = 0;
        while (i < args.length) {
            String arg = args[i];
            if (arg.equals("--")) {
                i++;
                break;
            }
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                break;
            }
            i++;
            String name = arg.substring(arg.charAt(1) == '-' ? 2 : 1);
            if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(0) == '=') {
                throw usageError("bad flag syntax: " + arg);
            }
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Flag flag = BY_NAME.get(name);
            if (flag == null) {
                throw usageError("flag provided but not defined: -" + name);
            }
            Object parsed;
            if (flag.type() == Type.BOOL) {
                parsed = value == null ? Boolean.TRUE : goBool(value, name);
            } else {
                if (value == null) {
                    if (i >= args.length) {
                        throw usageError("flag needs an argument: -" + name);
                    }
                    value = args[i++];
                }
                parsed = flag.type() == Type.INT ? goInt(value, name) : value;
            }
            settings.add(new Setting(flag, name, parsed));
        }
        if (i < args.length) {
            throw new ConfigException("unrecognized command: \"" + args[i] + "\"");
        }
        Map<String, Object> last = new HashMap<>();
        for (Setting s : settings) {
            last.put(s.flag().canonical(), s.value());
        }
        return new Flags(settings, last);
    }

    /** Applies the config file named by the flags, then the flags over it, and checks the result. */
    public static Result resolve(Flags flags, Function<String, String> env) throws ConfigException {
        List<Setting> settings = flags.settings;
        Map<String, Object> last = flags.last;
        boolean showHelp = Boolean.TRUE.equals(last.get("help"));
        boolean showVersion = Boolean.TRUE.equals(last.get("version"));
        boolean testConfig = Boolean.TRUE.equals(last.get("t"));
        String signal = (String) last.get("signal");
        if (showVersion || showHelp) {
            return new Result(new ServerOptions(), showHelp, showVersion, testConfig, signal, List.of());
        }
        for (Setting s : settings) {
            if (!s.flag().supported()) {
                throw new ConfigException("flag -" + s.spelling() + " is not supported yet by nats4j");
            }
        }
        if (signal != null) {
            return new Result(new ServerOptions(), false, false, testConfig, signal, List.of());
        }
        String config = (String) last.get("config");
        if (testConfig && (config == null || config.isEmpty())) {
            throw new ConfigException("must specify [-c, --config] option to check configuration file syntax");
        }

        ServerOptions options = new ServerOptions();
        List<String> warnings = List.of();
        if (config != null && !config.isEmpty()) {
            warnings = ConfigLoader.apply(Path.of(config), options, env);
        }
        for (Setting s : settings) {
            apply(s, options);
        }
        applyTlsFlags(last, options);
        ConfigLoader.validate(options);
        return new Result(options, false, false, testConfig, null, warnings);
    }

    private static void apply(Setting s, ServerOptions o) throws ConfigException {
        Object v = s.value();
        switch (s.flag().canonical()) {
            case "addr" -> o.host = (String) v;
            case "port" -> {
                long p = (Long) v;
                if (p < -1 || p > 65535) {
                    throw new ConfigException("invalid value \"" + p + "\" for flag -" + s.spelling()
                            + ": port out of range");
                }
                o.port = (int) p;
            }
            case "name" -> o.serverName = (String) v;
            case "http_port" -> {
                long p = (Long) v;
                if (p < -1 || p > 65535) {
                    throw new ConfigException("invalid value \"" + p + "\" for flag -" + s.spelling()
                            + ": port out of range");
                }
                o.httpPort = (int) p;
            }
            case "https_port" -> {
                long p = (Long) v;
                if (p < -1 || p > 65535) {
                    throw new ConfigException("invalid value \"" + p + "\" for flag -" + s.spelling()
                            + ": port out of range");
                }
                o.httpsPort = (int) p;
            }
            case "pid" -> o.pidFile = pathOrNull((String) v);
            case "client_advertise" -> o.clientAdvertise = (String) v;
            case "ports_file_dir" -> o.portsFileDir = pathOrNull((String) v);
            case "log" -> o.logFile = pathOrNull((String) v);
            case "logtime" -> o.logTime = (Boolean) v;
            case "syslog" -> o.syslog = (Boolean) v;
            case "remote_syslog" -> o.remoteSyslog = (String) v;
            case "debug" -> o.debug = (Boolean) v;
            case "trace" -> o.trace = (Boolean) v;
            case "VV" -> {
                o.trace = (Boolean) v;
                o.traceVerbose = (Boolean) v;
            }
            case "DV" -> {
                o.debug = (Boolean) v;
                o.trace = (Boolean) v;
            }
            case "DVV" -> {
                o.debug = (Boolean) v;
                o.trace = (Boolean) v;
                o.traceVerbose = (Boolean) v;
            }
            case "log_size_limit" -> o.logSizeLimit = nonNegative(s, (Long) v, Long.MAX_VALUE);
            case "max_traced_msg_len" -> o.maxTracedMsgLen = (int) nonNegative(s, (Long) v, Integer.MAX_VALUE);
            case "user" -> o.username = (String) v;
            case "pass" -> o.password = (String) v;
            case "auth" -> o.authorizationToken = (String) v;
            case "jetstream" -> o.jetStream.enabled = (Boolean) v;
            case "store_dir" -> o.jetStream.storeDir = pathOrNull((String) v);
            case "cluster", "cluster_listen" -> clusterUrl(s, (String) v, o);
            case "cluster_name" -> o.cluster.name = (String) v;
            case "cluster_advertise" -> o.cluster.advertise = (String) v;
            case "no_advertise" -> o.cluster.noAdvertise = (Boolean) v;
            case "connect_retries" -> o.cluster.connectRetries = (int) nonNegative(s, (Long) v, Integer.MAX_VALUE);
            case "routes" -> {
                java.util.List<String> routes = new java.util.ArrayList<>();
                for (String r : ((String) v).split(",")) {
                    if (!r.isBlank()) {
                        routes.add(r.trim());
                    }
                }
                o.cluster.routes = routes;
            }
            default -> {
                // config, t, signal, help, version: handled by parse()
            }
        }
    }

    /**
     * {@code --cluster nats://[user:pass@]host:port}: the route listener (port -1: a free one), and the route
     * user and password when the URL has them (nats-server's overrideCluster).
     */
    private static void clusterUrl(Setting s, String v, ServerOptions o) throws ConfigException {
        if (v.isEmpty()) {
            o.cluster.port = 0;
            return;
        }
        java.net.URI u;
        try {
            u = new java.net.URI(v);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException("invalid value \"" + v + "\" for flag -" + s.spelling() + ": " + e.getMessage());
        }
        String authority = u.getRawAuthority();
        if (authority == null) {
            throw new ConfigException("invalid value \"" + v + "\" for flag -" + s.spelling() + ": no host:port");
        }
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            int colon = userInfo.indexOf(':');
            o.cluster.username = colon < 0 ? userInfo : userInfo.substring(0, colon);
            if (colon >= 0) {
                o.cluster.password = userInfo.substring(colon + 1);
            }
            authority = authority.substring(at + 1);
        }
        HostPort hp = HostPort.parse(authority);
        if (hp == null) {
            throw new ConfigException("invalid value \"" + v + "\" for flag -" + s.spelling() + ": no port");
        }
        try {
            int port = Integer.parseInt(hp.port());
            if (port < -1 || port > 65535) {
                throw new NumberFormatException();
            }
            o.cluster.port = port;
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid value \"" + v + "\" for flag -" + s.spelling() + ": bad port");
        }
        o.cluster.host = hp.host();
    }

    /**
     * nats-server's overrideTLS: any of --tls, --tlscert, --tlskey, --tlscacert, --tlsverify replaces the file's
     * tls block with one built from the flags (certificate and key required); the file's timeout and
     * handshake_first stay.
     */
    private static void applyTlsFlags(Map<String, Object> last, ServerOptions o) throws ConfigException {
        boolean tls = Boolean.TRUE.equals(last.get("tls"));
        boolean verify = Boolean.TRUE.equals(last.get("tlsverify"));
        String cert = (String) last.get("tlscert");
        String key = (String) last.get("tlskey");
        String ca = (String) last.get("tlscacert");
        if (!tls && !verify && isEmpty(cert) && isEmpty(key) && isEmpty(ca)) {
            return;
        }
        if (isEmpty(cert)) {
            throw new ConfigException("TLS Server certificate must be present and valid");
        }
        if (isEmpty(key)) {
            throw new ConfigException("TLS Server private key must be present and valid");
        }
        TlsOptions t = new TlsOptions();
        if (o.tls != null) {
            t.timeout = o.tls.timeout;
            t.handshakeFirst = o.tls.handshakeFirst;
        }
        t.certFile = Path.of(cert);
        t.keyFile = Path.of(key);
        t.caFile = isEmpty(ca) ? null : Path.of(ca);
        t.verify = verify;
        try {
            ServerTls.load(t);
        } catch (IOException e) {
            throw new ConfigException(e.getMessage());
        }
        o.tls = t;
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static long nonNegative(Setting s, long v, long max) throws ConfigException {
        if (v < 0 || v > max) {
            throw new ConfigException("invalid value \"" + v + "\" for flag -" + s.spelling() + ": out of range");
        }
        return v;
    }

    private static Path pathOrNull(String s) {
        return s.isEmpty() ? null : Path.of(s);
    }

    /** Go's strconv.ParseBool. */
    private static Boolean goBool(String s, String name) throws ConfigException {
        return switch (s) {
            case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE;
            case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
            default -> throw usageError("invalid boolean value \"" + s + "\" for -" + name + ": parse error");
        };
    }

    /** Go's strconv.ParseInt(s, 0, 64): optional sign, 0x/0o/0b prefixes, leading 0 for octal, '_' between digits. */
    private static Long goInt(String s, String name) throws ConfigException {
        String t = s;
        boolean neg = false;
        if (t.startsWith("+") || t.startsWith("-")) {
            neg = t.startsWith("-");
            t = t.substring(1);
        }
        int radix = 10;
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            t = t.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            t = t.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            t = t.substring(2);
        } else if (t.length() > 1 && t.startsWith("0")) {
            radix = 8;
            t = t.substring(1);
        }
        boolean underscores = t.contains("_");
        if (underscores && (t.startsWith("_") || t.endsWith("_") || t.contains("__"))) {
            throw usageError("invalid value \"" + s + "\" for flag -" + name + ": parse error");
        }
        t = t.replace("_", "");
        if (t.isEmpty() || !isInRadix(t, radix)) {
            throw usageError("invalid value \"" + s + "\" for flag -" + name + ": parse error");
        }
        try {
            return Long.parseLong((neg ? "-" : "") + t, radix);
        } catch (NumberFormatException e) {
            throw usageError("invalid value \"" + s + "\" for flag -" + name + ": value out of range");
        }
    }

    private static boolean isInRadix(String t, int radix) {
        return t.chars().allMatch(c -> Character.digit(c, radix) >= 0);
    }

    /** A flag error: the message, then the usage text, as Go's flag package prints it. */
    private static ConfigException usageError(String message) {
        return new ConfigException(message + "\n" + usage());
    }

    /** {@code nats-server: v2.10.22 (nats4j 0.1.0)}, what {@code -v} prints. */
    public static String versionText() {
        return "nats-server: v" + Version.NATS_SERVER + " (nats4j " + Version.NATS4J + ")";
    }

    /** The {@code -h} text. Flags marked (not yet) are recognised and refused. */
    public static String usage() {
        return """

                Usage: nats4j [options]

                Server Options:
                    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
                    -p, --port <port>                Use port for clients (default: 4222, -1 for a random port)
                    -n, --name
                        --server_name <server_name>  Server name (default: the server id)
                    -P, --pid <file>                 File to write the process id to
                    -m, --http_port <port>           Use port for http monitoring
                    -ms,--https_port <port>          Use port for https monitoring (uses the server's TLS settings)
                    -c, --config <file>              Configuration file
                    -t                               Test the configuration file and exit
                    -sl,--signal <signal>[=<pid>]    Send signal to a running server (ldm, stop, quit, term, reopen, reload)
                                                     <pid> is a process id or the path to a pid file
                        --client_advertise <string>  Client URL to advertise to other servers
                        --ports_file_dir <dir>       Write a ports file (<executable_name>_<pid>.ports) to this directory

                Logging Options:
                    -l, --log <file>                 File to redirect log output to
                    -T, --logtime                    Timestamp log entries (default: true)
                    -s, --syslog                     Log to syslog
                    -r, --remote_syslog <addr>       Syslog server address (udp://localhost:514)
                    -D, --debug                      Enable debugging output
                    -V, --trace                      Trace the raw protocol
                    -VV                              Verbose trace (traces the system account as well)
                    -DV                              Debug and trace
                    -DVV                             Debug and verbose trace (traces the system account as well)
                        --log_size_limit <limit>     Size in bytes at which the log file is rotated (default: no rotation)
                        --max_traced_msg_len <len>   Longest message payload printed when tracing (default: unlimited)

                JetStream Options:
                    -js, --jetstream                 Enable JetStream
                    -sd, --store_dir <dir>           Storage directory

                Authorization Options:
                        --user <user>                User required for connections
                        --pass <password>            Password required for connections
                        --auth <token>               Authorization token required for connections

                TLS Options:
                        --tls                        Enable TLS, do not verify clients (default: false)
                        --tlscert <file>             Server certificate file
                        --tlskey <file>              Private key for the server certificate
                        --tlsverify                  Enable TLS, verify client certificates
                        --tlscacert <file>           Client certificate CA for verification

                Cluster Options:
                        --routes <rurl-1, rurl-2>    Routes to solicit and connect
                        --cluster <cluster-url>      Cluster URL for solicited routes
                        --cluster_name <string>      Cluster name (default: generated)
                        --no_advertise <bool>        Do not advertise known cluster information to clients
                        --cluster_advertise <string> Cluster URL to advertise to other servers
                        --connect_retries <number>   For implicit routes, number of connect retries
                        --cluster_listen <url>       Cluster URL from which members can solicit routes

                Profiling Options (not yet):
                        --profile <port>             Profiling HTTP port

                Common Options:
                    -h, --help                       Show this message
                    -v, --version                    Show version
                        --help_tls                   TLS help (not yet)
                """;
    }
}
