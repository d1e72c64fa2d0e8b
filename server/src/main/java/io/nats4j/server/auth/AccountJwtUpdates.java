package io.nats4j.server.auth;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Operator mode's account JWT requests ({@code $SYS} claim update, lookup, list and delete, as nats-server's
 * resolvers answer them): a new JWT replaces a loaded account's claims in place (same {@link Account}), a
 * deleted one unloads the account and disconnects its clients through the {@link OperatorMode.AccountListener}.
 * Changes run under the operator mode's lock, as account loading does.
 */
public final class AccountJwtUpdates {

    private final OperatorMode om;

    AccountJwtUpdates(OperatorMode om) {
        this.om = om;
    }

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

    /** True for the {@code full} om.resolver, whose directory takes claim updates and answers lookups. */
    public boolean fullResolver() {
        return om.resolver instanceof AccountResolver.Directory d && !d.isCache();
    }

    /** True for the {@code cache} om.resolver: a directory that keeps the JWTs of accounts in use. */
    public boolean cacheResolver() {
        return om.resolver instanceof AccountResolver.Directory d && d.isCache();
    }

    /**
     * A claim update received on {@code $SYS.REQ.CLAIMS.UPDATE} ({@code subjectAccount} null) or
     * {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE}. With the full om.resolver the JWT is stored in the directory
     * (whether or not the account is om.loaded) and applied to the account when om.loaded; with MEMORY only a
     * om.loaded account is updated in memory (nats-server's accountClaimUpdate; others are "skipped").
     * Unlike nats-server, whose full om.resolver stores a JWT of any issuer (then fails to use it), an account
     * JWT not signed by a trusted operator key is refused before it is stored.
     */
    public ClaimUpdate claimUpdate(String subjectAccount, String jwt) {
        synchronized (om) {
            return claimUpdateLocked(subjectAccount, jwt);
        }
    }

    private ClaimUpdate claimUpdateLocked(String subjectAccount, String jwt) {
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
        if ((full || cache) && om.strictOperators.contains(j.issuer())) {
            return new ClaimUpdate(key, failed, "operator requires issuer to be a signing key");
        }
        OperatorMode.Loaded l = om.loaded.get(key);
        if (!full && l == null) {
            return new ClaimUpdate(key, update + " skipped", null);
        }
        JwtClaims.Account c;
        try {
            c = om.verifyAccount(key, jwt.strip());
        } catch (Jwt.JwtException e) {
            return new ClaimUpdate(key, failed, ACCOUNT_VALIDATION_FAILED);
        }
        if (full || cache) {
            try {
                om.resolver.store(key, jwt.strip());
            } catch (IOException | IllegalArgumentException e) {
                return new ClaimUpdate(key, failed, e.getMessage());
            }
        }
        l = om.loaded.get(key);
        if (l != null) {
            JwtClaims.Account old = l.claims;
            reapply(l, c, jwt.strip());
            OperatorMode.AccountListener al = om.listener;
            if (al != null) {
                al.accountUpdated(l.account, old, c);
            }
        }
        return new ClaimUpdate(key, cache ? "jwt updated cache" : "jwt updated", null);
    }

    /**
     * nats-server's updateAccountClaims for a om.loaded account: the connection limit, exports and imports of the
     * new claims replace the old ones (import subscriptions of this account and of the accounts importing
     * from it are removed and wired again, so a removed export stops delivering and a new import starts);
     * revocations, signing keys, default permissions and user limits are read from the claims at each
     * connect and by {@link UserRecheck#recheck} for the live clients (lock held).
     */
    private void reapply(OperatorMode.Loaded l, JwtClaims.Account c, String jwt) {
        l.claims = c;
        l.jwt = jwt;
        OperatorMode.applyClaims(l, c);
        OperatorMode.unwireImports(l);
        om.wireImports(l);
        om.rewireImporters(c.publicKey());
    }

    /**
     * {@code $SYS.REQ.CLAIMS.LIST}: the public keys of the account JWTs in the full om.resolver's directory, in
     * file name order, without expired ones (nats-server's handleListRequest over PackWalk).
     */
    public List<String> listAccounts() throws IOException {
        if (!(om.resolver instanceof AccountResolver.Directory d)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        long now = OperatorMode.nowSeconds();
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
     * Needs {@code allow_delete}; the system account cannot be deleted. A deleted account that is om.loaded
     * loses its imports (and the accounts importing from it theirs) and its clients are disconnected.
     * {@code systemAccount} is the server's system account name.
     */
    public ClaimUpdate claimDelete(String request, String systemAccount) {
        synchronized (om) {
            return claimDeleteLocked(request, systemAccount);
        }
    }

    private ClaimUpdate claimDeleteLocked(String request, String systemAccount) {
        String subject = "";
        String problem = null;
        List<String> keys = new ArrayList<>();
        try {
            Jwt j = Jwt.decode(request == null ? "" : request.strip());
            subject = j.subject();
            com.fasterxml.jackson.databind.JsonNode list = j.nats().get("accounts");
            if (!(om.resolver instanceof AccountResolver.Directory d) || !d.allowsDelete()) {
                problem = "delete must be enabled in server config";
            } else if (!subject.equals(j.issuer())) {
                problem = "not self signed";
            } else if (!om.trustedKeys.contains(j.issuer()) || om.strictOperators.contains(j.issuer())) {
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
                if (om.resolver.fetch(key) != null) {
                    om.resolver.delete(key);
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
        OperatorMode.Loaded l = om.loaded.remove(key);
        if (l == null) {
            return;
        }
        l.account.limits(0, -1, -1);
        OperatorMode.unwireImports(l);
        om.rewireImporters(key);
        OperatorMode.AccountListener al = om.listener;
        if (al != null) {
            al.accountDeleted(l.account);
        }
    }

    /** The stored JWT of an account, or null. */
    public String lookupJwt(String accountKey) {
        try {
            String stored = fullResolver() ? om.resolver.fetch(accountKey) : null;
            if (stored != null) {
                return stored;
            }
            OperatorMode.Loaded l = om.loaded.get(accountKey);
            if (l != null) {
                return l.jwt;
            }
            return om.resolver == null ? null : om.resolver.fetch(accountKey);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
