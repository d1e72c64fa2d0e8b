package io.nats4j.server.auth;

import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * nats-server's operator (decentralized JWT) mode: trusted operators vouch for accounts, accounts for
 * users. Account JWTs come from the {@link AccountResolver} the first time a user of the account connects
 * (or at start for preloaded ones); each becomes an {@link Account} named by its public key with its
 * limits, exports and imports. Users authenticate with a user JWT and the INFO nonce signed by their nkey.
 *
 * <p>Threading: {@link #authenticate} runs on connection event loops; loading an account (which may read
 * the resolver's directory) is serialized on this object, the loaded accounts are read lock-free.
 */
public final class OperatorMode {

    /** Text nats-server sends when a user's JWT (or its time window) expires. */
    public static final String USER_EXPIRED = "User Authentication Expired";
    /** Text nats-server sends to the clients of an account whose JWT expired. */
    public static final String ACCOUNT_EXPIRED = "Account Authentication Expired";
    private static final Set<String> KNOWN_CONNECTION_TYPES = Set.of("STANDARD", "WEBSOCKET", "LEAFNODE",
            "LEAFNODE_WS", "MQTT", "MQTT_WS", "IN_PROCESS");

    /** An account built from its JWT. */
    private record Loaded(Account account, JwtClaims.Account claims, String jwt) {
    }

    private final Set<String> trustedKeys = new HashSet<>();
    /** The trusted operator JWTs (not the bare trusted_keys), for the start-up log. */
    private final List<Jwt> operatorJwts = new ArrayList<>();
    /** strict_signing_key_usage: operators whose identity key may not sign accounts. */
    private final Set<String> strictOperators = new HashSet<>();
    private final String operatorSystemAccount;
    private final AccountResolver resolver;
    private final boolean sublistCache;
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    private final Set<String> loading = new HashSet<>();
    private volatile Consumer<String> warn = w -> { };

    OperatorMode(AuthOptions ao, boolean sublistCache, List<String> errors) {
        this.sublistCache = sublistCache;
        String sys = null;
        if (!ao.trustedOperators.isEmpty() && !ao.trustedKeys.isEmpty()) {
            errors.add("conflicting options for 'TrustedKeys' and 'TrustedOperators'");
        }
        for (String text : ao.trustedOperators) {
            try {
                Jwt j = Jwt.decode(Jwt.extract(text)).expect("operator", nowSeconds());
                if (!j.issuer().equals(j.subject())) {
                    errors.add("operator JWT must be self-signed");
                    continue;
                }
                JwtClaims.Operator op = JwtClaims.operator(j);
                operatorJwts.add(j);
                trustedKeys.add(op.publicKey());
                trustedKeys.addAll(op.signingKeys());
                if (op.strictSigningKeys()) {
                    strictOperators.add(op.publicKey());
                }
                if (sys == null && op.systemAccount() != null && !op.systemAccount().isEmpty()) {
                    sys = op.systemAccount();
                }
            } catch (Jwt.JwtException e) {
                errors.add("error parsing operator JWT: " + e.getMessage());
            }
        }
        trustedKeys.addAll(ao.trustedKeys);
        for (String k : trustedKeys) {
            if (!NKeys.isValidOperatorKey(k)) {
                errors.add("trusted Keys \"" + k + "\" are required to be a valid public operator nkey");
            }
        }
        operatorSystemAccount = sys;
        ResolverOptions ro = ao.resolver;
        AccountResolver r = null;
        if (ro == null) {
            errors.add("operators require an account resolver to be configured");
        } else if (ro.type == ResolverOptions.Type.FULL) {
            if (ro.dir == null) {
                errors.add("resolver: full requires a dir");
            } else {
                try {
                    r = new AccountResolver.Directory(ro.dir, ro.allowDelete, ro.hardDelete);
                    for (Map.Entry<String, String> e : ro.preload.entrySet()) {
                        if (r.fetch(e.getKey()) == null) {
                            r.store(e.getKey(), e.getValue());
                        }
                    }
                } catch (IOException | IllegalArgumentException e) {
                    errors.add("resolver dir " + ro.dir + ": " + e.getMessage());
                }
            }
        } else {
            r = new AccountResolver.Memory(ro.preload);
        }
        if (ro != null) {
            for (Map.Entry<String, String> e : ro.preload.entrySet()) {
                try {
                    Jwt j = Jwt.decode(e.getValue());
                    if (!"account".equals(j.type()) || !j.subject().equals(e.getKey())) {
                        errors.add("preload for account \"" + e.getKey() + "\" is not its account JWT");
                    }
                } catch (Jwt.JwtException ex) {
                    errors.add("error in resolver_preload for \"" + e.getKey() + "\": " + ex.getMessage());
                }
            }
        }
        if (!ao.accounts.isEmpty()) {
            errors.add("operators do not allow Accounts to be configured directly");
        }
        if (!ao.users.isEmpty()) {
            errors.add("operators do not allow users to be configured directly");
        }
        if (ao.noAuthUser != null) {
            errors.add("no_auth_user not compatible with Trusted Operator");
        }
        resolver = r;
    }

    /** Where warnings (imports that could not be wired, unreadable JWTs) go. */
    void warnings(Consumer<String> sink) {
        this.warn = sink;
    }

    /**
     * nats-server's start-up lines for the trusted operator JWTs: "Trusted Operators", then per operator its
     * audience claim (which nats-server labels "System"), name, issue time and expiry in local time as Go
     * prints a time.Time ("2006-01-02 15:04:05 -0700 MST"), or "Never".
     */
    public void describe(Consumer<String> notice) {
        if (operatorJwts.isEmpty()) {
            return;
        }
        java.time.format.DateTimeFormatter goTime = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z");
        java.util.function.LongFunction<String> time = t ->
                goTime.format(java.time.Instant.ofEpochSecond(t).atZone(ZoneId.systemDefault()));
        notice.accept("Trusted Operators");
        for (Jwt j : operatorJwts) {
            notice.accept("  System  : " + Accounts.goQuote(j.claims().path("aud").asText("")));
            notice.accept("  Operator: " + Accounts.goQuote(j.name()));
            notice.accept("  Issued  : " + time.apply(j.issuedAt()));
            notice.accept("  Expires : " + (j.expires() > 0 ? time.apply(j.expires()) : "Never"));
        }
    }

    /** The system account named by the first operator JWT, or null. */
    String operatorSystemAccount() {
        return operatorSystemAccount;
    }

    public AccountResolver resolver() {
        return resolver;
    }

    /** The accounts loaded so far. */
    Collection<Account> accounts() {
        List<Account> out = new ArrayList<>();
        for (Loaded l : loaded.values()) {
            out.add(l.account);
        }
        return out;
    }

    Account loadedAccount(String key) {
        Loaded l = loaded.get(key);
        return l == null ? null : l.account;
    }

    /** The claims an account was built from, or null when not loaded. */
    public JwtClaims.Account claims(String accountKey) {
        Loaded l = loaded.get(accountKey);
        return l == null ? null : l.claims;
    }

    static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    // ---------------------------------------------------------------- accounts

    /** The account for {@code key}, loading it from the resolver if needed; null when unknown or invalid. */
    public Account lookup(String key) {
        Loaded l = loaded.get(key);
        if (l != null) {
            return l.account;
        }
        synchronized (this) {
            l = loaded.get(key);
            if (l != null) {
                return l.account;
            }
            if (resolver == null || !loading.add(key)) {
                return null; // unknown, or an import cycle still being built
            }
            try {
                String jwt = resolver.fetch(key);
                if (jwt == null) {
                    warn.accept("Account fetch failed: account missing"); // nats-server's words
                    return null;
                }
                return install(key, jwt).account;
            } catch (IOException | Jwt.JwtException | IllegalArgumentException e) {
                warn.accept("Account JWT for \"" + key + "\" not usable: " + e.getMessage());
                return null;
            } finally {
                loading.remove(key);
            }
        }
    }

    /** Checks an account JWT: decodes, verifies, type, subject, trusted issuer. */
    JwtClaims.Account verifyAccount(String key, String jwt) throws Jwt.JwtException {
        Jwt j = Jwt.decode(jwt);
        if (!"account".equals(j.type())) {
            throw new Jwt.JwtException("not account claim");
        }
        if (key != null && !j.subject().equals(key)) {
            throw new Jwt.JwtException("subject does not match account \"" + key + "\"");
        }
        if (!NKeys.isValidAccountKey(j.subject())) {
            throw new Jwt.JwtException("subject is not an account public key");
        }
        if (!trustedKeys.contains(j.issuer()) || strictOperators.contains(j.issuer())) {
            throw new Jwt.JwtException("Account JWT not signed by trusted operator");
        }
        return JwtClaims.account(j);
    }

    /** Builds the account from a verified JWT and wires its imports (lock held). */
    private Loaded install(String key, String jwt) throws Jwt.JwtException {
        JwtClaims.Account c = verifyAccount(key, jwt);
        Account a = new Account(key, sublistCache);
        a.limits((int) Math.max(-1, Math.min(Integer.MAX_VALUE, c.conn())), -1, -1);
        for (JwtClaims.Export e : c.exports()) {
            // token_req exports are private: an import needs an activation token (checked when wiring)
            a.addExport(new AccountConfig.Export(e.service(), e.subject(), null, e.responseType(), e.responseThreshold()));
        }
        Loaded l = new Loaded(a, c, jwt);
        loaded.put(key, l);
        for (JwtClaims.Import im : c.imports()) {
            String problem = wireImport(a, c, im);
            if (problem != null) {
                warn.accept("Error adding " + (im.service() ? "service" : "stream") + " import \"" + im.subject()
                        + "\" to account \"" + key + "\": " + problem);
            }
        }
        return l;
    }

    /** Wires one import as an internal subscription; returns the problem or null. */
    private String wireImport(Account importer, JwtClaims.Account ic, JwtClaims.Import im) {
        if (!Subjects.isValidSubject(im.subject())) {
            return "invalid subject";
        }
        Account exporter = lookup(im.account());
        JwtClaims.Account ec = claims(im.account());
        if (exporter == null || ec == null) {
            return "account \"" + im.account() + "\" not found";
        }
        JwtClaims.Export ex = null;
        for (JwtClaims.Export e : ec.exports()) {
            if (e.service() == im.service() && Subjects.isSubsetMatch(im.subject(), e.subject())) {
                ex = e;
                break;
            }
        }
        if (ex == null) {
            return (im.service() ? "service" : "stream") + " import not authorized";
        }
        if (ex.tokenRequired()) {
            String bad = checkActivation(im, ic.publicKey(), ec, ex);
            if (bad != null) {
                return bad;
            }
        }
        try {
            if (im.service()) {
                String local = im.localSubject() != null && !im.localSubject().isEmpty() ? im.localSubject()
                        : im.to() != null && !im.to().isEmpty() ? im.to() : im.subject();
                SubjectMapping m = local.equals(im.subject()) ? SubjectMapping.identity() : SubjectMapping.map(local, im.subject());
                ServiceImport relay = new ServiceImport(importer, exporter, m, ex.responseType(), ex.responseThreshold());
                importer.sublist().insert(new Subscription(relay, local, null, new byte[0]));
            } else {
                SubjectMapping m;
                if (im.localSubject() != null && !im.localSubject().isEmpty()) {
                    m = SubjectMapping.map(im.subject(), im.localSubject());
                } else if (im.to() != null && !im.to().isEmpty()) {
                    m = SubjectMapping.prefix(im.to()); // v1's "to" on a stream import is a prefix
                } else {
                    m = SubjectMapping.identity();
                }
                exporter.sublist().insert(new Subscription(new StreamImport(importer, m), im.subject(), null, new byte[0]));
            }
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    /** A private export needs an activation token: issued by the exporter for this importer and subject. */
    private static String checkActivation(JwtClaims.Import im, String importer, JwtClaims.Account ec, JwtClaims.Export ex) {
        if (im.token() == null || im.token().isEmpty()) {
            return "activation token required";
        }
        JwtClaims.Activation act;
        try {
            act = JwtClaims.activation(Jwt.decode(im.token()).expect("activation", nowSeconds()));
        } catch (Jwt.JwtException e) {
            return "activation token not valid: " + e.getMessage();
        }
        boolean issuerOk = act.issuer().equals(ec.publicKey())
                || (ec.publicKey().equals(act.issuerAccount()) && ec.hasIssuer(act.issuer()));
        if (!issuerOk) {
            return "activation token not issued by the exporting account";
        }
        if (!act.importer().equals(importer)) {
            return "activation token is for another account";
        }
        if (act.service() != im.service() || act.subject() == null || !Subjects.isValidSubject(act.subject())
                || !Subjects.isSubsetMatch(im.subject(), act.subject())) {
            return "activation token does not cover the import";
        }
        if (JwtClaims.revokedAt(ex.revocations(), importer, act.issuedAt())) {
            return "activation token revoked";
        }
        return null;
    }

    // ---------------------------------------------------------------- users

    /**
     * nats-server's JWT client authentication (processClientOrLeafAuthentication with trusted keys). The
     * failure's text says why, for the debug log.
     */
    Accounts.AuthResult authenticate(ConnectOptions co, String nonce, String clientIp) {
        if (co.jwt == null || co.jwt.isEmpty()) {
            return Accounts.AuthResult.failure("Authentication requires a user JWT");
        }
        long now = nowSeconds();
        Jwt j;
        JwtClaims.User uc;
        try {
            j = Jwt.decode(co.jwt);
            if (!"user".equals(j.type())) {
                return Accounts.AuthResult.failure("User JWT not valid: not user claim");
            }
            uc = JwtClaims.user(j);
        } catch (Jwt.JwtException e) {
            return Accounts.AuthResult.failure("User JWT not valid: " + e.getMessage());
        }
        if (!NKeys.isValidUserKey(uc.publicKey())) {
            return Accounts.AuthResult.failure("User JWT not valid: subject is not a user public key");
        }
        if (j.isExpired(now) || (j.notBefore() > 0 && now < j.notBefore())) {
            return Accounts.AuthResult.failure("User JWT no longer valid");
        }
        String accountKey = uc.issuerAccount() != null ? uc.issuerAccount() : uc.issuer();
        Account acc = lookup(accountKey);
        JwtClaims.Account ac = claims(accountKey);
        if (acc == null || ac == null) {
            return Accounts.AuthResult.failure("Account JWT lookup error: account \"" + accountKey + "\" not found");
        }
        if (!ac.hasIssuer(uc.issuer())) {
            return Accounts.AuthResult.failure("User JWT issuer is not known");
        }
        JwtClaims.UserLimits limits = uc.limits();
        JwtClaims.UserLimits scope = ac.scopedSigningKeys().get(uc.issuer());
        if (scope != null) {
            if (!limits.isEmpty()) {
                return Accounts.AuthResult.failure("User JWT is not valid: scoped users require no permissions or limits set");
            }
            limits = scope;
        }
        List<String> types = limits.allowedConnectionTypes();
        if (!types.isEmpty()) {
            boolean anyKnown = false;
            boolean standard = false;
            for (String t : types) {
                String u = t.toUpperCase(java.util.Locale.ROOT);
                anyKnown |= KNOWN_CONNECTION_TYPES.contains(u);
                standard |= u.equals("STANDARD");
            }
            if (!anyKnown || !standard) {
                return Accounts.AuthResult.failure("Connection type not allowed");
            }
        }
        if (ac.expires() > 0 && now > ac.expires()) {
            return Accounts.AuthResult.failure("Account JWT has expired");
        }
        if (limits.bearerToken() && ac.disallowBearer()) {
            return Accounts.AuthResult.failure("Account does not allow bearer tokens");
        }
        if (!limits.bearerToken()) {
            if (co.sig == null || co.sig.isEmpty()) {
                return Accounts.AuthResult.failure("Signature missing");
            }
            if (!NKeys.verify(uc.publicKey(), nonce, co.sig)) {
                return Accounts.AuthResult.failure("Signature not verified");
            }
        }
        if (ac.isRevoked(uc.publicKey(), uc.issuedAt())) {
            return Accounts.AuthResult.failure("User authentication revoked");
        }
        if (!sourceAllowed(limits.src(), clientIp)) {
            return Accounts.AuthResult.failure("Bad src Ip " + clientIp);
        }
        long windowEndMillis = timeWindowEnd(limits);
        if (windowEndMillis < 0) {
            return Accounts.AuthResult.failure("Outside connect times");
        }
        Permissions p = mergedPermissions(ac.defaultPermissions(), limits.permissions());
        CompiledPermissions cp = null;
        if (p != null) {
            if (CompiledPermissions.validate(p) != null) {
                return Accounts.AuthResult.failure("User JWT generated invalid permissions");
            }
            cp = new CompiledPermissions(p);
        }
        long expiresMillis = 0;
        String expiredError = null;
        if (uc.expires() > 0) {
            expiresMillis = uc.expires() * 1000;
            expiredError = USER_EXPIRED;
        }
        if (windowEndMillis > 0 && (expiresMillis == 0 || windowEndMillis < expiresMillis)) {
            expiresMillis = windowEndMillis;
            expiredError = USER_EXPIRED;
        }
        if (ac.expires() > 0 && (expiresMillis == 0 || ac.expires() * 1000 < expiresMillis)) {
            expiresMillis = ac.expires() * 1000;
            expiredError = ACCOUNT_EXPIRED;
        }
        Accounts.ConnectionLimits cl = new Accounts.ConnectionLimits(
                minLimit(limits.subs(), ac.subs()), minLimit(limits.payload(), ac.payload()), expiresMillis, expiredError);
        User user = new User(null, null, uc.publicKey(), p, accountKey);
        return new Accounts.AuthResult(user, acc, cp, cl, null);
    }

    /** nats-server's minLimit over user and account values; -1 = unlimited. */
    private static int minLimit(long user, long account) {
        long v = user;
        if (v == Jwt.NO_LIMIT || (account != Jwt.NO_LIMIT && account < v)) {
            v = account;
        }
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, v));
    }

    /** Account default permissions, each part replaced by the user's own when the user has one. */
    private static Permissions mergedPermissions(Permissions account, Permissions user) {
        if (account == null) {
            return user;
        }
        if (user == null) {
            return account;
        }
        return new Permissions(user.publish() != null ? user.publish() : account.publish(),
                user.subscribe() != null ? user.subscribe() : account.subscribe(),
                user.response() != null ? user.response() : account.response());
    }

    /** nats-server's validateSrc: no list allows all; a bad CIDR allows nothing. */
    static boolean sourceAllowed(List<String> cidrs, String host) {
        if (cidrs.isEmpty()) {
            return true;
        }
        if (host == null || host.isEmpty()) {
            return false;
        }
        byte[] ip;
        try {
            ip = ipLiteral(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (String cidr : cidrs) {
            int slash = cidr.indexOf('/');
            if (slash < 0) {
                return false;
            }
            byte[] net;
            int bits;
            try {
                net = ipLiteral(cidr.substring(0, slash));
                bits = Integer.parseInt(cidr.substring(slash + 1));
            } catch (IllegalArgumentException e) {
                return false;
            }
            if (bits < 0 || bits > net.length * 8) {
                return false;
            }
            byte[] addr = ip;
            if (addr.length != net.length) {
                addr = mapped(addr, net.length);
                if (addr == null) {
                    continue;
                }
            }
            if (prefixMatches(addr, net, bits)) {
                return true;
            }
        }
        return false;
    }

    private static final java.util.regex.Pattern IP_LITERAL =
            java.util.regex.Pattern.compile("(\\d{1,3}(\\.\\d{1,3}){3})|([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)");

    /** The bytes of an IP address literal (never a DNS lookup); IllegalArgumentException when not one. */
    static byte[] ipLiteral(String s) {
        String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        if (!IP_LITERAL.matcher(t).matches()) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
        try {
            return InetAddress.getByName(t).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
    }

    /** An IPv4 address as IPv4-mapped IPv6 or back, to compare with a network of the other family. */
    private static byte[] mapped(byte[] addr, int len) {
        try {
            if (len == 16 && addr.length == 4) {
                byte[] m = new byte[16];
                m[10] = (byte) 0xff;
                m[11] = (byte) 0xff;
                System.arraycopy(addr, 0, m, 12, 4);
                return m;
            }
            InetAddress a = InetAddress.getByAddress(addr);
            return a instanceof java.net.Inet4Address ? a.getAddress() : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean prefixMatches(byte[] a, byte[] net, int bits) {
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != net[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (net[full] & mask);
    }

    /**
     * nats-server's validateTimes: with no ranges, 0 (always); inside a range, the epoch millis at which it
     * ends; outside every range (or a bad range or locale), -1. Times are of {@code times_location}, else
     * the server's zone; a range whose end is before its start spans midnight.
     */
    static long timeWindowEnd(JwtClaims.UserLimits limits) {
        return timeWindowEnd(limits, ZonedDateTime.now());
    }

    static long timeWindowEnd(JwtClaims.UserLimits limits, ZonedDateTime nowAnywhere) {
        if (limits.times().isEmpty()) {
            return 0;
        }
        ZoneId zone;
        try {
            zone = limits.locale() == null || limits.locale().isEmpty() ? ZoneId.systemDefault() : ZoneId.of(limits.locale());
        } catch (DateTimeException e) {
            return -1;
        }
        ZonedDateTime now = nowAnywhere.withZoneSameInstant(zone);
        for (JwtClaims.TimeRange r : limits.times()) {
            LocalTime start;
            LocalTime end;
            try {
                start = LocalTime.parse(r.start());
                end = LocalTime.parse(r.end());
            } catch (DateTimeParseException | NullPointerException e) {
                return -1;
            }
            ZonedDateTime s = now.toLocalDate().atTime(start).atZone(zone);
            ZonedDateTime e = now.toLocalDate().atTime(end).atZone(zone);
            if (start.isAfter(end)) {
                // spans midnight: either it started yesterday and ends today, or starts today and ends tomorrow
                if (now.isBefore(e)) {
                    return e.toInstant().toEpochMilli();
                }
                e = e.plusDays(1);
            }
            if (!now.isBefore(s) && now.isBefore(e)) {
                return e.toInstant().toEpochMilli();
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- updates ($SYS claim requests)

    /** nats-server's text for an account JWT whose issuer is not trusted (ErrAccountValidation). */
    public static final String ACCOUNT_VALIDATION_FAILED = "account validation failed";

    /**
     * The outcome of a claim update, as nats-server's respondToUpdate reports it: {@code account} (may be
     * "n/a"), {@code message}, and {@code error} (null on success; the reply's description is
     * {@code message + " - " + error}).
     */
    public record ClaimUpdate(String account, String message, String error) {
        public boolean ok() {
            return error == null;
        }

        /** The text nats-server logs and puts in an error reply's description. */
        public String description() {
            return error == null ? message : message + " - " + error;
        }
    }

    /** True for the {@code full} resolver, whose directory takes claim updates and answers lookups. */
    public boolean fullResolver() {
        return resolver instanceof AccountResolver.Directory;
    }

    /**
     * A claim update received on {@code $SYS.REQ.CLAIMS.UPDATE} ({@code subjectAccount} null) or
     * {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE}. With the full resolver the JWT is stored in the directory
     * (whether or not the account is loaded) and applied to the account when loaded; with MEMORY only a
     * loaded account is updated in memory (nats-server's accountClaimUpdate; others are "skipped").
     * Unlike nats-server, whose full resolver stores a JWT of any issuer (then fails to use it), an account
     * JWT not signed by a trusted operator key is refused before it is stored.
     */
    public synchronized ClaimUpdate claimUpdate(String subjectAccount, String jwt) {
        boolean full = fullResolver();
        if (!full && (jwt == null || jwt.isEmpty())) {
            return new ClaimUpdate(subjectAccount, "jwt update error", "request body is empty");
        }
        Jwt j;
        try {
            j = Jwt.decode(jwt == null ? "" : jwt.strip());
            if (!"account".equals(j.type())) {
                throw new Jwt.JwtException("not account claim");
            }
        } catch (Jwt.JwtException e) {
            return new ClaimUpdate(full || subjectAccount == null ? "n/a" : subjectAccount,
                    "jwt update resulted in error", e.getMessage());
        }
        String key = j.subject();
        if (subjectAccount != null && !subjectAccount.equals(key)) {
            return new ClaimUpdate(subjectAccount, "jwt update resulted in error", "subject does not match jwt content");
        }
        if (full && strictOperators.contains(j.issuer())) {
            return new ClaimUpdate(key, "jwt update resulted in error", "operator requires issuer to be a signing key");
        }
        Loaded l = loaded.get(key);
        if (!full && l == null) {
            return new ClaimUpdate(key, "jwt update skipped", null);
        }
        JwtClaims.Account c;
        try {
            c = verifyAccount(key, jwt.strip());
        } catch (Jwt.JwtException e) {
            return new ClaimUpdate(key, "jwt update resulted in error", ACCOUNT_VALIDATION_FAILED);
        }
        if (full) {
            try {
                resolver.store(key, jwt.strip());
            } catch (IOException | IllegalArgumentException e) {
                return new ClaimUpdate(key, "jwt update resulted in error", e.getMessage());
            }
        }
        l = loaded.get(key);
        if (l != null) {
            // conn limit, subs/payload limits, revocations, signing keys and expiry apply to new connections
            // through the new claims; exports and imports already wired stay as they were
            l.account.limits((int) Math.max(-1, Math.min(Integer.MAX_VALUE, c.conn())), -1, -1);
            loaded.put(key, new Loaded(l.account, c, jwt.strip()));
        }
        return new ClaimUpdate(key, "jwt updated", null);
    }

    /**
     * A claim update from outside a request (an account JWT for any account): null on success, else the
     * error description.
     */
    public String update(String jwt) {
        ClaimUpdate u = claimUpdate(null, jwt);
        return u.ok() ? null : u.description();
    }

    /** The stored JWT of an account, or null. */
    public String lookupJwt(String accountKey) {
        try {
            String stored = fullResolver() ? resolver.fetch(accountKey) : null;
            if (stored != null) {
                return stored;
            }
            Loaded l = loaded.get(accountKey);
            if (l != null) {
                return l.jwt;
            }
            return resolver == null ? null : resolver.fetch(accountKey);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
