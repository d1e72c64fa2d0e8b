package io.nats4j.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of nats-io/jwt v2 claims a server acts on, read from a verified {@link Jwt}. Field names are
 * those of the JSON ({@code nats} sub-object). Limits a JWT does not state are 0, as in nats-io/jwt's Go
 * structs (nsc always writes -1 for "unlimited"); old-format (v1) users are the exception: their unstated
 * limits are -1, set when the token is read ({@link JwtV1}).
 */
public final class JwtClaims {

    private JwtClaims() {
    }

    /** A start and end time of day, {@code "HH:MM:SS"}; an end before the start spans midnight. */
    public record TimeRange(String start, String end) {
    }

    /** The permissions and limits of a user (also a scoped signing key's template). */
    public record UserLimits(Permissions permissions, List<String> src, List<TimeRange> times, String locale,
            long subs, long data, long payload, boolean bearerToken, List<String> allowedConnectionTypes) {

        /** True when nothing is set (a user issued by a scoped signing key must not set anything). */
        boolean isEmpty() {
            return permissions == null && src.isEmpty() && times.isEmpty() && (locale == null || locale.isEmpty())
                    && unset(subs) && unset(data) && unset(payload) && !bearerToken && allowedConnectionTypes.isEmpty();
        }

        private static boolean unset(long limit) {
            return limit == Jwt.NO_LIMIT || limit == 0;
        }
    }

    /** {@code tags}: the user's {@code nats.tags}, read by scoped signing key templates ({@code {{tag(x)}}}). */
    public record User(String publicKey, String issuer, String issuerAccount, String name, long issuedAt, long expires,
            UserLimits limits, List<String> tags) {
    }

    public record Export(String name, String subject, boolean service, boolean tokenRequired,
            AccountConfig.ResponseType responseType, Duration responseThreshold, Map<String, Long> revocations) {
    }

    /** {@code to} is v1's import target (a prefix for streams); {@code localSubject} is v2's. */
    public record Import(String name, String subject, String account, String token, String to, String localSubject,
            boolean service) {
    }

    public record Account(String publicKey, String issuer, String name, long issuedAt, long expires,
            List<String> signingKeys, Map<String, UserLimits> scopedSigningKeys, List<Export> exports,
            List<Import> imports, long conn, long subs, long payload, boolean disallowBearer,
            Map<String, Long> revocations, Permissions defaultPermissions, List<String> tags, ExternalAuth authorization,
            io.nats4j.server.jetstream.JsLimits jetStream) {

        /** The account's identity key or one of its signing keys (plain or scoped). */
        public boolean hasIssuer(String key) {
            return publicKey.equals(key) || signingKeys.contains(key) || scopedSigningKeys.containsKey(key);
        }

        /** nats-server's isRevoked: revoked when the revocation time (user's or "*") is at or after iat. */
        public boolean isRevoked(String userKey, long issuedAt) {
            return revokedAt(revocations, userKey, issuedAt);
        }
    }

    /**
     * An account's {@code nats.authorization} (nats-io/jwt's ExternalAuthorization): the auth callout of operator
     * mode. Users of the account other than {@code authUsers} (user public keys) are authorized by the service
     * that answers {@code $SYS.REQ.USER.AUTH} in this account; {@code allowedAccounts} (account public keys, or
     * {@value #ANY_ACCOUNT} alone) are the other accounts it may place them in; {@code xkey} (X...) encrypts the
     * requests, null for plain ones.
     */
    public record ExternalAuth(List<String> authUsers, List<String> allowedAccounts, String xkey) {

        /** nats-io/jwt's AnyAccount: every account may be a target. */
        public static final String ANY_ACCOUNT = "*";

        public ExternalAuth {
            authUsers = List.copyOf(authUsers);
            allowedAccounts = List.copyOf(allowedAccounts);
        }

        /** nats-io/jwt's IsEnabled: the callout is on when auth users are listed. */
        public boolean enabled() {
            return !authUsers.isEmpty();
        }

        /** nats-server's isExternalAuthUser: this user public key bypasses the callout. */
        public boolean isAuthUser(String userKey) {
            return authUsers.contains(userKey);
        }

        /** nats-server's isAllowedAcount: {@code "*"} as the only entry allows all, else an exact match. */
        public boolean allows(String accountKey) {
            if (allowedAccounts.size() == 1 && ANY_ACCOUNT.equals(allowedAccounts.get(0))) {
                return true;
            }
            return allowedAccounts.contains(accountKey);
        }

        /** nats-io/jwt's ExternalAuthorization.Validate: the first problem, or null. */
        public String validationIssue() {
            if (!allowedAccounts.isEmpty() && authUsers.isEmpty()) {
                return "External authorization cannot have accounts without users specified";
            }
            for (String u : authUsers) {
                if (!NKeys.isValidUserKey(u)) {
                    return "AuthUser \"" + u + "\" is not a valid user public key";
                }
            }
            for (String a : allowedAccounts) {
                if (ANY_ACCOUNT.equals(a)) {
                    if (allowedAccounts.size() > 1) {
                        return "AllowedAccounts can only be a list of accounts or \"" + ANY_ACCOUNT + "\"";
                    }
                } else if (!NKeys.isValidAccountKey(a)) {
                    return "Account \"" + a + "\" is not a valid account public key";
                }
            }
            if (xkey != null && !XKey.isValidPublicKey(xkey)) {
                return "XKey \"" + xkey + "\" is not a valid public xkey";
            }
            return null;
        }
    }

    public record Activation(String importer, String issuer, String issuerAccount, String subject, boolean service,
            long issuedAt, long expires) {
    }

    public record Operator(String publicKey, List<String> signingKeys, String systemAccount, boolean strictSigningKeys) {
    }

    static boolean revokedAt(Map<String, Long> revocations, String key, long issuedAt) {
        if (revocations.isEmpty()) {
            return false;
        }
        Long t = revocations.get(key);
        if (t != null && t >= issuedAt) {
            return true;
        }
        Long all = revocations.get("*");
        return all != null && all >= issuedAt;
    }

    // ---------------------------------------------------------------- readers

    public static Operator operator(Jwt j) {
        JsonNode n = j.nats();
        return new Operator(j.subject(), keyList(n.get("signing_keys"), null), Jwt.text(n, "system_account"),
                n.path("strict_signing_key_usage").asBoolean(false));
    }

    public static User user(Jwt j) {
        JsonNode n = j.nats();
        return new User(j.subject(), j.issuer(), j.issuerAccount(), j.name(), j.issuedAt(), j.expires(), userLimits(n),
                stringList(n.get("tags"), false));
    }

    static UserLimits userLimits(JsonNode n) {
        return new UserLimits(permissions(n), stringList(n.get("src"), true), times(n.get("times")),
                Jwt.text(n, "times_location"), Jwt.number(n, "subs", 0), Jwt.number(n, "data", 0),
                Jwt.number(n, "payload", 0), n.path("bearer_token").asBoolean(false),
                stringList(n.get("allowed_connection_types"), false));
    }

    public static Account account(Jwt j) {
        JsonNode n = j.nats();
        Map<String, UserLimits> scoped = new HashMap<>();
        List<String> signing = keyList(n.get("signing_keys"), scoped);
        List<Export> exports = new ArrayList<>();
        for (JsonNode e : iterable(n.get("exports"))) {
            String subject = Jwt.text(e, "subject");
            if (subject == null) {
                continue;
            }
            String rt = Jwt.text(e, "response_type");
            AccountConfig.ResponseType type = rt == null ? AccountConfig.ResponseType.SINGLETON
                    : switch (rt.toLowerCase(Locale.ROOT)) {
                        case "stream" -> AccountConfig.ResponseType.STREAM;
                        case "chunked" -> AccountConfig.ResponseType.CHUNKED;
                        default -> AccountConfig.ResponseType.SINGLETON;
                    };
            long threshold = Jwt.number(e, "response_threshold", 0);
            exports.add(new Export(Jwt.text(e, "name"), subject, isService(e), e.path("token_req").asBoolean(false), type,
                    threshold > 0 ? Duration.ofNanos(threshold) : null, longMap(e.get("revocations"))));
        }
        List<Import> imports = new ArrayList<>();
        for (JsonNode i : iterable(n.get("imports"))) {
            String subject = Jwt.text(i, "subject");
            String account = Jwt.text(i, "account");
            if (subject == null || account == null) {
                continue;
            }
            imports.add(new Import(Jwt.text(i, "name"), subject, account, Jwt.text(i, "token"), Jwt.text(i, "to"),
                    Jwt.text(i, "local_subject"), isService(i)));
        }
        JsonNode lim = n.path("limits");
        JsonNode dp = n.get("default_permissions");
        Permissions defaults = dp != null && dp.isObject() ? permissions(dp) : null;
        return new Account(j.subject(), j.issuer(), j.name(), j.issuedAt(), j.expires(), signing, scoped, exports, imports,
                Jwt.number(lim, "conn", 0), Jwt.number(lim, "subs", 0), Jwt.number(lim, "payload", 0),
                lim.path("disallow_bearer").asBoolean(false), longMap(n.get("revocations")), defaults,
                stringList(n.get("tags"), false), externalAuth(n.get("authorization")), jetStreamLimits(lim));
    }

    /**
     * The account's JetStream limits ({@code limits.mem_storage}, {@code disk_storage}, ..., or the {@code R1}
     * tier of {@code limits.tiered_limits}); null when JetStream is off for it (both storages 0, as nats-server).
     */
    static io.nats4j.server.jetstream.JsLimits jetStreamLimits(JsonNode lim) {
        JsonNode l = lim;
        if (Jwt.number(lim, "mem_storage", 0) == 0 && Jwt.number(lim, "disk_storage", 0) == 0) {
            JsonNode tiers = lim.path("tiered_limits");
            l = tiers.has("R1") ? tiers.get("R1") : null;
            if (l == null || Jwt.number(l, "mem_storage", 0) == 0 && Jwt.number(l, "disk_storage", 0) == 0) {
                return null;
            }
        }
        return new io.nats4j.server.jetstream.JsLimits(Jwt.number(l, "mem_storage", 0), Jwt.number(l, "disk_storage", 0),
                (int) Jwt.number(l, "streams", 0), (int) Jwt.number(l, "consumer", 0),
                (int) Jwt.number(l, "max_ack_pending", 0), Jwt.number(l, "mem_max_stream_bytes", 0),
                Jwt.number(l, "disk_max_stream_bytes", 0), l.path("max_bytes_required").asBoolean(false));
    }

    /** {@code nats.authorization}, or null when absent or empty. */
    private static ExternalAuth externalAuth(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        List<String> users = stringList(n.get("auth_users"), false);
        List<String> allowed = stringList(n.get("allowed_accounts"), false);
        String xkey = Jwt.text(n, "xkey");
        if (xkey != null && xkey.isEmpty()) {
            xkey = null;
        }
        if (users.isEmpty() && allowed.isEmpty() && xkey == null) {
            return null;
        }
        return new ExternalAuth(users, allowed, xkey);
    }

    public static Activation activation(Jwt j) {
        JsonNode n = j.nats();
        String kind = Jwt.text(n, "kind");
        if (kind == null) {
            kind = Jwt.text(n, "type_of_import"); // not in v2; tolerated
        }
        return new Activation(j.subject(), j.issuer(), j.issuerAccount(), Jwt.text(n, "subject"),
                "service".equalsIgnoreCase(kind), j.issuedAt(), j.expires());
    }

    private static boolean isService(JsonNode n) {
        JsonNode t = n.get("type");
        // v2 writes "stream"/"service"; v1 wrote the enum number (1 = stream, 2 = service)
        return t != null && (t.isTextual() ? "service".equalsIgnoreCase(t.asText()) : t.asInt() == 2);
    }

    /** nats-server: a user's pub/sub lists apply when either list is non-empty; an empty allow allows all. */
    static Permissions permissions(JsonNode n) {
        SubjectPermission pub = subjectPermission(n.get("pub"));
        SubjectPermission sub = subjectPermission(n.get("sub"));
        ResponsePermission resp = null;
        JsonNode r = n.get("resp");
        if (r != null && r.isObject()) {
            long ttl = Jwt.number(r, "ttl", 0);
            resp = new ResponsePermission((int) Jwt.number(r, "max", 0), ttl > 0 ? Duration.ofNanos(ttl) : Duration.ZERO);
        }
        if (pub == null && sub == null && resp == null) {
            return null;
        }
        return new Permissions(pub, sub, resp);
    }

    private static SubjectPermission subjectPermission(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        List<String> allow = stringList(n.get("allow"), false);
        List<String> deny = stringList(n.get("deny"), false);
        if (allow.isEmpty() && deny.isEmpty()) {
            return null;
        }
        return new SubjectPermission(allow.isEmpty() ? null : allow, deny.isEmpty() ? null : deny);
    }

    private static List<TimeRange> times(JsonNode n) {
        List<TimeRange> out = new ArrayList<>();
        for (JsonNode t : iterable(n)) {
            out.add(new TimeRange(Jwt.text(t, "start"), Jwt.text(t, "end")));
        }
        return out;
    }

    /** Signing keys: plain strings, or v2 objects {@code {kind: "user_scope", key, template}}. */
    private static List<String> keyList(JsonNode n, Map<String, UserLimits> scoped) {
        List<String> out = new ArrayList<>();
        for (JsonNode k : iterable(n)) {
            if (k.isTextual()) {
                out.add(k.asText());
            } else if (k.isObject() && Jwt.text(k, "key") != null && scoped != null) {
                JsonNode tpl = k.get("template");
                scoped.put(Jwt.text(k, "key"), userLimits(tpl != null && tpl.isObject() ? tpl : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()));
            }
        }
        return out;
    }

    /** Strings of an array; with {@code commaSeparated}, a single string is split at commas (v1's src). */
    private static List<String> stringList(JsonNode n, boolean commaSeparated) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isTextual()) {
            for (String s : commaSeparated ? n.asText().split(",") : new String[] {n.asText()}) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
            return out;
        }
        for (JsonNode v : iterable(n)) {
            if (v.isTextual() && !v.asText().isEmpty()) {
                out.add(v.asText());
            }
        }
        return out;
    }

    private static Map<String, Long> longMap(JsonNode n) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (n != null && n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                if (e.getValue().isNumber()) {
                    out.put(e.getKey(), e.getValue().asLong());
                }
            }
        }
        return out;
    }

    private static Iterable<JsonNode> iterable(JsonNode n) {
        return n != null && n.isArray() ? n : List.of();
    }
}
