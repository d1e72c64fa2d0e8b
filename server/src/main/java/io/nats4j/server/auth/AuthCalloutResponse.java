package io.nats4j.server.auth;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Checks the answer of an auth callout service and turns it into the client's authorization, in the order and
 * with the reasons of nats-server's {@code processClientOrLeafCallout}: the response must be an
 * {@code authorization_response} JWT for the expected user nkey ({@code sub}) and this server ({@code aud}),
 * carrying either an {@code error} or a user JWT for that same user nkey. In configuration mode
 * ({@link #check}) the user JWT is issued by the configured {@code issuer} and its {@code aud} names the
 * account to bind the client to; nats4j also requires the response itself to be signed by the issuer
 * (nats-server checks the user JWT's signer only). Operator mode: {@link #checkOperator}. No I/O except an
 * account lookup of operator mode (which may ask the account resolver); any thread.
 */
public final class AuthCalloutResponse {

    /** A response that does not authorize the client; the message is nats-server's reason text. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        public Rejected(String reason) {
            super(reason);
        }
    }

    static final String RESPONSE_TYPE = "authorization_response";

    private AuthCalloutResponse() {
    }

    /**
     * The authorization the response grants (configuration mode).
     *
     * @param payload the message the service answered with
     * @param userNkey the user nkey the request named (the required subject)
     * @param serverId this server's public nkey (the required audience)
     * @param accounts the server's accounts (configuration mode, with a callout)
     * @param rawUser the name the client is known by when the user JWT gives none (its CONNECT user or nkey)
     * @param nowSeconds the clock for expiry checks
     */
    public static Accounts.AuthResult check(byte[] payload, String userNkey, String serverId, Accounts accounts,
            String rawUser, long nowSeconds) throws Rejected {
        AuthCalloutOptions cfg = accounts.callout();
        String account = cfg.account();
        Jwt response = decodeResponse(payload, userNkey, serverId, account, cfg.issuer(), nowSeconds);
        checkNoError(response);
        DecodedUser du = decodeUser(response, userNkey, account, nowSeconds);
        JwtClaims.User uc = du.claims();
        JwtClaims.UserLimits limits = uc.limits();
        long windowEndMillis = connectWindow(limits, account);
        if (uc.issuerAccount() != null) {
            throw new Rejected("Error non operator mode account \"" + account + "\": attempted to use issuer_account");
        }
        if (!uc.issuer().equals(cfg.issuer())) {
            throw new Rejected("Wrong issuer for auth callout response on account \"" + account + "\", expected \""
                    + cfg.issuer() + "\" got \"" + uc.issuer() + "\"");
        }
        String placement = audience(du.jwt().claims().get("aud"));
        Account target = placement == null ? null : accounts.get(placement);
        if (target == null) {
            throw new Rejected("No valid account \"" + (placement == null ? "" : placement)
                    + "\" for auth callout response on account \"" + account + "\": account missing");
        }
        Permissions p = limits.permissions();
        if (target == accounts.calloutAccount()) {
            p = Accounts.withCalloutDeny(p);
        }
        CompiledPermissions cp = compile(p);
        long expiresMillis = expiry(uc.expires() > 0 ? uc.expires() * 1000 : 0, windowEndMillis);
        Accounts.ConnectionLimits cl = new Accounts.ConnectionLimits(clamp(limits.subs()), clamp(limits.payload()),
                expiresMillis, expiresMillis > 0 ? OperatorMode.USER_EXPIRED : null);
        return result(uc, userNkey, rawUser, p, target, cp, cl);
    }

    /**
     * The authorization the response grants in operator mode (nats-server's processClientOrLeafCallout with
     * trusted keys): the request went to {@code calloutAccount}, the account of the client's user JWT, whose
     * account JWT enables the callout. The response must be signed by that account or one of its signing keys
     * (nats4j checks this for encrypted responses too). The user JWT's account, its {@code issuer_account} else
     * its issuer, is where the client goes: the callout account itself or one its {@code allowed_accounts} lists,
     * and the user JWT must be signed by that account or one of its signing keys (scoped ones apply their
     * template). {@code aud} of the user JWT plays no part here.
     */
    public static Accounts.AuthResult checkOperator(byte[] payload, String userNkey, String serverId, OperatorMode om,
            String calloutAccount, String rawUser, long nowSeconds) throws Rejected {
        Jwt response = decodeResponse(payload, userNkey, serverId, calloutAccount, null, nowSeconds);
        checkNoError(response);
        JwtClaims.Account cac = om.claims(calloutAccount);
        JwtClaims.ExternalAuth ea = cac == null ? null : cac.authorization();
        if (ea == null || !ea.enabled()) {
            throw new Rejected("Auth callout no longer configured on account \"" + calloutAccount + "\"");
        }
        String signerAccount = Jwt.text(response.nats(), "issuer_account");
        if ((signerAccount != null && !signerAccount.isEmpty() && !signerAccount.equals(calloutAccount))
                || !cac.hasIssuer(response.issuer())) {
            throw new Rejected("Auth callout signing key is unknown");
        }
        JwtClaims.User uc = decodeUser(response, userNkey, calloutAccount, nowSeconds).claims();
        JwtClaims.UserLimits limits = uc.limits();
        long windowEndMillis = connectWindow(limits, calloutAccount);
        String targetKey = uc.issuerAccount() != null ? uc.issuerAccount() : uc.issuer();
        if (!targetKey.equals(calloutAccount) && !ea.allows(targetKey)) {
            throw new Rejected("Account \"" + uc.issuer() + "\" not permitted as valid account option for auth callout for account \""
                    + calloutAccount + "\"");
        }
        Account target = NKeys.isValidAccountKey(targetKey) ? om.lookup(targetKey) : null;
        JwtClaims.Account tac = target == null ? null : om.claims(targetKey);
        if (target == null || tac == null) {
            throw new Rejected("No valid account \"" + targetKey + "\" for auth callout response on account \""
                    + calloutAccount + "\": account missing");
        }
        if (!tac.hasIssuer(uc.issuer())) {
            throw new Rejected("User JWT issuer \"" + uc.issuer() + "\" is not known");
        }
        JwtClaims.UserLimits scope = tac.scopedSigningKeys().get(uc.issuer());
        if (scope != null) {
            if (!limits.isEmpty()) {
                throw new Rejected("User JWT is not valid: scoped users require no permissions or limits set");
            }
            try {
                limits = UserScopeTemplate.apply(scope, uc, tac);
            } catch (UserScopeTemplate.InvalidTemplate e) {
                throw new Rejected("User JWT generated invalid permissions: " + e.getMessage());
            }
        }
        if (tac.expires() > 0 && nowSeconds > tac.expires()) {
            throw new Rejected("Account JWT of \"" + targetKey + "\" has expired");
        }
        Permissions p = UserJwtRules.mergedPermissions(tac.defaultPermissions(), limits.permissions());
        if (tac.authorization() != null && tac.authorization().enabled()) {
            p = Accounts.withCalloutDeny(p);
        }
        CompiledPermissions cp = compile(p);
        long expiresMillis = expiry(uc.expires() > 0 ? uc.expires() * 1000 : 0, windowEndMillis);
        String expiredError = expiresMillis > 0 ? OperatorMode.USER_EXPIRED : null;
        if (tac.expires() > 0 && (expiresMillis == 0 || tac.expires() * 1000 < expiresMillis)) {
            expiresMillis = tac.expires() * 1000;
            expiredError = OperatorMode.ACCOUNT_EXPIRED;
        }
        Accounts.ConnectionLimits cl = new Accounts.ConnectionLimits(UserJwtRules.minLimit(limits.subs(), tac.subs()),
                UserJwtRules.minLimit(limits.payload(), tac.payload()), expiresMillis, expiredError);
        return result(uc, userNkey, rawUser, p, target, cp, cl);
    }

    /**
     * The response JWT, checked as nats-server does before it looks at the user JWT in it; with
     * {@code issuer} (configuration mode) it must be signed by that key.
     */
    private static Jwt decodeResponse(byte[] payload, String userNkey, String serverId, String account, String issuer,
            long nowSeconds) throws Rejected {
        String token = payload == null ? "" : new String(payload, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new Rejected("Auth callout violation: \"no reason supplied\" on account \"" + account + "\"");
        }
        Jwt response;
        try {
            response = Jwt.decode(token);
        } catch (Jwt.JwtException e) {
            throw new Rejected(titleCase(e.getMessage()));
        }
        if (!RESPONSE_TYPE.equals(response.type())) {
            throw new Rejected("Not an authorization response claim");
        }
        String issue = validationIssue(response, nowSeconds);
        if (issue != null) {
            throw new Rejected("Authorization response had validation errors: " + issue);
        }
        if (issuer != null && !response.issuer().equals(issuer)) {
            throw new Rejected("Auth callout response on account \"" + account + "\" is signed by \"" + response.issuer()
                    + "\", expected the issuer \"" + issuer + "\"");
        }
        if (!response.subject().equals(userNkey)) {
            throw new Rejected("Auth callout violation: auth callout response is not for expected user");
        }
        if (!serverId.equals(audience(response.claims().get("aud")))) {
            throw new Rejected("Auth callout violation: auth callout response is not for server");
        }
        return response;
    }

    private static void checkNoError(Jwt response) throws Rejected {
        String error = Jwt.text(response.nats(), "error");
        if (error != null && !error.isEmpty()) {
            throw new Rejected("Auth callout service returned an error: " + error);
        }
    }

    /** The user JWT in the response: a valid user claim issued to {@code userNkey}. */
    private static DecodedUser decodeUser(Jwt response, String userNkey, String account, long nowSeconds)
            throws Rejected {
        Jwt user;
        try {
            user = Jwt.decode(Jwt.text(response.nats(), "jwt"));
        } catch (Jwt.JwtException e) {
            throw new Rejected(titleCase(e.getMessage()));
        }
        if (!"user".equals(user.type())) {
            throw new Rejected("Not user claim");
        }
        if (user.isExpired(nowSeconds)) {
            throw new Rejected("Error validating user JWT: claim is expired");
        }
        if (user.notBefore() > 0 && nowSeconds < user.notBefore()) {
            throw new Rejected("Error validating user JWT: claim is not yet valid");
        }
        if (!NKeys.isValidUserKey(user.subject())) {
            throw new Rejected("Error validating user JWT: subject is not a user public key");
        }
        if (!user.subject().equals(userNkey)) {
            throw new Rejected("Expected authorized user of \"" + userNkey + "\" but got \"" + user.subject()
                    + "\" on account \"" + account + "\"");
        }
        return new DecodedUser(user, JwtClaims.user(user));
    }

    private record DecodedUser(Jwt jwt, JwtClaims.User claims) {
    }

    /** Rejected when the user may not connect now or not over a standard connection; else the window's end. */
    private static long connectWindow(JwtClaims.UserLimits limits, String account) throws Rejected {
        long windowEndMillis = UserJwtRules.timeWindowEnd(limits);
        if (windowEndMillis < 0) {
            throw new Rejected("Authorized user on account \"" + account + "\" outside of valid connect times");
        }
        if (!standardConnectionAllowed(limits.allowedConnectionTypes())) {
            throw new Rejected("Authorized user on account \"" + account + "\" using invalid connection type");
        }
        return windowEndMillis;
    }

    private static CompiledPermissions compile(Permissions p) throws Rejected {
        if (p == null) {
            return null;
        }
        String bad = CompiledPermissions.validate(p);
        if (bad != null) {
            throw new Rejected("Could not register auth callout user: " + bad);
        }
        return new CompiledPermissions(p);
    }

    /** The earlier of the JWT's expiry and the end of its connect window (epoch millis, 0 = none). */
    private static long expiry(long expiresMillis, long windowEndMillis) {
        if (windowEndMillis > 0 && (expiresMillis == 0 || windowEndMillis < expiresMillis)) {
            return windowEndMillis;
        }
        return expiresMillis;
    }

    /** The client's authorization: the JWT's name, when given, replaces the client's user name (nats-server). */
    private static Accounts.AuthResult result(JwtClaims.User uc, String userNkey, String rawUser, Permissions p,
            Account target, CompiledPermissions cp, Accounts.ConnectionLimits cl) {
        String name = !uc.name().isEmpty() ? uc.name() : rawUser;
        return new Accounts.AuthResult(new User(name, null, name == null ? userNkey : null, p, target.name()), target, cp, cl, null);
    }

    /** nats-io/jwt's AuthorizationResponseClaims.Validate, first issue (null when valid). */
    private static String validationIssue(Jwt r, long nowSeconds) {
        if (!NKeys.isValidUserKey(r.subject())) {
            return "Subject must be a user public key";
        }
        String aud = audience(r.claims().get("aud"));
        if (aud == null || NKeys.decodePublic(aud, NKeys.PREFIX_SERVER) == null) {
            return "Audience must be a server public key";
        }
        String error = Jwt.text(r.nats(), "error");
        String jwt = Jwt.text(r.nats(), "jwt");
        boolean hasError = error != null && !error.isEmpty();
        boolean hasJwt = jwt != null && !jwt.isEmpty();
        if (!hasError && !hasJwt) {
            return "Error or Jwt is required";
        }
        if (hasError && hasJwt) {
            return "Only Error or Jwt can be set";
        }
        String ia = Jwt.text(r.nats(), "issuer_account");
        if (ia != null && !ia.isEmpty() && !NKeys.isValidAccountKey(ia)) {
            return "issuer_account is not an account public key";
        }
        if (r.isExpired(nowSeconds)) {
            return "claim is expired";
        }
        if (r.notBefore() > 0 && nowSeconds < r.notBefore()) {
            return "claim is not yet valid";
        }
        return null;
    }

    /** {@code aud}: a string (nats-io/jwt writes one), or the first of an array. */
    private static String audience(com.fasterxml.jackson.databind.JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isArray() && n.size() > 0 && n.get(0).isTextual()) {
            return n.get(0).asText();
        }
        return null;
    }

    private static boolean standardConnectionAllowed(List<String> types) {
        if (types.isEmpty()) {
            return true;
        }
        for (String t : types) {
            if (t.toUpperCase(Locale.ROOT).equals("STANDARD")) {
                return true;
            }
        }
        return false;
    }

    /** A JWT limit as a connection limit: -1 (or any negative) = unlimited. */
    private static int clamp(long v) {
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, v));
    }

    private static String titleCase(String s) {
        return s == null || s.isEmpty() ? "" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
