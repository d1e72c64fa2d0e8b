package io.nats4j.server.auth;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * Random bytes from the operating system without the JDK's security-provider set-up: the first
 * {@code new SecureRandom()} loads and configures the providers (tens of milliseconds of interpreted code at
 * start-up, where the server id needs 32 random bytes). On Linux this reads {@code /dev/urandom}, the source the
 * JDK's default {@code NativePRNG} reads too; elsewhere, or if it cannot be read, it falls back to
 * {@link SecureRandom}, created on first use.
 */
public final class RandomBytes {

    private static final String URANDOM = "/dev/urandom";

    private RandomBytes() {
    }

    /** Fills {@code out} with random bytes. */
    public static void fill(byte[] out) {
        try (InputStream in = new FileInputStream(URANDOM)) {
            if (in.readNBytes(out, 0, out.length) == out.length) {
                return;
            }
        } catch (IOException | SecurityException ignored) {
            // no /dev/urandom here: the JDK's generator
        }
        Fallback.RANDOM.nextBytes(out);
    }

    /** The JDK's generator, built on first use (its construction is the cost avoided above). */
    public static SecureRandom secure() {
        return Fallback.RANDOM;
    }

    private static final class Fallback {
        static final SecureRandom RANDOM = new SecureRandom();
    }
}
