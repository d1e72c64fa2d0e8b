package io.nats4j.server.config;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.AccountConfig;
import io.nats4j.server.auth.AuthCalloutOptions;
import io.nats4j.server.auth.Jwt;
import io.nats4j.server.auth.NKeys;
import io.nats4j.server.auth.ResolverOptions;
import io.nats4j.server.auth.Permissions;
import io.nats4j.server.auth.ResponsePermission;
import io.nats4j.server.auth.SubjectPermission;
import io.nats4j.server.auth.User;
import io.nats4j.server.auth.XKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The security keys of a NATS config file: {@code authorization}, {@code accounts}, {@code no_auth_user},
 * {@code system_account}, {@code no_system_account}; operator mode's {@code operator}, {@code trusted_keys},
 * {@code resolver} and {@code resolver_preload}. Keys and aliases as nats-server's opts.go; unknown keys
 * inside these blocks are errors ({@code unknown field "x"}), as there, except keys that serve as a
 * {@code $variable} for other values (defined inside the block or elsewhere), which nats-server also accepts.
 */
final class AuthConfigLoader {

    private AuthConfigLoader() {
    }

    // ---------------------------------------------------------------- authorization

    static void authorization(Position at, ConfigValue v, ServerOptions o) throws ConfigException {
        Map<String, ConfigValue.Entry> m = map(at, "authorization", v);
        String user = null;
        String pass = null;
        String token = null;
        List<User> users = null;
        Permissions defaults = null;
        for (ConfigValue.Entry e : m.values()) {
            switch (e.key().toLowerCase(Locale.ROOT)) {
                case "user", "username" -> user = string(e);
                case "pass", "password" -> pass = string(e);
                case "token" -> token = string(e);
                case "timeout" -> o.authTimeout = timeout(e);
                case "users" -> users = users(e);
                case "default_permission", "default_permissions", "permissions" -> defaults = permissions(e);
                case "auth_callout", "auth_hook" -> o.auth.authCallout = authCallout(e);
                default -> unknown(e);
            }
        }
        if ((user != null || pass != null) && token != null) {
            throw new ConfigException(at, "Cannot have a user/pass and token");
        }
        if (users != null && (user != null || pass != null)) {
            throw new ConfigException(at, "Can not have a single user/pass and a users array");
        }
        if (users != null && token != null) {
            throw new ConfigException(at, "Can not have a token and a users array");
        }
        if (user != null || pass != null) {
            o.username = user;
            o.password = pass;
        }
        if (token != null) {
            o.authorizationToken = token;
        }
        if (users != null) {
            // users of accounts read before this block: a name or nkey twice is an error here, as in nats-server
            Set<String> seen = new HashSet<>();
            for (AccountConfig ac : o.auth.accounts) {
                ac.users.forEach(u -> seen.add(userKey(u)));
            }
            for (User u : users) {
                if (!seen.add(userKey(u))) {
                    throw new ConfigException(at, duplicate(u));
                }
            }
            o.auth.users.addAll(users);
        }
        o.auth.defaultPermissions = defaults;
    }

    /** A user's identity for duplicate checks: its nkey, else its name. */
    private static String userKey(User u) {
        return u.nkey() != null ? u.nkey() : u.username();
    }

    private static String duplicate(User u) {
        return u.nkey() != null ? "Duplicate nkey \"" + u.nkey() + "\" detected" : "Duplicate user \"" + u.username() + "\" detected";
    }

    /**
     * {@code auth_callout { issuer, account, auth_users, xkey }} with nats-server's aliases ({@code acc},
     * {@code users}, {@code key}) and its errors. The account defaults to {@code $G}; the users and the
     * account must exist, which is checked with the accounts (not here). With {@code xkey} the requests are
     * encrypted to that curve key.
     */
    private static AuthCalloutOptions authCallout(ConfigValue.Entry e) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.MAP) {
            throw new ConfigException(e.keyPosition(), "Expected authorization callout to be a map/struct, got "
                    + e.value().kind().label());
        }
        String issuer = null;
        String account = null;
        String xkey = null;
        List<String> authUsers = new ArrayList<>();
        for (ConfigValue.Entry a : e.value().asMap().values()) {
            switch (a.key().toLowerCase(Locale.ROOT)) {
                case "issuer" -> {
                    issuer = string(a);
                    if (!NKeys.isValidAccountKey(issuer)) {
                        throw new ConfigException(a.keyPosition(),
                                "Expected callout user to be a valid public account nkey, got \"" + issuer + "\"");
                    }
                }
                case "account", "acc" -> account = string(a);
                case "auth_users", "users" -> {
                    if (a.value().kind() != ConfigValue.Kind.ARRAY) {
                        throw new ConfigException(a.keyPosition(), "Expected auth_users field to be an array, got "
                                + a.value().kind().label());
                    }
                    authUsers.addAll(strings(a, a.value()));
                }
                case "xkey", "key" -> {
                    xkey = string(a);
                    if (!XKey.isValidPublicKey(xkey)) {
                        throw new ConfigException(a.keyPosition(),
                                "Expected callout xkey to be a valid public xkey, got \"" + xkey + "\"");
                    }
                }
                // nats-server 2.10.19+: only clients of these accounts go to the callout
                case "allowed_accounts" -> throw new ConfigException(a.keyPosition(),
                        "\"auth_callout.allowed_accounts\" is not supported yet by nats4j");
                default -> {
                    if (!a.value().usedAsVariable()) {
                        throw new ConfigException(a.keyPosition(),
                                "Unknown field \"" + a.key() + "\" parsing authorization callout");
                    }
                }
            }
        }
        if (issuer == null || issuer.isEmpty()) {
            throw new ConfigException(e.keyPosition(), "Authorization callouts require an issuer to be specified");
        }
        if (authUsers.isEmpty()) {
            throw new ConfigException(e.keyPosition(), "Authorization callouts require authorized users to be specified");
        }
        return new AuthCalloutOptions(issuer, account == null || account.isEmpty() ? Account.GLOBAL : account, authUsers,
                xkey == null || xkey.isEmpty() ? null : xkey);
    }

    private static Duration timeout(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        return switch (v.kind()) {
            case INTEGER -> Duration.ofSeconds(v.asLong());
            case FLOAT -> Duration.ofNanos((long) (v.asDouble() * 1e9));
            case STRING -> {
                try {
                    yield GoDuration.parse(v.asString());
                } catch (IllegalArgumentException ex) {
                    throw new ConfigException(e.keyPosition(), "error parsing timeout: " + ex.getMessage());
                }
            }
            default -> throw wrongType(e, "a number of seconds or a duration");
        };
    }

    private static List<User> users(ConfigValue.Entry e) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.ARRAY) {
            throw wrongType(e, "an array of users");
        }
        List<User> out = new ArrayList<>();
        for (ConfigValue item : e.value().asArray()) {
            if (item.kind() != ConfigValue.Kind.MAP) {
                throw new ConfigException(item.position(), "Expected user entry to be a map/struct, got " + item.kind().label());
            }
            String name = null;
            String pass = null;
            String nkey = null;
            Permissions perms = null;
            for (ConfigValue.Entry u : item.asMap().values()) {
                switch (u.key().toLowerCase(Locale.ROOT)) {
                    case "user", "username" -> name = string(u);
                    case "pass", "password" -> pass = string(u);
                    case "nkey" -> nkey = string(u);
                    case "permission", "permissions", "authorization" -> perms = permissions(u);
                    default -> unknown(u);
                }
            }
            if (nkey != null) {
                if (name != null || pass != null) {
                    throw new ConfigException(item.position(), "Nkey users do not take usernames or passwords");
                }
                out.add(new User(null, null, nkey, perms, null));
            } else {
                if (name == null) {
                    throw new ConfigException(item.position(), "User entry requires a user");
                }
                out.add(new User(name, pass == null ? "" : pass, null, perms, null));
            }
        }
        return out;
    }

    static Permissions permissions(ConfigValue.Entry e) throws ConfigException {
        Map<String, ConfigValue.Entry> m = map(e.keyPosition(), e.key(), e.value());
        SubjectPermission pub = null;
        SubjectPermission sub = null;
        ResponsePermission resp = null;
        for (ConfigValue.Entry p : m.values()) {
            switch (p.key().toLowerCase(Locale.ROOT)) {
                case "pub", "publish", "import" -> pub = subjectPermission(p);
                case "sub", "subscribe", "export" -> sub = subjectPermission(p);
                case "allow_responses", "allow_response" -> resp = responses(p);
                default -> unknown(p);
            }
        }
        return new Permissions(pub, sub, resp);
    }

    private static SubjectPermission subjectPermission(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        switch (v.kind()) {
            case STRING, ARRAY -> {
                return new SubjectPermission(strings(e, v), null);
            }
            case MAP -> {
                List<String> allow = null;
                List<String> deny = null;
                for (ConfigValue.Entry p : v.asMap().values()) {
                    switch (p.key().toLowerCase(Locale.ROOT)) {
                        case "allow" -> allow = strings(p, p.value());
                        case "deny" -> deny = strings(p, p.value());
                        default -> unknown(p);
                    }
                }
                return new SubjectPermission(allow, deny);
            }
            default -> throw wrongType(e, "a subject, an array of subjects or an allow/deny map");
        }
    }

    private static ResponsePermission responses(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        if (v.kind() == ConfigValue.Kind.BOOLEAN) {
            return v.asBoolean() ? ResponsePermission.defaults() : null;
        }
        if (v.kind() != ConfigValue.Kind.MAP) {
            throw wrongType(e, "a boolean or a map");
        }
        int max = ResponsePermission.DEFAULT_MAX_MSGS;
        Duration expires = ResponsePermission.DEFAULT_EXPIRES;
        for (ConfigValue.Entry p : v.asMap().values()) {
            switch (p.key().toLowerCase(Locale.ROOT)) {
                case "max", "max_msgs", "max_messages", "max_responses" -> {
                    if (p.value().kind() != ConfigValue.Kind.INTEGER) {
                        throw wrongType(p, "an integer");
                    }
                    max = (int) p.value().asLong();
                }
                case "expires", "expiration", "ttl" -> {
                    if (p.value().kind() == ConfigValue.Kind.STRING) {
                        try {
                            expires = GoDuration.parse(p.value().asString());
                        } catch (IllegalArgumentException ex) {
                            throw new ConfigException(p.keyPosition(), "error parsing expires: " + ex.getMessage());
                        }
                    } else {
                        throw wrongType(p, "a duration");
                    }
                }
                default -> unknown(p);
            }
        }
        return new ResponsePermission(max, expires);
    }

    // ---------------------------------------------------------------- accounts

    static void accounts(Position at, ConfigValue v, ServerOptions o) throws ConfigException {
        Map<String, ConfigValue.Entry> m = map(at, "accounts", v);
        for (ConfigValue.Entry e : m.values()) {
            if (e.value().usedAsVariable()) {
                continue; // a variable defined in the accounts block, not an account (as nats-server)
            }
            AccountConfig ac = new AccountConfig(e.key());
            if (e.value().kind() != ConfigValue.Kind.MAP) {
                throw wrongType(e, "an account map");
            }
            for (ConfigValue.Entry a : e.value().asMap().values()) {
                switch (a.key().toLowerCase(Locale.ROOT)) {
                    case "users" -> {
                        List<User> users = users(a);
                        // against authorization users and earlier accounts' users (errors at this "users" key)
                        Set<String> seen = new HashSet<>();
                        o.auth.users.forEach(u -> seen.add(userKey(u)));
                        o.auth.accounts.forEach(other -> other.users.forEach(u -> seen.add(userKey(u))));
                        for (User u : users) {
                            if (!seen.add(userKey(u))) {
                                throw new ConfigException(a.keyPosition(), duplicate(u));
                            }
                        }
                        ac.users.addAll(users);
                    }
                    case "exports" -> exports(a, ac);
                    case "imports" -> imports(a, ac);
                    case "default_permissions" -> ac.defaultPermissions = permissions(a);
                    case "limits" -> limits(a, ac);
                    case "jetstream" -> ac.jetStream = JetStreamConfigLoader.accountLimits(a);
                    default -> notSupportedYet(a, "an account");
                }
            }
            o.auth.accounts.add(ac);
        }
    }

    private static void limits(ConfigValue.Entry e, AccountConfig ac) throws ConfigException {
        for (ConfigValue.Entry l : map(e.keyPosition(), e.key(), e.value()).values()) {
            if (l.value().usedAsVariable()) {
                continue;
            }
            if (l.value().kind() != ConfigValue.Kind.INTEGER) {
                throw wrongType(l, "an integer");
            }
            int n = (int) Math.max(-1, Math.min(Integer.MAX_VALUE, l.value().asLong()));
            switch (l.key().toLowerCase(Locale.ROOT)) {
                case "max_connections", "max_conn" -> ac.maxConnections = n;
                case "max_subscriptions", "max_subs" -> ac.maxSubscriptions = n;
                case "max_payload", "max_pay" -> ac.maxPayload = n;
                case "max_leafnodes", "max_leafs" -> {
                    // no leaf nodes yet: nothing to limit
                }
                default -> unknown(l);
            }
        }
    }

    private static void exports(ConfigValue.Entry e, AccountConfig ac) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.ARRAY) {
            throw wrongType(e, "an array of exports");
        }
        for (ConfigValue item : e.value().asArray()) {
            if (item.kind() != ConfigValue.Kind.MAP) {
                throw new ConfigException(item.position(), "Export Items should be a map, got " + item.kind().label());
            }
            String stream = null;
            String service = null;
            List<String> accounts = null;
            AccountConfig.ResponseType rt = null;
            Duration threshold = null;
            for (ConfigValue.Entry x : item.asMap().values()) {
                switch (x.key().toLowerCase(Locale.ROOT)) {
                    case "stream" -> stream = string(x);
                    case "service" -> service = string(x);
                    case "accounts" -> accounts = strings(x, x.value());
                    case "response", "response_type" -> {
                        String t = string(x).toLowerCase(Locale.ROOT);
                        rt = switch (t) {
                            case "single", "singleton" -> AccountConfig.ResponseType.SINGLETON;
                            case "stream" -> AccountConfig.ResponseType.STREAM;
                            case "chunk", "chunked" -> AccountConfig.ResponseType.CHUNKED;
                            default -> throw new ConfigException(x.keyPosition(), "Unknown response type: \"" + string(x) + "\"");
                        };
                    }
                    case "threshold", "response_threshold", "response_max_time", "response_time" -> {
                        try {
                            threshold = GoDuration.parse(string(x));
                        } catch (IllegalArgumentException ex) {
                            throw new ConfigException(x.keyPosition(), "error parsing response threshold: " + ex.getMessage());
                        }
                    }
                    default -> notSupportedYet(x, "an export");
                }
            }
            if ((stream == null) == (service == null)) {
                throw new ConfigException(item.position(), "Detected stream and service or neither in export");
            }
            if (stream != null && rt != null) {
                throw new ConfigException(item.position(), "Detected response directive on non-service");
            }
            ac.exports.add(new AccountConfig.Export(service != null, service != null ? service : stream, accounts, rt, threshold));
        }
    }

    private static void imports(ConfigValue.Entry e, AccountConfig ac) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.ARRAY) {
            throw wrongType(e, "an array of imports");
        }
        for (ConfigValue item : e.value().asArray()) {
            if (item.kind() != ConfigValue.Kind.MAP) {
                throw new ConfigException(item.position(), "Import Items should be a map, got " + item.kind().label());
            }
            ConfigValue.Entry stream = null;
            ConfigValue.Entry service = null;
            String prefix = null;
            String to = null;
            for (ConfigValue.Entry x : item.asMap().values()) {
                switch (x.key().toLowerCase(Locale.ROOT)) {
                    case "stream" -> stream = x;
                    case "service" -> service = x;
                    case "prefix" -> prefix = string(x);
                    case "to" -> to = string(x);
                    default -> notSupportedYet(x, "an import");
                }
            }
            if ((stream == null) == (service == null)) {
                throw new ConfigException(item.position(), "Detected stream and service or neither in import");
            }
            ConfigValue.Entry src = stream != null ? stream : service;
            String account = null;
            String subject = null;
            for (ConfigValue.Entry x : map(src.keyPosition(), src.key(), src.value()).values()) {
                switch (x.key().toLowerCase(Locale.ROOT)) {
                    case "account" -> account = string(x);
                    case "subject" -> subject = string(x);
                    default -> unknown(x);
                }
            }
            if (account == null || subject == null) {
                throw new ConfigException(src.keyPosition(), "Expect an account name and a subject");
            }
            if (service != null && prefix != null) {
                throw new ConfigException(item.position(), "Detected prefix on service import");
            }
            ac.imports.add(new AccountConfig.Import(service != null, account, subject, prefix, to));
        }
    }

    // ---------------------------------------------------------------- operator mode (JWT)

    /**
     * {@code operator}: a JWT, or the path of a file holding one (nsc's decorated form included); a list of
     * them for several operators.
     */
    static void operators(Position at, String key, ConfigValue v, ServerOptions o) throws ConfigException {
        ConfigValue.Entry e = new ConfigValue.Entry(key, at, v);
        for (String item : strings(e, v)) {
            String text = item.strip();
            if (!text.startsWith("eyJ")) {
                try {
                    text = Files.readString(Path.of(item), StandardCharsets.UTF_8);
                } catch (IOException | InvalidPathException ex) {
                    throw new ConfigException(at, "error parsing operator JWT: " + ex.getMessage());
                }
            }
            String jwt = Jwt.extract(text);
            try {
                Jwt j = Jwt.decode(jwt);
                if (!"operator".equals(j.type())) {
                    throw new ConfigException(at, "error parsing operator JWT: not operator claim");
                }
            } catch (Jwt.JwtException ex) {
                throw new ConfigException(at, "error parsing operator JWT: " + ex.getMessage());
            }
            o.auth.trustedOperators.add(jwt);
        }
    }

    /** {@code trusted_keys}: operator public keys (a string or a list). */
    static void trustedKeys(Position at, String key, ConfigValue v, ServerOptions o) throws ConfigException {
        for (String k : strings(new ConfigValue.Entry(key, at, v), v)) {
            if (!NKeys.isValidOperatorKey(k)) {
                throw new ConfigException(at, "trusted Keys \"" + k + "\" are required to be a valid public operator nkey");
            }
            o.auth.trustedKeys.add(k);
        }
    }

    /** nats-server's {@code URL(...)} resolver value: the URL may be quoted inside the parentheses. */
    private static final java.util.regex.Pattern URL_RESOLVER =
            java.util.regex.Pattern.compile("(?i)URL\\(\\s*\"?([^\\s\"]*)\"?\\s*\\)\\s*");

    /**
     * {@code resolver: MEMORY}, {@code resolver: URL(<base url>)}, or {@code resolver { type: full, dir: "...",
     * allow_delete, hard_delete, limit, timeout, interval }} or {@code resolver { type: cache, dir, limit, ttl }}.
     */

    static void resolver(Position at, String key, ConfigValue v, ServerOptions o) throws ConfigException {
        ResolverOptions r = o.auth.resolver != null ? o.auth.resolver : new ResolverOptions();
        if (v.kind() == ConfigValue.Kind.STRING) {
            String s = v.asString().strip();
            if (s.equalsIgnoreCase("MEMORY") || s.equalsIgnoreCase("MEM")) {
                r.type = ResolverOptions.Type.MEMORY;
            } else if (URL_RESOLVER.matcher(s).matches()) {
                java.util.regex.Matcher m = URL_RESOLVER.matcher(s);
                m.matches();
                String url = m.group(1);
                try {
                    java.net.URI u = new java.net.URI(url);
                    if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
                            || u.getHost() == null) {
                        throw new java.net.URISyntaxException(url, "not an http(s) URL");
                    }
                } catch (java.net.URISyntaxException e) {
                    throw new ConfigException(at, "error parsing account resolver url \"" + url + "\": " + e.getMessage());
                }
                r.type = ResolverOptions.Type.URL;
                r.url = url;
            } else {
                throw new ConfigException(at, "resolver not supported: \"" + s + "\"");
            }
            o.auth.resolver = r;
            return;
        }
        boolean ttlSet = false;
        boolean intervalSet = false;
        for (ConfigValue.Entry e : map(at, key, v).values()) {
            switch (e.key().toLowerCase(java.util.Locale.ROOT)) {
                case "type" -> {
                    String t = string(e).toLowerCase(java.util.Locale.ROOT);
                    switch (t) {
                        case "full" -> r.type = ResolverOptions.Type.FULL;
                        case "mem", "memory" -> r.type = ResolverOptions.Type.MEMORY;
                        case "cache" -> r.type = ResolverOptions.Type.CACHE;
                        default -> throw new ConfigException(e.keyPosition(), "resolver type \"" + t + "\" unknown");
                    }
                }
                case "dir" -> r.dir = Path.of(string(e));
                case "ttl" -> {
                    try {
                        r.ttl = GoDuration.parse(string(e));
                    } catch (IllegalArgumentException ex) {
                        throw new ConfigException(e.keyPosition(), "error parsing resolver ttl: " + ex.getMessage());
                    }
                    ttlSet = !r.ttl.isZero();
                }
                case "allow_delete" -> r.allowDelete = bool(e);
                case "hard_delete" -> r.hardDelete = bool(e);
                case "limit" -> r.limit = (int) e.value().asLong();
                case "timeout", "interval" -> {
                    Duration d;
                    try {
                        d = GoDuration.parse(string(e));
                    } catch (IllegalArgumentException ex) {
                        throw new ConfigException(e.keyPosition(), "error parsing resolver " + e.key() + ": " + ex.getMessage());
                    }
                    if (e.key().equalsIgnoreCase("timeout")) {
                        r.timeout = d;
                    } else {
                        r.interval = d;
                        intervalSet = !d.isZero();
                    }
                }
                default -> unknown(e);
            }
        }
        if (r.type == ResolverOptions.Type.FULL && r.dir == null) {
            throw new ConfigException(at, "resolver: full requires a dir");
        }
        if (r.type == ResolverOptions.Type.CACHE) {
            // nats-server's checks for the cache resolver
            if (r.dir == null) {
                throw new ConfigException(at, "dir has no value and needs to point to a directory");
            }
            if (intervalSet) {
                throw new ConfigException(at, "CACHE does not accept sync");
            }
            if (r.allowDelete) {
                throw new ConfigException(at, "CACHE does not accept allow_delete");
            }
        } else if (ttlSet) {
            throw new ConfigException(at, "FULL does not accept ttl");
        }
        o.auth.resolver = r;
    }

    /**
     * {@code resolver_pinned_accounts}: an account public key or a list of them; only users of these accounts
     * (and of the system account) may connect.
     */
    static void resolverPinnedAccounts(Position at, String key, ConfigValue v, ServerOptions o) throws ConfigException {
        ResolverOptions r = o.auth.resolver != null ? o.auth.resolver : new ResolverOptions();
        List<String> keys = strings(new ConfigValue.Entry(key, at, v), v);
        for (String k : keys) {
            if (!NKeys.isValidAccountKey(k)) {
                throw new ConfigException(at, "pinned account key \"" + k + "\" is not a valid public account nkey");
            }
        }
        r.pinnedAccounts = new ArrayList<>(keys);
        o.auth.resolver = r;
    }

    /** {@code resolver_preload { <account public key>: <account JWT> }}. */
    static void resolverPreload(Position at, String key, ConfigValue v, ServerOptions o) throws ConfigException {
        ResolverOptions r = o.auth.resolver != null ? o.auth.resolver : new ResolverOptions();
        for (ConfigValue.Entry e : map(at, key, v).values()) {
            String jwt = string(e).strip();
            try {
                Jwt j = Jwt.decode(jwt);
                if (!"account".equals(j.type()) || !j.subject().equals(e.key())) {
                    throw new ConfigException(e.keyPosition(), "preload for account \"" + e.key() + "\" is not its account JWT");
                }
            } catch (Jwt.JwtException ex) {
                throw new ConfigException(e.keyPosition(), "error in resolver_preload for \"" + e.key() + "\": " + ex.getMessage());
            }
            r.preload.put(e.key(), jwt);
        }
        o.auth.resolver = r;
    }

    private static boolean bool(ConfigValue.Entry e) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.BOOLEAN) {
            throw wrongType(e, "a boolean");
        }
        return e.value().asBoolean();
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, ConfigValue.Entry> map(Position at, String key, ConfigValue v) throws ConfigException {
        if (v.kind() != ConfigValue.Kind.MAP) {
            throw new ConfigException(at, "invalid value for \"" + key + "\": expected a map, got " + v.kind().label());
        }
        return v.asMap();
    }

    private static String string(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        return switch (v.kind()) {
            case STRING -> v.asString();
            // nats-server takes numbers as text for passwords and tokens
            case INTEGER, FLOAT -> String.valueOf(v.raw());
            default -> throw wrongType(e, "a string");
        };
    }

    private static List<String> strings(ConfigValue.Entry e, ConfigValue v) throws ConfigException {
        List<String> out = new ArrayList<>();
        if (v.kind() == ConfigValue.Kind.STRING) {
            out.add(v.asString());
            return out;
        }
        if (v.kind() != ConfigValue.Kind.ARRAY) {
            throw wrongType(e, "a string or an array of strings");
        }
        for (ConfigValue s : v.asArray()) {
            if (s.kind() != ConfigValue.Kind.STRING) {
                throw new ConfigException(s.position(), "invalid value in \"" + e.key() + "\": expected a string, got " + s.kind().label());
            }
            out.add(s.asString());
        }
        return out;
    }

    /**
     * A key this block does not know: an error, unless the key serves as a {@code $variable} elsewhere in the
     * file ({@code authorization { ENC = {...}, permissions: $ENC }}), which nats-server accepts in every block.
     */
    private static void unknown(ConfigValue.Entry e) throws ConfigException {
        if (!e.value().usedAsVariable()) {
            throw new ConfigException(e.keyPosition(), "unknown field \"" + e.key() + "\"");
        }
    }

    /** A key nats4j does not support inside {@code where} yet; a key used as a {@code $variable} is not one. */
    private static void notSupportedYet(ConfigValue.Entry e, String where) throws ConfigException {
        if (!e.value().usedAsVariable()) {
            throw new ConfigException(e.keyPosition(), "\"" + e.key() + "\" in " + where + " is not supported yet by nats4j");
        }
    }

    private static ConfigException wrongType(ConfigValue.Entry e, String expected) {
        return new ConfigException(e.keyPosition(), "invalid value for \"" + e.key() + "\": expected " + expected + ", got "
                + e.value().kind().label());
    }
}
