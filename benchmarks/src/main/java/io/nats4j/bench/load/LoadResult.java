package io.nats4j.bench.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;

/**
 * Outcome of one {@link LoadGen} run. Rates count payload bytes only; MB means 10^6 bytes.
 *
 * @param pub what the publishers (or requesters) sent, timed from start to their final PONG
 * @param sub what the subscribers received, timed from start to the last message received
 * @param aggregate pub + sub messages over the whole run
 * @param expectedSubMsgs messages the subscribers should have received together
 * @param complete every expected message arrived and the server reported no error
 * @param latency request/reply round trips (reqrep mode only, else null)
 * @param generatorCpuSeconds CPU time the generator's own process used during the run (user + system,
 *     all threads), to judge whether the generator or the server was the limit
 */
public record LoadResult(
        String mode, String url, int pubs, int subs, int size, String queue, int connsIdle,
        Side pub, Side sub, Side aggregate, long expectedSubMsgs, boolean complete,
        Latency latency, double generatorCpuSeconds, List<String> errors) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Counts and rates of one side of the run. */
    public record Side(long msgs, long bytes, double seconds, double msgsPerSec, double mbPerSec) {
        static Side of(long msgs, long bytes, long nanos) {
            double s = nanos / 1e9;
            return new Side(msgs, bytes, s, s > 0 ? msgs / s : 0, s > 0 ? bytes / s / 1e6 : 0);
        }
    }

    /** Round-trip latency percentiles in microseconds. */
    public record Latency(long count, double p50Us, double p90Us, double p99Us, double p999Us,
                          double maxUs, double meanUs) {
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static LoadResult fromJson(String json) {
        try {
            return JSON.readValue(json, LoadResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A small human-readable table. */
    public String toTable() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s  url=%s pubs=%d subs=%d size=%d%s%s%n", mode, url, pubs, subs, size,
                queue == null ? "" : " queue=" + queue, connsIdle == 0 ? "" : " idle-conns=" + connsIdle));
        b.append(String.format(Locale.ROOT, "%-6s %14s %16s %9s %14s %10s%n",
                "", "msgs", "bytes", "seconds", "msgs/s", "MB/s"));
        row(b, mode.equals("reqrep") ? "req" : "pub", pub);
        if (subs > 0 && !mode.equals("reqrep")) {
            row(b, "sub", sub);
            row(b, "total", aggregate);
            b.append(String.format(Locale.ROOT, "received %d of %d expected%n", sub.msgs(), expectedSubMsgs));
        }
        if (latency != null) {
            b.append(String.format(Locale.ROOT,
                    "latency us (n=%d): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f%n",
                    latency.count(), latency.p50Us(), latency.p90Us(), latency.p99Us(), latency.p999Us(),
                    latency.maxUs(), latency.meanUs()));
        }
        b.append(String.format(Locale.ROOT, "generator cpu %.2fs%n", generatorCpuSeconds));
        b.append(complete ? "complete" : "INCOMPLETE").append(System.lineSeparator());
        for (String e : errors) {
            b.append("error: ").append(e).append(System.lineSeparator());
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Side s) {
        b.append(String.format(Locale.ROOT, "%-6s %14d %16d %9.3f %14.0f %10.1f%n",
                name, s.msgs(), s.bytes(), s.seconds(), s.msgsPerSec(), s.mbPerSec()));
    }
}
