package io.nats4j.server.auth;

import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import java.io.IOException;
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

    /**
     * An account built from its JWT. Claim updates replace {@code claims} and {@code jwt} and re-wire the
     * imports; {@code wired} holds the import subscriptions this account's imports added (lock held).
     */
    static final class Loaded {
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

    final Set<String> trustedKeys = new HashSet<>();
    /** The trusted operator JWTs (not the bare trusted_keys), for the start-up log. */
    private final List<Jwt> operatorJwts = new ArrayList<>();
    /** strict_signing_key_usage: operators whose identity key may not sign accounts. */
    final Set<String> strictOperators = new HashSet<>();
    private final String operatorSystemAccount;
    final AccountResolver resolver;
    private final boolean sublistCache;
    final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    private final Set<String> loading = new HashSet<>();
    private volatile Consumer<String> warn = w -> { };
    volatile AccountListener listener;
    /** resolver_pinned_accounts (with the system account added), or null when not set. */
    private final Set<String> pinnedAccounts;
    /** Users refused because their account is not pinned (/varz pinned_account_fails). */
    private final java.util.concurrent.atomic.AtomicLong pinnedAccountFails = new java.util.concurrent.atomic.AtomicLong();

    /** What this operator mode was built from ({@link #sameSettings}). */
    private final List<Object> settings;

    /**
     * The accounts of the operator mode a config reload replaces, by public key: an account loaded again here
     * is the same object (its subject index with the clients' subscriptions, its connection count).
     */
    private final Map<String, Account> inherited;

    /**
     * @param previous the operator mode a config reload replaces (its accounts are reused), or null
     */
    OperatorMode(AuthOptions ao, boolean sublistCache, List<String> errors, OperatorMode previous) {
        this.sublistCache = sublistCache;
        this.settings = settingsOf(ao, sublistCache);
        Map<String, Account> keep = new java.util.HashMap<>();
        if (previous != null) {
            for (Loaded l : previous.loaded.values()) {
                keep.put(l.account.name(), l.account);
            }
        }
        this.inherited = keep;
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

    private static List<Object> settingsOf(AuthOptions ao, boolean sublistCache) {
        return java.util.Arrays.asList(new ArrayList<>(ao.trustedOperators), new ArrayList<>(ao.trustedKeys),
                ao.resolver == null ? null : ao.resolver.values(), ao.systemAccount, sublistCache);
    }

    /**
     * True when a reload's options configure this operator mode exactly as it is (trusted operators and keys,
     * resolver, system account), and nothing that operator mode refuses: the reload then keeps this instance,
     * with its loaded accounts, resolver and listener, so accounts keep their objects.
     */
    boolean sameSettings(AuthOptions ao, boolean sublistCache) {
        return ao.accounts.isEmpty() && ao.users.isEmpty() && ao.noAuthUser == null
                && settings.equals(settingsOf(ao, sublistCache));
    }

    /**
     * A config reload replaced this operator mode with another (or the reload was not applied, for a new one):
     * every import it wired leaves the subject indexes, so only the operator mode in use delivers.
     */
    synchronized void retire() {
        for (Loaded l : loaded.values()) {
            unwireImports(l);
        }
    }

    /** Users refused since start because their account is not in {@code resolver_pinned_accounts}. */
    public long pinnedAccountFails() {
        return pinnedAccountFails.get();
    }

    /** Told of every account loaded from its JWT (lock held: must only hand the work on, e.g. JetStream's API). */
    private final List<Consumer<Account>> loadListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public void addLoadListener(Consumer<Account> l) {
        loadListeners.add(l);
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
        java.util.function.LongFunction<String> time = GoLocalTime::format;
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
        Account a = inherited.get(key);
        if (a == null || a.isRemoved()) {
            a = new Account(key, sublistCache);
        }
        Loaded l = new Loaded(a, c, jwt);
        applyClaims(l, c);
        loaded.put(key, l);
        wireImports(l);
        for (Consumer<Account> h : loadListeners) {
            h.accept(a);
        }
        return l;
    }

    /** The account-level parts of the claims: connection limit and exports (lock held). */
    static void applyClaims(Loaded l, JwtClaims.Account c) {
        l.account.limits((int) Math.max(-1, Math.min(Integer.MAX_VALUE, c.conn())), -1, -1);
        List<AccountConfig.Export> exports = new ArrayList<>();
        for (JwtClaims.Export e : c.exports()) {
            // token_req exports are private: an import needs an activation token (checked when wiring)
            exports.add(new AccountConfig.Export(e.service(), e.subject(), null, e.responseType(), e.responseThreshold()));
        }
        l.account.replaceExports(exports);
        l.account.jetStreamLimits(c.jetStream());
    }

    /** Wires every import of the account's current claims (lock held). */
    void wireImports(Loaded l) {
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
    static void unwireImports(Loaded l) {
        for (WiredImport w : l.wired) {
            w.sub().closed = true;
            w.account().unsubscribe(w.sub());
        }
        l.wired.clear();
    }

    /** Re-wires the imports of every loaded account (other than {@code changed}) importing from it (lock held). */
    void rewireImporters(String changed) {
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

    /** Users (user JWTs) authenticate here: see {@link OperatorUsers}. */
    private final OperatorUsers users = new OperatorUsers(this);

    /**
     * nats-server's JWT client authentication ({@link OperatorUsers#authenticate}). {@code mayFetch} false: an
     * account that is not loaded is refused rather than fetched from the resolver.
     */
    Accounts.AuthResult authenticate(ConnectOptions co, String nonce, String clientIp, boolean mayFetch) {
        return users.authenticate(co, nonce, clientIp, mayFetch);
    }

    /** resolver_pinned_accounts, or null when not set. */
    Set<String> pinnedAccounts() {
        return pinnedAccounts;
    }

    /** Counts a user refused because its account is not pinned. */
    void pinnedAccountRefused() {
        pinnedAccountFails.incrementAndGet();
    }

    // ---------------------------------------------------------------- updates ($SYS claim requests)

    private final AccountJwtUpdates jwtUpdates = new AccountJwtUpdates(this);

    /** Claim updates, lookups, lists and deletes ({@code $SYS} requests). */
    public AccountJwtUpdates jwtUpdates() {
        return jwtUpdates;
    }

}
