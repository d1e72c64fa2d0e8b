package io.nats4j.server.auth;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.tls.TlsIdentity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's accounts and users, built once at start from the options: accounts with their exports and
 * imports wired as internal subscriptions, users by name and by nkey with their compiled permissions, and
 * the client authentication rules of nats-server's configuration mode (no JWT).
 */
public final class Accounts {

    /**
     * An authentication outcome: who, in which account, with which permissions (null = all allowed) and
     * per-connection limits (null = none beyond the server's and account's); or, when {@link #failed()},
     * why not ({@code error}, for the log).
     */
    public record AuthResult(User user, Account account, CompiledPermissions permissions, ConnectionLimits limits,
            String error) {

        public AuthResult(User user, Account account, CompiledPermissions permissions) {
            this(user, account, permissions, null, null);
        }

        static AuthResult failure(String error) {
            return new AuthResult(null, null, null, null, error);
        }

        public boolean failed() {
            return account == null;
        }
    }

    /**
     * Limits of one connection from its user JWT: subscriptions and payload (-1 = no limit from the JWT;
     * they already include the account's), and when the authentication expires (epoch millis, 0 = never)
     * with the error text the client then gets.
     */
    public record ConnectionLimits(int maxSubscriptions, int maxPayload, long expiresAtMillis, String expiredError) {
    }

    private record UserEntry(User user, Account account, CompiledPermissions permissions) {
    }

    private final Map<String, Account> byName = new LinkedHashMap<>();
    private final Account global;
    private final Account system;
    private final Map<String, UserEntry> usersByName = new HashMap<>();
    private final Map<String, UserEntry> usersByNkey = new HashMap<>();
    private final String token;
    private final String singleUser;
    private final String singlePass;
    private final UserEntry noAuthUser;
    private final boolean authRequired;
    /** The import relays this instance inserted (removed again when a reload replaces it). */
    private final List<Wired> importSubs = new ArrayList<>();
    /** Operator (JWT) mode, or null in configuration mode. */
    private final OperatorMode operator;
    /** True when this instance built {@link #operator} (false when a reload kept the running one). */
    private final boolean ownsOperator;
    /** tls { verify_and_map }: with users configured, the client certificate names the user. */
    private final boolean tlsMap;
    /** authorization { auth_callout }, or null. */
    private final AuthCalloutOptions callout;
    /** The account the callout requests go to (the service's), or null without a callout. */
    private final Account calloutAccount;

    private record Wired(Account account, Subscription sub) {
    }

    /**
     * The configured limits and exports of an account, applied to its object when this instance goes live
     * ({@link #commit()}): an account kept from the running configuration must not change before then.
     */
    private record Settings(int maxConnections, int maxSubscriptions, int maxPayload, List<AccountConfig.Export> exports) {
        static final Settings NONE = new Settings(-1, -1, -1, List.of());
    }

    /** The accounts of the configuration this one replaces, by name (a reload keeps their objects); else empty. */
    private final Map<String, Account> inherited = new HashMap<>();
    /** What {@link #commit()} applies to each account of {@link #byName}. */
    private final Map<Account, Settings> settings = new HashMap<>();

    private Accounts(ServerOptions o, Accounts previous) throws IllegalArgumentException {
        AuthOptions ao = o.auth;
        List<String> errors = new ArrayList<>();
        if (previous != null) {
            inherited.putAll(previous.byName);
        }
        global = newAccount(Account.GLOBAL, o);
        byName.put(Account.GLOBAL, global);
        for (AccountConfig ac : ao.accounts) {
            if (byName.containsKey(ac.name)) {
                errors.add("Duplicate Account Entry: " + ac.name);
                continue;
            }
            Account a = newAccount(ac.name, o);
            a.jetStreamLimits(ac.jetStream);
            settings.put(a, new Settings(ac.maxConnections, ac.maxSubscriptions, ac.maxPayload, List.copyOf(ac.exports)));
            byName.put(ac.name, a);
        }
        // operator mode: the running one stays (its loaded accounts, resolver and listener) unless its own
        // settings changed
        OperatorMode running = previous == null ? null : previous.operator;
        boolean keepOperator = ao.operatorMode() && running != null && running.sameSettings(ao, !o.noSublistCache);
        operator = !ao.operatorMode() ? null : keepOperator ? running : new OperatorMode(ao, !o.noSublistCache, errors, running);
        ownsOperator = operator != null && !keepOperator;
        if (ao.noSystemAccount) {
            system = null;
        } else if (operator != null) {
            // operator mode: the system account is an account public key (config, else the operator JWT's)
            String sysName = ao.systemAccount != null ? ao.systemAccount
                    : operator.operatorSystemAccount() != null ? operator.operatorSystemAccount() : AuthOptions.DEFAULT_SYSTEM_ACCOUNT;
            Account sys = errors.isEmpty() ? operator.lookup(sysName) : null;
            system = sys != null ? sys : byName.computeIfAbsent(sysName, n -> newAccount(n, o));
        } else {
            String sysName = ao.systemAccount != null ? ao.systemAccount : AuthOptions.DEFAULT_SYSTEM_ACCOUNT;
            if (ao.systemAccount != null && !byName.containsKey(sysName)) {
                errors.add("system account \"" + sysName + "\" not defined");
            }
            system = byName.computeIfAbsent(sysName, n -> newAccount(n, o));
        }
        // users: authorization users (global unless they name an account), then account users
        List<User> all = new ArrayList<>();
        for (User u : ao.users) {
            all.add(u.permissions() == null && ao.defaultPermissions != null ? u.withPermissions(ao.defaultPermissions) : u);
        }
        for (AccountConfig ac : ao.accounts) {
            for (User u : ac.users) {
                Permissions p = u.permissions() != null ? u.permissions()
                        : ac.defaultPermissions != null ? ac.defaultPermissions : ao.defaultPermissions;
                all.add(u.withPermissions(p).inAccount(ac.name));
            }
        }
        callout = ao.authCallout;
        if (callout != null && operator != null) {
            // operator mode configures its callout in the account JWT (nats.authorization), not here
            errors.add("auth_callout in the configuration is not supported with operators by nats4j:"
                    + " enable it in the callout account's JWT (nats.authorization)");
        }
        calloutAccount = callout == null ? null : byName.get(callout.account());
        if (callout != null && calloutAccount == null) {
            errors.add("Authorization callout account \"" + callout.account() + "\" not valid");
        }
        for (User u : all) {
            Account a = u.account() == null ? global : byName.get(u.account());
            if (a == null) {
                errors.add("Account \"" + u.account() + "\" for user \"" + u.displayName() + "\" not found");
                continue;
            }
            if (a == calloutAccount) {
                // as nats-server: nobody in the callout account may publish requests as if it were the server
                u = u.withPermissions(withCalloutDeny(u.permissions()));
            }
            CompiledPermissions cp = null;
            if (u.permissions() != null) {
                String bad = CompiledPermissions.validate(u.permissions());
                if (bad != null) {
                    errors.add(bad);
                    continue;
                }
                cp = new CompiledPermissions(u.permissions());
            }
            UserEntry e = new UserEntry(u, a, cp);
            if (u.nkey() != null) {
                if (!NKeys.isValidUserKey(u.nkey())) {
                    errors.add("Not a valid public nkey for a user");
                } else if (usersByNkey.put(u.nkey(), e) != null) {
                    errors.add("Duplicate nkey \"" + u.nkey() + "\" detected");
                }
            } else if (usersByName.put(u.username(), e) != null) {
                errors.add("Duplicate user \"" + u.username() + "\" detected");
            }
        }
        token = o.authorizationToken;
        singleUser = o.username;
        singlePass = o.password;
        if ((singleUser != null || singlePass != null) && token != null) {
            errors.add("Cannot have a user/pass and token");
        }
        if ((singleUser != null || token != null) && (!usersByName.isEmpty() || !usersByNkey.isEmpty())) {
            errors.add(token != null ? "Can not have a token and a users array" : "Can not have a single user/pass and a users array");
        }
        if (ao.noAuthUser != null) {
            UserEntry e = usersByName.get(ao.noAuthUser);
            if (e == null) {
                e = usersByNkey.get(ao.noAuthUser);
            }
            if (e == null) {
                errors.add("no_auth_user: \"" + ao.noAuthUser + "\" not present as user or nkey in authorization block or account configuration");
            }
            noAuthUser = e;
        } else {
            noAuthUser = null;
        }
        tlsMap = o.tls != null && o.tls.map;
        if (operator != null && (token != null || singleUser != null)) {
            errors.add("operators do not allow users to be configured directly");
        }
        if (callout != null) {
            for (String name : callout.authUsers()) {
                if (!usersByName.containsKey(name) && !usersByNkey.containsKey(name)) {
                    errors.add("Authorization callout user \"" + name + "\" not valid");
                }
            }
        }
        authRequired = operator != null || callout != null || token != null || singleUser != null
                || !usersByName.isEmpty() || !usersByNkey.isEmpty();
        if (errors.isEmpty()) {
            wireImports(ao, errors);
        }
        if (!errors.isEmpty()) {
            abandon(); // a failed reload must leave the running accounts' sublists as they were
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        if (previous == null) {
            commit(); // nothing runs yet: the accounts take their settings now
        }
    }

    /** Builds the accounts and users of {@code o}; throws IllegalArgumentException listing every problem. */
    public static Accounts build(ServerOptions o) {
        return new Accounts(o, null);
    }

    /**
     * Rebuilds for a config reload: accounts that exist in {@code previous} are the same {@link Account}
     * objects (their subject index with every client and internal subscription, their connection count and
     * whatever else lives in them); their new limits and exports apply when the reload is published. Nothing
     * in {@code previous} changes until {@link #replaced(Accounts)} is called with the result, so a failed
     * build leaves it running; a result that is not used must be {@link #abandon() abandoned}.
     */
    public static Accounts rebuild(ServerOptions o, Accounts previous) {
        return new Accounts(o, previous);
    }

    /**
     * Completes a reload that produced {@code next}: the import relays wired by this (old) instance leave the
     * shared sublists, so only {@code next}'s imports deliver from now on; the accounts kept take their new
     * limits and exports; the accounts {@code next} no longer has are marked removed.
     */
    public void replaced(Accounts next) {
        unwireImports();
        if (operator != null && next.operator != operator) {
            operator.retire();
        }
        next.commit();
        for (Account a : byName.values()) {
            if (next.byName.get(a.name()) != a) {
                a.markRemoved();
            }
        }
    }

    /** Takes this instance's import relays out of the sublists (a reload that failed or was not applied). */
    public void abandon() {
        unwireImports();
        if (ownsOperator) {
            operator.retire();
        }
    }

    private void unwireImports() {
        for (Wired w : importSubs) {
            w.sub().closed = true;
            w.account().unsubscribe(w.sub());
        }
        importSubs.clear();
    }

    /** Applies the configured limits and exports to the account objects. */
    private void commit() {
        for (Account a : byName.values()) {
            Settings st = settings.getOrDefault(a, Settings.NONE);
            a.limits(st.maxConnections(), st.maxSubscriptions(), st.maxPayload());
            a.replaceExports(st.exports());
        }
    }

    /** The account object for {@code name}: the running one on a reload when it still exists, else a new one. */
    private Account newAccount(String name, ServerOptions o) {
        Account a = inherited.get(name);
        return a != null ? a : new Account(name, !o.noSublistCache);
    }

    /** The exports {@code a} will have once this instance is committed. */
    private List<AccountConfig.Export> exportsOf(Account a) {
        return settings.getOrDefault(a, Settings.NONE).exports();
    }

    private void wireImports(AuthOptions ao, List<String> errors) {
        for (AccountConfig ac : ao.accounts) {
            Account importer = byName.get(ac.name);
            for (AccountConfig.Import im : ac.imports) {
                Account exporter = byName.get(im.account());
                String kind = im.service() ? "service" : "stream";
                if (exporter == null) {
                    errors.add("Error adding " + kind + " import \"" + im.subject() + "\": account \"" + im.account() + "\" not found");
                    continue;
                }
                if (!Subjects.isValidSubject(im.subject())) {
                    errors.add("Error adding " + kind + " import \"" + im.subject() + "\": invalid subject");
                    continue;
                }
                AccountConfig.Export ex = Account.exportFor(exportsOf(exporter), im.service(), im.subject(), ac.name);
                if (ex == null) {
                    errors.add("Error adding " + kind + " import \"" + im.subject() + "\": " + kind + " import not authorized");
                    continue;
                }
                try {
                    if (im.service()) {
                        String local = im.to() != null ? im.to() : im.subject();
                        SubjectMapping m = local.equals(im.subject()) ? SubjectMapping.identity() : SubjectMapping.map(local, im.subject());
                        AccountConfig.ResponseType rt = ex.responseType() == null ? AccountConfig.ResponseType.SINGLETON : ex.responseType();
                        ServiceImport relay = new ServiceImport(importer, exporter, m, rt, ex.responseThreshold());
                        wire(importer, new Subscription(relay, local, null, new byte[0]));
                    } else {
                        SubjectMapping m = im.prefix() != null ? SubjectMapping.prefix(im.prefix())
                                : im.to() != null ? SubjectMapping.map(im.subject(), im.to()) : SubjectMapping.identity();
                        wire(exporter, new Subscription(new StreamImport(importer, m), im.subject(), null, new byte[0]));
                    }
                } catch (IllegalArgumentException e) {
                    errors.add("Error adding " + kind + " import \"" + im.subject() + "\": " + e.getMessage());
                }
            }
        }
    }

    private void wire(Account a, Subscription s) {
        a.subscribe(s);
        importSubs.add(new Wired(a, s));
    }

    /** True when clients must authenticate (INFO auth_required). */
    public boolean authRequired() {
        return authRequired;
    }

    /** True when INFO carries a nonce for nkey signatures. */
    public boolean nonceRequired() {
        return operator != null || !usersByNkey.isEmpty();
    }

    /** authorization { auth_callout }, or null. */
    public AuthCalloutOptions callout() {
        return callout;
    }

    /** The account of the auth callout service (where requests are published), or null without a callout. */
    public Account calloutAccount() {
        return calloutAccount;
    }

    /**
     * In operator mode with a remote ({@code URL(...)}) resolver: the account this CONNECT's user JWT belongs to,
     * when it is not loaded yet; null otherwise. The client waits for {@link #fetchAccount} to finish off the
     * event loop, then authenticates as usual.
     */
    public String accountToFetch(ConnectOptions co) {
        return operator == null ? null : operator.accountToFetch(co);
    }

    /**
     * Authenticates a CONNECT whose account was just fetched by {@link #fetchAccount} on another thread: an
     * account that is still not loaded (the fetch failed) is refused here, not fetched a second time on the
     * event loop.
     */
    public AuthResult authenticateFetched(ConnectOptions co, String nonce, TlsIdentity tlsIdentity, String clientIp) {
        if (operator != null) {
            return operator.authenticate(co, nonce, clientIp, false);
        }
        return authenticate(co, nonce, tlsIdentity, clientIp);
    }

    /**
     * Loads {@code accountKey} from the resolver if it is not loaded yet (any thread: for a remote resolver the
     * server calls it off the event loops). A failure is logged as at connect time and leaves the account unknown.
     */
    public void fetchAccount(String accountKey) {
        if (operator != null) {
            operator.lookup(accountKey);
        }
    }

    /**
     * True when this CONNECT is decided by the auth callout: one is configured and the client is not one of
     * its {@code auth_users} (nats-server compares the raw user: the nkey, else the user name, else the token;
     * a client without credentials is its {@code no_auth_user}). Those authenticate as configured.
     */
    public boolean needsCallout(ConnectOptions co) {
        if (callout == null) {
            return false;
        }
        String raw = !isEmpty(co.nkey) ? co.nkey : !isEmpty(co.user) ? co.user : !isEmpty(co.authToken) ? co.authToken : null;
        if (raw == null && isEmpty(co.pass) && isEmpty(co.jwt) && noAuthUser != null) {
            raw = noAuthUser.user().displayName();
        }
        return raw == null || !callout.authUsers().contains(raw);
    }

    /**
     * Operator mode: the account a client authenticated into (its user JWT's) when that client must be
     * authorized by the account's auth callout ({@link OperatorMode#calloutFor}); null otherwise, and always
     * in configuration mode.
     */
    public Account operatorCallout(AuthResult r) {
        return operator != null && operator.calloutFor(r) != null ? r.account() : null;
    }

    /** {@code p} with publishing on {@value AuthCalloutOptions#SUBJECT} denied (users of the callout account). */
    public static Permissions withCalloutDeny(Permissions p) {
        SubjectPermission pub = p == null ? null : p.publish();
        List<String> deny = new ArrayList<>();
        if (pub != null && pub.deny() != null) {
            deny.addAll(pub.deny());
        }
        if (!deny.contains(AuthCalloutOptions.SUBJECT)) {
            deny.add(AuthCalloutOptions.SUBJECT);
        }
        SubjectPermission np = new SubjectPermission(pub == null ? null : pub.allow(), deny);
        return p == null ? new Permissions(np, null, null) : new Permissions(np, p.subscribe(), p.response());
    }

    /**
     * True when a configured password is plain text, not a bcrypt hash: the single user's, or a listed user's
     * (an empty one too, except for users picked by their TLS certificate with {@code verify_and_map}).
     * nats-server then warns "Plaintext passwords detected, use nkeys or bcrypt" at start-up.
     */
    public boolean plaintextPasswords() {
        if (singlePass != null && !singlePass.isEmpty() && !Passwords.isBcrypt(singlePass)) {
            return true;
        }
        for (UserEntry e : usersByName.values()) {
            String pw = e.user().password();
            if ((pw == null || pw.isEmpty()) && tlsMap) {
                continue;
            }
            if (!Passwords.isBcrypt(pw)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What nats-server appends to "authentication error" when it refuses a client, which depends on the
     * configuration, not on what the client sent: nothing in operator mode; with nkey users the CONNECT nkey
     * ({@code  - Nkey "..."}, empty when none was sent); else with a users list the CONNECT user name
     * ({@code  - User "..."}); else (token, single user) nothing. {@code co} is null before CONNECT.
     */
    public String authErrorDetail(ConnectOptions co) {
        if (operator != null) {
            return "";
        }
        if (!usersByNkey.isEmpty()) {
            return " - Nkey " + goQuote(co == null || co.nkey == null ? "" : co.nkey);
        }
        if (!usersByName.isEmpty()) {
            return " - User " + goQuote(co == null || co.user == null ? "" : co.user);
        }
        return "";
    }

    /** {@code s} quoted as Go's %q verb (strconv.Quote) writes it, for log lines. */
    public static String goQuote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case 11 -> sb.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else if (c >= 0x80 && c < 0xa0) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Where operator mode reports accounts and imports it could not use (the server's log). */
    public void warnings(java.util.function.Consumer<String> sink) {
        if (operator != null) {
            operator.warnings(sink);
        }
    }

    /** Operator (JWT) mode, or null in configuration mode. */
    public OperatorMode operatorMode() {
        return operator;
    }

    public Account global() {
        return global;
    }

    /** The system account, or null with no_system_account. */
    public Account system() {
        return system;
    }

    public Account get(String name) {
        Account a = byName.get(name);
        return a == null && operator != null ? operator.loadedAccount(name) : a;
    }

    public Collection<Account> all() {
        if (operator == null) {
            return Collections.unmodifiableCollection(byName.values());
        }
        List<Account> out = new ArrayList<>(byName.values());
        for (Account a : operator.accounts()) {
            if (!byName.containsKey(a.name())) {
                out.add(a);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Expires service response mappings; called periodically. */
    public void expireResponses(long nowNanos) {
        for (Account a : all()) {
            a.expireResponses(nowNanos);
        }
    }

    /**
     * nats-server's configuration-mode client authentication: nkey (signature over the nonce), then user
     * and password from the users list, then no_auth_user for a client with no credentials, then the
     * token, then the single user/password. Null when the client is not authorized.
     */
    public AuthResult authenticate(ConnectOptions co, String nonce) {
        return authenticate(co, nonce, null);
    }

    /**
     * Same, with the identity of the client's TLS certificate: with {@code verify_and_map} and a users
     * list, the certificate (not the CONNECT user name) picks the user, as nats-server does; a password
     * configured for that user must still match.
     */
    public AuthResult authenticate(ConnectOptions co, String nonce, TlsIdentity tlsIdentity) {
        return authenticate(co, nonce, tlsIdentity, null);
    }

    /**
     * Same, with the client's IP address (for the {@code src} of user JWTs). In operator mode only user JWTs
     * are accepted; the result then tells why a client was refused ({@link AuthResult#failed()}).
     */
    public AuthResult authenticate(ConnectOptions co, String nonce, TlsIdentity tlsIdentity, String clientIp) {
        if (operator != null) {
            return operator.authenticate(co, nonce, clientIp, true);
        }
        if (!authRequired) {
            return new AuthResult(null, global, null);
        }
        boolean noCredentials = isEmpty(co.user) && isEmpty(co.pass) && isEmpty(co.authToken) && isEmpty(co.nkey)
                && isEmpty(co.jwt);
        if (noCredentials && noAuthUser != null && !(tlsMap && !usersByName.isEmpty())) {
            return result(noAuthUser);
        }
        if (!usersByNkey.isEmpty() && !isEmpty(co.nkey)) {
            UserEntry e = usersByNkey.get(co.nkey);
            if (e == null || !NKeys.verify(co.nkey, nonce, co.sig)) {
                return null;
            }
            return result(e);
        }
        if (!usersByName.isEmpty() && tlsMap) {
            if (tlsIdentity == null) {
                return null;
            }
            UserEntry e = tlsIdentity.findUser(usersByName.keySet()).map(usersByName::get).orElse(null);
            if (e == null || !Passwords.matches(e.user().password(), co.pass == null ? "" : co.pass)) {
                return null;
            }
            return result(e);
        }
        if (!usersByName.isEmpty()) {
            UserEntry e = co.user == null ? null : usersByName.get(co.user);
            if (e == null || !Passwords.matches(e.user().password(), co.pass)) {
                return null;
            }
            return result(e);
        }
        if (token != null) {
            return Passwords.matches(token, co.authToken) ? new AuthResult(null, global, null) : null;
        }
        if (singleUser != null) {
            if (!singleUser.equals(co.user) || !Passwords.matches(singlePass == null ? "" : singlePass, co.pass == null ? "" : co.pass)) {
                return null;
            }
            return new AuthResult(User.withPassword(singleUser, null), global, null);
        }
        return null;
    }

    /**
     * For a config reload (nats-server's clientHasMovedToDifferentAccount): the account of the configured user
     * a client named in CONNECT (by nkey, else by user name); "" when it named none; null when no such user
     * exists any more.
     */
    public String accountOfUser(ConnectOptions co) {
        UserEntry e;
        if (!isEmpty(co.nkey)) {
            e = usersByNkey.get(co.nkey);
        } else if (!isEmpty(co.user)) {
            e = usersByName.get(co.user);
            if (e == null && co.user.equals(singleUser)) {
                return global.name();
            }
        } else {
            return "";
        }
        return e == null ? null : e.account().name();
    }

    private static AuthResult result(UserEntry e) {
        return new AuthResult(e.user(), e.account(), e.permissions());
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
