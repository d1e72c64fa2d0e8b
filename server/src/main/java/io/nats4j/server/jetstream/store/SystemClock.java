package io.nats4j.server.jetstream.store;

import java.time.Instant;

/** The wall clock in epoch nanoseconds, the stores' default clock. */
final class SystemClock {

    private SystemClock() {
    }

    static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
