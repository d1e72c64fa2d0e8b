package io.nats4j.server.auth;

import io.nats4j.server.protocol.ConnectOptions;
import java.util.HashSet;

/**
 * nats-server's per-client part of updateAccountClaims: what happens to a live client when its account's JWT
 * changes (revoked, bearer token now refused, signing key gone or its scope changed, or kept with new limits).
 */
public final class UserRecheck {

    private UserRecheck() {
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
    public static Recheck recheck(ConnectOptions co, JwtClaims.Account old, JwtClaims.Account neu) {
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
        return new Recheck(Verdict.KEEP, new Accounts.ConnectionLimits(UserJwtRules.minLimit(limits.subs(), neu.subs()),
                UserJwtRules.minLimit(limits.payload(), neu.payload()), 0, null));
    }

    private static boolean signersChanged(JwtClaims.Account old, JwtClaims.Account neu) {
        return !new HashSet<>(old.signingKeys()).equals(new HashSet<>(neu.signingKeys()))
                || !old.scopedSigningKeys().equals(neu.scopedSigningKeys());
    }
}
