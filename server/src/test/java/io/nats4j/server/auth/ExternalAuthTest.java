package io.nats4j.server.auth;

import static io.nats4j.server.testsupport.TestJwts.accountKey;
import static io.nats4j.server.testsupport.TestJwts.pub;
import static io.nats4j.server.testsupport.TestJwts.userKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** An account JWT's {@code authorization} block: nats-io/jwt's validation and nats-server's checks on it. */
class ExternalAuthTest {

    private final String user = pub(userKey());
    private final String accountA = pub(accountKey());
    private final String accountB = pub(accountKey());

    @Test
    void enabledOnlyWithAuthUsers() {
        assertTrue(new JwtClaims.ExternalAuth(List.of(user), List.of(), null).enabled());
        assertFalse(new JwtClaims.ExternalAuth(List.of(), List.of(), XKey.generate().publicKey()).enabled());
    }

    @Test
    void authUsersAreMatchedByPublicKey() {
        JwtClaims.ExternalAuth ea = new JwtClaims.ExternalAuth(List.of(user), List.of(), null);
        assertTrue(ea.isAuthUser(user));
        assertFalse(ea.isAuthUser(pub(userKey())));
    }

    @Test
    void allowedAccountsAreExactOrTheWildcardAlone() {
        JwtClaims.ExternalAuth listed = new JwtClaims.ExternalAuth(List.of(user), List.of(accountA), null);
        assertTrue(listed.allows(accountA));
        assertFalse(listed.allows(accountB));
        assertFalse(new JwtClaims.ExternalAuth(List.of(user), List.of(), null).allows(accountA), "none listed: none allowed");
        JwtClaims.ExternalAuth any = new JwtClaims.ExternalAuth(List.of(user), List.of("*"), null);
        assertTrue(any.allows(accountA));
        assertTrue(any.allows(accountB));
    }

    @Test
    void validationAsNatsIoJwt() {
        assertNull(new JwtClaims.ExternalAuth(List.of(user), List.of(accountA), XKey.generate().publicKey()).validationIssue());
        assertEquals("External authorization cannot have accounts without users specified",
                new JwtClaims.ExternalAuth(List.of(), List.of(accountA), null).validationIssue());
        assertEquals("AuthUser \"" + accountA + "\" is not a valid user public key",
                new JwtClaims.ExternalAuth(List.of(accountA), List.of(), null).validationIssue());
        assertEquals("Account \"" + user + "\" is not a valid account public key",
                new JwtClaims.ExternalAuth(List.of(user), List.of(user), null).validationIssue());
        assertEquals("AllowedAccounts can only be a list of accounts or \"*\"",
                new JwtClaims.ExternalAuth(List.of(user), List.of("*", accountA), null).validationIssue());
        assertEquals("XKey \"" + accountA + "\" is not a valid public xkey",
                new JwtClaims.ExternalAuth(List.of(user), List.of(), accountA).validationIssue());
    }
}
