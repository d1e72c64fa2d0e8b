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

    /**
     * An account built from its JWT. Claim updates replace {@code claims} and {@code jwt} and re-wire the
     * imports; {@code wired} holds the import subscriptions this account's imports added (lock held).
     */
    private static final class Loaded {
        final Account account;
        volatile JwtClaims.Account claims;
        volatile String jwt;
        final List<WiredImport> wired = new ArrayList<>();

        Loaded(Account account, JwtClaims.Account claims, String jwt) {
            this.account = account;
            this.claims = claims;
            this.jwt = jwt;
        }
    }

    /** One import subscription: in the exporter's sublist (streams) or the importer's (services). */
    private record WiredImport(Account account, Subscription sub) {
    }

    /**
     * What the server does with the live clients of an account whose JWT changed or was deleted (nats-server's
     * updateAccountClaims and the full resolver's delete callback act on every client of the account).
     */
    public interface AccountListener {
        /** The account's claims went from {@code old} to {@code neu}: limits, revocations and signers apply. */
        void accountUpdated(Account account, JwtClaims.Account old, JwtClaims.Account neu);

        /** The account's JWT was deleted: its clients are disconnected as if the account expired. */
        void accountDeleted(Account account);
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
    private volatile AccountListener listener;
    /** resolver_pinned_accounts (with the system account added), or null when not set. */
    private final Set<String> pinnedAccounts;
    /** Users refused because their account is not pinned (/varz pinned_account_fails). */
    private final java.util.concurrent.atomic.AtomicLong pinnedAccountFails = new java.util.concurrent.atomic.AtomicLong();

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
        } else if (ro.type == ResolverOptions.Type.FULL || ro.type == ResolverOptions.Type.CACHE) {
            if (ro.dir == null) {
                errors.add("resolver: " + (ro.type == ResolverOptions.Type.CACHE ? "cache" : "full") + " requires a dir");
            } else {
                try {
                    r = ro.type == ResolverOptions.Type.CACHE
                            ? AccountResolver.Directory.cache(ro.dir, ro.limit, ro.ttl)
                            : new AccountResolver.Directory(ro.dir, ro.allowDelete, ro.hardDelete, ro.limit);
                    for (Map.Entry<String, String> e : ro.preload.entrySet()) {
                        if (r.fetch(e.getKey()) == null) {
                            r.store(e.getKey(), e.getValue());
                        }
                    }
                } catch (IOException | IllegalArgumentException e) {
                    errors.add("resolver dir " + ro.dir + ": " + e.getMessage());
                }
            }
        } else if (ro.type == ResolverOptions.Type.URL) {
            if (!ro.preload.isEmpty()) {
                errors.add("resolver preloads only available for writeable resolver types MEM/DIR/CACHE_DIR");
            }
            try {
                AccountResolver.Url u = new AccountResolver.Url(ro.url);
                u.check();
                r = u;
            } catch (IOException | IllegalArgumentException e) {
                errors.add(e.getMessage());
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
        Set<String> pinned = null;
        if (ro != null && !ro.pinnedAccounts.isEmpty()) {
            pinned = new HashSet<>();
            for (String k : ro.pinnedAccounts) {
                if (!NKeys.isValidAccountKey(k)) {
                    errors.add("pinned account key \"" + k + "\" is not a valid public account nkey");
                }
                pinned.add(k);
            }
            // nats-server: the system account (of the config or the operator) can always connect
            if (ao.systemAccount != null) {
                pinned.add(ao.systemAccount);
            } else if (sys != null) {
                pinned.add(sys);
            }
        }
        pinnedAccounts = pinned;
    }

    /** Users refused since start because their account is not in {@code resolver_pinned_accounts}. */
    public long pinnedAccountFails() {
        return pinnedAccountFails.get();
    }

    /** Who acts on the live clients of updated and deleted accounts (the server). */
    public void accountListener(AccountListener l) {
        this.listener = l;
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
        java.util.function.LongFunction<String> time = OperatorMode::goLocalTime;
        notice.accept("Trusted Operators");
        for (Jwt j : operatorJwts) {
            notice.accept("  System  : " + Accounts.goQuote(j.claims().path("aud").asText("")));
            notice.accept("  Operator: " + Accounts.goQuote(j.name()));
            notice.accept("  Issued  : " + time.apply(j.issuedAt()));
            notice.accept("  Expires : " + (j.expires() > 0 ? time.apply(j.expires()) : "Never"));
        }
    }

    /**
     * Go's {@code time.Time.String()} of a Unix time in the local zone, as nats-server prints JWT dates:
     * {@code 2006-01-02 15:04:05 -0700 MST}. On a machine running in UTC (containers, most servers) it is built
     * directly: the general path's zone rules and zone names take a fresh JVM tens of milliseconds to load.
     */
    static String goLocalTime(long epochSeconds) {
        java.util.TimeZone tz = java.util.TimeZone.getDefault();
        String id = tz.getID();
        if (tz.getRawOffset() == 0 && !tz.useDaylightTime()
                && (id.equals("UTC") || id.equals("Etc/UTC") || id.equals("Etc/Universal") || id.equals("Universal")
                        || id.equals("Etc/Zulu") || id.equals("Zulu"))) {
            java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(epochSeconds, 0, java.time.ZoneOffset.UTC);
            StringBuilder sb = new StringBuilder(32);
            pad(sb, t.getYear(), 4).append('-');
            pad(sb, t.getMonthValue(), 2).append('-');
            pad(sb, t.getDayOfMonth(), 2).append(' ');
            pad(sb, t.getHour(), 2).append(':');
            pad(sb, t.getMinute(), 2).append(':');
            return pad(sb, t.getSecond(), 2).append(" +0000 UTC").toString();
        }
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z")
                .format(java.time.Instant.ofEpochSecond(epochSeconds).atZone(ZoneId.systemDefault()));
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String d = Integer.toString(v);
        for (int i = d.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(d);
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

    /**
     * The account a client's CONNECT needs that is not loaded yet and would come from a remote resolver (a network
     * round trip, up to its timeout); null when there is none, or when the account is known, local, or not
     * worth a fetch (no user JWT, a malformed one, not an account key). Nothing is verified here:
     * {@link #authenticate} does that once the account is loaded.
     */
    String accountToFetch(ConnectOptions co) {
        AccountResolver r = resolver;
        if (r == null || !r.remote() || co.jwt == null || co.jwt.isEmpty()) {
            return null;
        }
        try {
            JwtClaims.User uc = JwtClaims.user(Jwt.decode(co.jwt));
            String key = uc.issuerAccount() != null ? uc.issuerAccount() : uc.issuer();
            return key != null && NKeys.isValidAccountKey(key) && !loaded.containsKey(key) ? key : null;
        } catch (Jwt.JwtException | RuntimeException e) {
            return null;
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
        JwtClaims.Account c = JwtClaims.account(j);
        String bad = c.authorization() == null ? null : c.authorization().validationIssue();
        if (bad != null) {
            // an auth callout that cannot be honoured must not leave the account open: the account is refused
            throw new Jwt.JwtException("authorization: " + bad);
        }
        return c;
    }

    /**
     * The auth callout of the account a client authenticated into, when that client must go through it: the
     * account JWT's {@code authorization} is enabled and the user is not one of its {@code auth_users}
     * (nats-server's hasExternalAuth and isExternalAuthUser). Null otherwise. Read from the account's current
     * claims, so an account JWT update applies to the next connections.
     */
    public JwtClaims.ExternalAuth calloutFor(Accounts.AuthResult r) {
        if (r == null || r.failed() || r.user() == null || r.user().nkey() == null) {
            return null;
        }
        JwtClaims.Account ac = claims(r.account().name());
        JwtClaims.ExternalAuth ea = ac == null ? null : ac.authorization();
        return ea != null && ea.enabled() && !ea.isAuthUser(r.user().nkey()) ? ea : null;
    }

    /** Builds the account from a verified JWT and wires its imports (lock held). */
    private Loaded install(String key, String jwt) throws Jwt.JwtException {
        JwtClaims.Account c = verifyAccount(key, jwt);
        Account a = new Account(key, sublistCache);
        Loaded l = new Loaded(a, c, jwt);
        applyClaims(l, c);
        loaded.put(key, l);
        wireImports(l);
        return l;
    }

    /** The account-level parts of the claims: connection limit and exports (lock held). */
    private static void applyClaims(Loaded l, JwtClaims.Account c) {
        l.account.limits((int) Math.max(-1, Math.min(Integer.MAX_VALUE, c.conn())), -1, -1);
        List<AccountConfig.Export> exports = new ArrayList<>();
        for (JwtClaims.Export e : c.exports()) {
            // token_req exports are private: an import needs an activation token (checked when wiring)
            exports.add(new AccountConfig.Export(e.service(), e.subject(), null, e.responseType(), e.responseThreshold()));
        }
        l.account.replaceExports(exports);
    }

    /** Wires every import of the account's current claims (lock held). */
    private void wireImports(Loaded l) {
        JwtClaims.Account c = l.claims;
        for (JwtClaims.Import im : c.imports()) {
            String problem = wireImport(l, c, im);
            if (problem != null) {
                warn.accept("Error adding " + (im.service() ? "service" : "stream") + " import \"" + im.subject()
                        + "\" to account \"" + c.publicKey() + "\": " + problem);
            }
        }
    }

    /** Removes the import subscriptions the account's imports added (lock held). */
    private static void unwireImports(Loaded l) {
        for (WiredImport w : l.wired) {
            w.sub().closed = true;
            w.account().unsubscribe(w.sub());
        }
        l.wired.clear();
    }

    /** Re-wires the imports of every loaded account (other than {@code changed}) importing from it (lock held). */
    private void rewireImporters(String changed) {
        for (Loaded other : new ArrayList<>(loaded.values())) {
            if (other.claims.publicKey().equals(changed)) {
                continue;
            }
            for (JwtClaims.Import im : other.claims.imports()) {
                if (im.account().equals(changed)) {
                    unwireImports(other);
                    wireImports(other);
                    break;
                }
            }
        }
    }

    /** Wires one import as an internal subscription; returns the problem or null. */
    private String wireImport(Loaded il, JwtClaims.Account ic, JwtClaims.Import im) {
        Account importer = il.account;
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
                Subscription sub = new Subscription(relay, local, null, new byte[0]);
                importer.subscribe(sub);
                il.wired.add(new WiredImport(importer, sub));
            } else {
                SubjectMapping m;
                if (im.localSubject() != null && !im.localSubject().isEmpty()) {
                    m = SubjectMapping.map(im.subject(), im.localSubject());
                } else if (im.to() != null && !im.to().isEmpty()) {
                    m = SubjectMapping.prefix(im.to()); // v1's "to" on a stream import is a prefix
                } else {
                    m = SubjectMapping.identity();
                }
                Subscription sub = new Subscription(new StreamImport(importer, m), im.subject(), null, new byte[0]);
                exporter.subscribe(sub);
                il.wired.add(new WiredImport(exporter, sub));
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
     * failure's text says why, for the debug log. {@code mayFetch} false: an account that is not loaded is refused
     * rather than fetched from the resolver.
     */
    Accounts.AuthResult authenticate(ConnectOptions co, String nonce, String clientIp, boolean mayFetch) {
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
        Set<String> pinned = pinnedAccounts;
        if (pinned != null && !pinned.contains(accountKey)) {
            pinnedAccountFails.incrementAndGet();
            return Accounts.AuthResult.failure("Account " + accountKey + " not listed as operator pinned account");
        }
        Account acc = mayFetch ? lookup(accountKey) : loadedAccount(accountKey);
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
            try {
                limits = UserScopeTemplate.apply(scope, uc, ac);
            } catch (UserScopeTemplate.InvalidTemplate e) {
                return Accounts.AuthResult.failure("User JWT generated invalid permissions");
            }
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
        if (ac.authorization() != null && ac.authorization().enabled()) {
            // as nats-server: nobody in an auth callout account may publish requests as if it were the server
            p = Accounts.withCalloutDeny(p);
        }
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
    static int minLimit(long user, long account) {
        long v = user;
        if (v == Jwt.NO_LIMIT || (account != Jwt.NO_LIMIT && account < v)) {
            v = account;
        }
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, v));
    }

    /** Account default permissions, each part replaced by the user's own when the user has one. */
    static Permissions mergedPermissions(Permissions account, Permissions user) {
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
        return resolver instanceof AccountResolver.Directory d && !d.isCache();
    }

    /** True for the {@code cache} resolver: a directory that keeps the JWTs of accounts in use. */
    public boolean cacheResolver() {
        return resolver instanceof AccountResolver.Directory d && d.isCache();
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
        boolean cache = cacheResolver();
        // nats-server's CacheDirAccResolver words its answers with "cache"
        String update = cache ? "jwt update cache" : "jwt update";
        String failed = update + " resulted in error";
        if (!full && !cache && (jwt == null || jwt.isEmpty())) {
            return new ClaimUpdate(subjectAccount, "jwt update error", "request body is empty");
        }
        Jwt j;
        try {
            j = Jwt.decode(jwt == null ? "" : jwt.strip());
            if (!"account".equals(j.type())) {
                throw new Jwt.JwtException("not account claim");
            }
        } catch (Jwt.JwtException e) {
            return new ClaimUpdate(subjectAccount == null || (full && !cache) ? "n/a" : subjectAccount, failed, e.getMessage());
        }
        String key = j.subject();
        if (subjectAccount != null && !subjectAccount.equals(key)) {
            return new ClaimUpdate(subjectAccount, failed, "subject does not match jwt content");
        }
        if ((full || cache) && strictOperators.contains(j.issuer())) {
            return new ClaimUpdate(key, failed, "operator requires issuer to be a signing key");
        }
        Loaded l = loaded.get(key);
        if (!full && l == null) {
            return new ClaimUpdate(key, update + " skipped", null);
        }
        JwtClaims.Account c;
        try {
            c = verifyAccount(key, jwt.strip());
        } catch (Jwt.JwtException e) {
            return new ClaimUpdate(key, failed, ACCOUNT_VALIDATION_FAILED);
        }
        if (full || cache) {
            try {
                resolver.store(key, jwt.strip());
            } catch (IOException | IllegalArgumentException e) {
                return new ClaimUpdate(key, failed, e.getMessage());
            }
        }
        l = loaded.get(key);
        if (l != null) {
            JwtClaims.Account old = l.claims;
            reapply(l, c, jwt.strip());
            AccountListener al = listener;
            if (al != null) {
                al.accountUpdated(l.account, old, c);
            }
        }
        return new ClaimUpdate(key, cache ? "jwt updated cache" : "jwt updated", null);
    }

    /**
     * nats-server's updateAccountClaims for a loaded account: the connection limit, exports and imports of the
     * new claims replace the old ones (import subscriptions of this account and of the accounts importing
     * from it are removed and wired again, so a removed export stops delivering and a new import starts);
     * revocations, signing keys, default permissions and user limits are read from the claims at each
     * connect and by {@link #recheck} for the live clients (lock held).
     */
    private void reapply(Loaded l, JwtClaims.Account c, String jwt) {
        l.claims = c;
        l.jwt = jwt;
        applyClaims(l, c);
        unwireImports(l);
        wireImports(l);
        rewireImporters(c.publicKey());
    }

    /** What happens to a live client after its account's JWT changed. */
    public enum Verdict {
        /** Stays, with {@link Recheck#limits()} re-applied. */
        KEEP,
        /** nats-server: "User Authentication Revoked", closed as Credentials Revoked. */
        REVOKED,
        /** A bearer token the account now refuses: "Authorization Violation". */
        BEARER_REFUSED,
        /** Its signing key was removed or its scope changed: closed without an error (Authentication Failure). */
        SIGNER_CHANGED
    }

    public record Recheck(Verdict verdict, Accounts.ConnectionLimits limits) {
    }

    /**
     * nats-server's per-client part of updateAccountClaims: revocation and bearer checks against the new claims
     * and, when the account's signing keys changed, eviction of users whose signing key is gone or whose
     * scope changed. {@code co} is the client's CONNECT (its user JWT).
     */
    public Recheck recheck(ConnectOptions co, JwtClaims.Account old, JwtClaims.Account neu) {
        if (co == null || co.jwt == null || co.jwt.isEmpty()) {
            return new Recheck(Verdict.KEEP, null);
        }
        JwtClaims.User uc;
        try {
            uc = JwtClaims.user(Jwt.decode(co.jwt));
        } catch (Jwt.JwtException e) {
            return new Recheck(Verdict.BEARER_REFUSED, null);
        }
        if (uc.limits().bearerToken() && neu.disallowBearer()) {
            return new Recheck(Verdict.BEARER_REFUSED, null);
        }
        if (neu.isRevoked(uc.publicKey(), uc.issuedAt())) {
            return new Recheck(Verdict.REVOKED, null);
        }
        String signer = uc.issuerAccount() != null ? uc.issuer() : null;
        if (signer != null && signersChanged(old, neu)) {
            JwtClaims.UserLimits before = old.scopedSigningKeys().get(signer);
            JwtClaims.UserLimits after = neu.scopedSigningKeys().get(signer);
            if (!neu.hasIssuer(signer) || (before != null && !before.equals(after))) {
                return new Recheck(Verdict.SIGNER_CHANGED, null);
            }
        }
        JwtClaims.UserLimits limits = uc.limits();
        JwtClaims.UserLimits scope = signer == null ? null : neu.scopedSigningKeys().get(signer);
        if (scope != null) {
            try {
                limits = UserScopeTemplate.apply(scope, uc, neu);
            } catch (UserScopeTemplate.InvalidTemplate e) {
                return new Recheck(Verdict.SIGNER_CHANGED, null);
            }
        }
        return new Recheck(Verdict.KEEP, new Accounts.ConnectionLimits(minLimit(limits.subs(), neu.subs()),
                minLimit(limits.payload(), neu.payload()), 0, null));
    }

    private static boolean signersChanged(JwtClaims.Account old, JwtClaims.Account neu) {
        return !new HashSet<>(old.signingKeys()).equals(new HashSet<>(neu.signingKeys()))
                || !old.scopedSigningKeys().equals(neu.scopedSigningKeys());
    }

    // ---------------------------------------------------------------- list and delete (full resolver)

    /**
     * {@code $SYS.REQ.CLAIMS.LIST}: the public keys of the account JWTs in the full resolver's directory, in
     * file name order, without expired ones (nats-server's handleListRequest over PackWalk).
     */
    public List<String> listAccounts() throws IOException {
        if (!(resolver instanceof AccountResolver.Directory d)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        long now = nowSeconds();
        for (String key : d.keys()) {
            String jwt = d.peek(key);
            if (jwt == null) {
                continue;
            }
            try {
                if (Jwt.decode(jwt).isExpired(now)) {
                    continue;
                }
            } catch (Jwt.JwtException e) {
                // nats-server lists a JWT it cannot decode
            }
            out.add(key);
        }
        return out;
    }

    /**
     * {@code $SYS.REQ.CLAIMS.DELETE}: a generic claims JWT, self-signed by the operator or one of its signing
     * keys, with {@code nats.accounts} listing the accounts to delete (nats-server's handleDeleteRequest).
     * Needs {@code allow_delete}; the system account cannot be deleted. A deleted account that is loaded
     * loses its imports (and the accounts importing from it theirs) and its clients are disconnected.
     * {@code systemAccount} is the server's system account name.
     */
    public synchronized ClaimUpdate claimDelete(String request, String systemAccount) {
        String subject = "";
        String problem = null;
        List<String> keys = new ArrayList<>();
        try {
            Jwt j = Jwt.decode(request == null ? "" : request.strip());
            subject = j.subject();
            com.fasterxml.jackson.databind.JsonNode list = j.nats().get("accounts");
            if (!(resolver instanceof AccountResolver.Directory d) || !d.allowsDelete()) {
                problem = "delete must be enabled in server config";
            } else if (!subject.equals(j.issuer())) {
                problem = "not self signed";
            } else if (!trustedKeys.contains(j.issuer()) || strictOperators.contains(j.issuer())) {
                problem = "not trusted";
            } else if (list == null || !list.isArray()) {
                problem = "malformed request";
            } else {
                for (com.fasterxml.jackson.databind.JsonNode n : list) {
                    if (!n.isTextual() || !NKeys.isValidAccountKey(n.asText())) {
                        problem = "malformed request";
                        break;
                    }
                    if (n.asText().equals(systemAccount)) {
                        problem = "not allowed to delete system account";
                        break;
                    }
                    keys.add(n.asText());
                }
            }
        } catch (Jwt.JwtException e) {
            problem = e.getMessage();
        }
        if (problem != null) {
            return new ClaimUpdate(null, "delete accounts request by " + subject + " failed", problem);
        }
        List<String> errs = new ArrayList<>();
        int passed = 0;
        for (String key : keys) {
            try {
                if (resolver.fetch(key) != null) {
                    resolver.delete(key);
                    deleted(key);
                }
                passed++;
            } catch (IOException | IllegalArgumentException e) {
                errs.add(String.valueOf(e.getMessage()));
            }
        }
        if (errs.isEmpty()) {
            return new ClaimUpdate(null, "deleted " + passed + " accounts", null);
        }
        return new ClaimUpdate(null, "deleted " + passed + " accounts, failed for " + errs.size(), String.join("\n", errs));
    }

    /** An account's JWT is gone: unload it, unwire its imports and re-wire its importers (lock held). */
    private void deleted(String key) {
        Loaded l = loaded.remove(key);
        if (l == null) {
            return;
        }
        l.account.limits(0, -1, -1);
        unwireImports(l);
        rewireImporters(key);
        AccountListener al = listener;
        if (al != null) {
            al.accountDeleted(l.account);
        }
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
