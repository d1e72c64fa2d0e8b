package io.nats4j.server.jetstream.consumer;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** Times as nats-server writes them in JSON (Go's RFC 3339 with nanoseconds, UTC). */
final class JsTime {

    private JsTime() {
    }

    static String format(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }

    static String formatNanos(long epochNanos) {
        return format(Instant.ofEpochSecond(0, epochNanos));
    }

    static long nowNanos() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
