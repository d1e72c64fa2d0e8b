package io.nats4j.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Password and token checks as nats-server does them: a configured value starting with {@code $2} is a
 * bcrypt hash (checked with jBCrypt, org.mindrot:jbcrypt, a single-class ISC-licensed implementation);
 * anything else is compared in constant time.
 *
 * <p>jBCrypt knows only the {@code $2a$} revision. {@code $2b$} and {@code $2y$} differ from it only for
 * passwords longer than 255 bytes, so they are checked as {@code $2a$} (Go's bcrypt accepts all three).
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
            String hash = stored;
            if (hash.length() > 4 && (hash.startsWith("$2b$") || hash.startsWith("$2y$"))) {
                hash = "$2a$" + hash.substring(4);
            }
            try {
                return BCrypt.checkpw(given, hash);
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                return false; // a malformed hash never matches
            }
        }
        return MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
