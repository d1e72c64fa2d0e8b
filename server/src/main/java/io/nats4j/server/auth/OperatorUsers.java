package io.nats4j.server.auth;

import io.nats4j.server.protocol.ConnectOptions;
import java.util.List;
import java.util.Set;

/**
 * Operator mode's user authentication: a CONNECT's user JWT checked against its account's JWT (issuer, signing
 * keys and their scopes, revocations, bearer tokens, pinned accounts, allowed connection types, source networks
 * and time windows), giving the user's permissions and connection limits. Runs on connection event loops; the
 * accounts come from the {@link OperatorMode}.
 */
final class OperatorUsers {

    private static final Set<String> KNOWN_CONNECTION_TYPES = Set.of("STANDARD", "WEBSOCKET", "LEAFNODE",
            "LEAFNODE_WS", "MQTT", "MQTT_WS", "IN_PROCESS");

    private final OperatorMode om;

    OperatorUsers(OperatorMode om) {
        this.om = om;
    }

    /**
     * nats-server's JWT client authentication (processClientOrLeafAuthentication with trusted keys). The
     * failure's text says why, for the debug log. {@code mayFetch} false: an account that is not loaded is refused
     * rather than fetched from the resolver.
     */
    Accounts.AuthResult authenticate(ConnectOptions co, String nonce, String clientIp, boolean mayFetch) {
        if (co.jwt == null || co.jwt.isEmpty()) {
            return Accounts.AuthResult.failure("Authentication requires a user JWT");
        }
        long now = OperatorMode.nowSeconds();
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
        Set<String> pinned = om.pinnedAccounts();
        if (pinned != null && !pinned.contains(accountKey)) {
            om.pinnedAccountRefused();
            return Accounts.AuthResult.failure("Account " + accountKey + " not listed as operator pinned account");
        }
        Account acc = mayFetch ? om.lookup(accountKey) : om.loadedAccount(accountKey);
        JwtClaims.Account ac = om.claims(accountKey);
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
        if (!UserJwtRules.sourceAllowed(limits.src(), clientIp)) {
            return Accounts.AuthResult.failure("Bad src Ip " + clientIp);
        }
        long windowEndMillis = UserJwtRules.timeWindowEnd(limits);
        if (windowEndMillis < 0) {
            return Accounts.AuthResult.failure("Outside connect times");
        }
        Permissions p = UserJwtRules.mergedPermissions(ac.defaultPermissions(), limits.permissions());
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
            expiredError = OperatorMode.USER_EXPIRED;
        }
        if (windowEndMillis > 0 && (expiresMillis == 0 || windowEndMillis < expiresMillis)) {
            expiresMillis = windowEndMillis;
            expiredError = OperatorMode.USER_EXPIRED;
        }
        if (ac.expires() > 0 && (expiresMillis == 0 || ac.expires() * 1000 < expiresMillis)) {
            expiresMillis = ac.expires() * 1000;
            expiredError = OperatorMode.ACCOUNT_EXPIRED;
        }
        Accounts.ConnectionLimits cl = new Accounts.ConnectionLimits(
                UserJwtRules.minLimit(limits.subs(), ac.subs()), UserJwtRules.minLimit(limits.payload(), ac.payload()), expiresMillis, expiredError);
        User user = new User(null, null, uc.publicKey(), p, accountKey);
        return new Accounts.AuthResult(user, acc, cp, cl, null);
    }
}
