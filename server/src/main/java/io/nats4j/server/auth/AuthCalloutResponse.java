package io.nats4j.server.auth;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Checks the answer of an auth callout service in configuration mode and turns it into the client's
 * authorization, in the order and with the reasons of nats-server's {@code processClientOrLeafCallout}:
 * the response must be an {@code authorization_response} JWT for the expected user nkey ({@code sub}) and
 * this server ({@code aud}), carrying either an {@code error} or a user JWT issued by the configured
 * {@code issuer} for that same user nkey, whose {@code aud} names the account to bind the client to.
 * nats4j also requires the response itself to be signed by the issuer (nats-server checks the user JWT's
 * signer only). Pure: no I/O, any thread.
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
     * The authorization the response grants.
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
        if (!response.issuer().equals(cfg.issuer())) {
            throw new Rejected("Auth callout response on account \"" + account + "\" is signed by \"" + response.issuer()
                    + "\", expected the issuer \"" + cfg.issuer() + "\"");
        }
        if (!response.subject().equals(userNkey)) {
            throw new Rejected("Auth callout violation: auth callout response is not for expected user");
        }
        if (!serverId.equals(audience(response))) {
            throw new Rejected("Auth callout violation: auth callout response is not for server");
        }
        String error = Jwt.text(response.nats(), "error");
        if (error != null && !error.isEmpty()) {
            throw new Rejected("Auth callout service returned an error: " + error);
        }
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
        JwtClaims.User uc = JwtClaims.user(user);
        JwtClaims.UserLimits limits = uc.limits();
        long windowEndMillis = OperatorMode.timeWindowEnd(limits);
        if (windowEndMillis < 0) {
            throw new Rejected("Authorized user on account \"" + account + "\" outside of valid connect times");
        }
        if (!standardConnectionAllowed(limits.allowedConnectionTypes())) {
            throw new Rejected("Authorized user on account \"" + account + "\" using invalid connection type");
        }
        if (uc.issuerAccount() != null) {
            throw new Rejected("Error non operator mode account \"" + account + "\": attempted to use issuer_account");
        }
        if (!uc.issuer().equals(cfg.issuer())) {
            throw new Rejected("Wrong issuer for auth callout response on account \"" + account + "\", expected \""
                    + cfg.issuer() + "\" got \"" + uc.issuer() + "\"");
        }
        String placement = audience(user);
        Account target = placement == null ? null : accounts.get(placement);
        if (target == null) {
            throw new Rejected("No valid account \"" + (placement == null ? "" : placement)
                    + "\" for auth callout response on account \"" + account + "\": account missing");
        }
        Permissions p = limits.permissions();
        if (target == accounts.calloutAccount()) {
            p = Accounts.withCalloutDeny(p);
        }
        CompiledPermissions cp = null;
        if (p != null) {
            String bad = CompiledPermissions.validate(p);
            if (bad != null) {
                throw new Rejected("Could not register auth callout user: " + bad);
            }
            cp = new CompiledPermissions(p);
        }
        long expiresMillis = uc.expires() > 0 ? uc.expires() * 1000 : 0;
        if (windowEndMillis > 0 && (expiresMillis == 0 || windowEndMillis < expiresMillis)) {
            expiresMillis = windowEndMillis;
        }
        Accounts.ConnectionLimits cl = new Accounts.ConnectionLimits(clamp(limits.subs()), clamp(limits.payload()),
                expiresMillis, expiresMillis > 0 ? OperatorMode.USER_EXPIRED : null);
        // the JWT's name, when given, replaces the client's user name (nats-server overrides c.opts.Username)
        String name = !uc.name().isEmpty() ? uc.name() : rawUser;
        return new Accounts.AuthResult(new User(name, null, name == null ? userNkey : null, p, target.name()), target, cp, cl, null);
    }

    /** nats-io/jwt's AuthorizationResponseClaims.Validate, first issue (null when valid). */
    private static String validationIssue(Jwt r, long nowSeconds) {
        if (!NKeys.isValidUserKey(r.subject())) {
            return "Subject must be a user public key";
        }
        String aud = audience(r);
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
    private static String audience(Jwt j) {
        var n = j.claims().get("aud");
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
