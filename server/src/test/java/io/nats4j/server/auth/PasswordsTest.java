package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordsTest {

    private static final String HASH = "$2a$06$oDGL48et2DrSampFyptFEuTn5xUjyjYFos6n9/Q14OxaQFYv3KKwu"; // s3cret

    @Test
    void plainPasswordsCompareExactly() {
        assertTrue(Passwords.matches("pw", "pw"));
        assertFalse(Passwords.matches("pw", "pW"));
        assertFalse(Passwords.matches("pw", null));
    }

    @Test
    void bcryptHashesOfEveryRevisionAreChecked() {
        assertTrue(Passwords.matches(HASH, "s3cret"));
        assertFalse(Passwords.matches(HASH, "s3cre"));
        assertTrue(Passwords.matches("$2b$" + HASH.substring(4), "s3cret"));
        assertTrue(Passwords.matches("$2y$" + HASH.substring(4), "s3cret"));
        assertFalse(Passwords.matches("$2a$broken", "s3cret"), "a malformed hash never matches");
        assertFalse(Passwords.matches("$2q$" + HASH.substring(4), "s3cret"), "an unknown revision never matches");
        assertFalse(Passwords.matches("$2a$99$" + HASH.substring(7), "s3cret"), "an impossible cost never matches");
    }

    @Test
    void bcryptUsesTheFirst72BytesOfThePasswordAsGoDoes() {
        // a 100-byte password hashed by jBCrypt 0.4 (which nats4j used before) at cost 4
        String hash = "$2a$04$ABysNedq.qGCPXgMrOUQ0O6Ffv4HXooZ84ZG3H.4OLRjbUzyHkrGm";
        assertTrue(Passwords.matches(hash, "x".repeat(100)));
        assertTrue(Passwords.matches(hash, "x".repeat(72)));
        assertFalse(Passwords.matches(hash, "x".repeat(71)));
    }
}
