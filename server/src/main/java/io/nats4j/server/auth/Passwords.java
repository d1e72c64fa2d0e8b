package io.nats4j.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password and token checks as nats-server does them: a configured value starting with {@code $2} is a
 * bcrypt hash; anything else is compared in constant time.
 *
 * <p>bcrypt comes from Bouncy Castle ({@code OpenBSDBCrypt}, the {@code bcprov} the server already carries for
 * xkeys), which knows the {@code $2a$}, {@code $2b$} and {@code $2y$} revisions, as Go's bcrypt does, and
 * compares in constant time. As in Go, the password is its UTF-8 bytes, of which bcrypt uses the first 72.
 * Its classes are loaded at the first bcrypt check, not at start-up.
 */
public final class Passwords {

    private Passwords() {
    }

    /** nats-server's isBcrypt: the stored value is a bcrypt hash. */
    public static boolean isBcrypt(String stored) {
        return stored != null && stored.startsWith("$2");
    }

    /** True when {@code given} matches the configured {@code stored} value (plain or bcrypt). */
    public static boolean matches(String stored, String given) {
        if (stored == null || given == null) {
            return false;
        }
        if (isBcrypt(stored)) {
            try {
                return OpenBSDBCrypt.checkPassword(stored, given.getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                return false; // a malformed hash (length, revision, cost, base64) never matches
            }
        }
        return MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
