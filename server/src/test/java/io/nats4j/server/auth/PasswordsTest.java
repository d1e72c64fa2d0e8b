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
    }
}
