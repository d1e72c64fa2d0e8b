package io.nats4j.server.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The Go texts the monitoring JSON is made of. */
class GoFormatTest {

    @Test
    void timesAreRfc3339WithTrimmedNanoseconds() {
        assertEquals("2026-11-29T05:03:11.010293107Z", GoTime.rfc3339Nano(Instant.parse("2026-11-29T05:03:11.010293107Z")));
        assertEquals("2026-11-29T05:03:11.12Z", GoTime.rfc3339Nano(Instant.parse("2026-11-29T05:03:11.120Z")));
        assertEquals("2026-11-29T05:03:11Z", GoTime.rfc3339Nano(Instant.parse("2026-11-29T05:03:11Z")));
    }

    @Test
    void uptimeIsWholeSecondsWithDaysAndYears() {
        assertEquals("0s", GoTime.uptime(Duration.ofMillis(999)));
        assertEquals("1m2s", GoTime.uptime(Duration.ofSeconds(62)));
        assertEquals("3h0m7s", GoTime.uptime(Duration.ofSeconds(3 * 3600 + 7)));
        assertEquals("2d0h0m1s", GoTime.uptime(Duration.ofDays(2).plusSeconds(1)));
        assertEquals("1y1d0h0m0s", GoTime.uptime(Duration.ofDays(366)));
    }

    @Test
    void rttIsAGoDurationTruncatedToMicrosecondsBelowOneMillisecond() {
        assertEquals("5.545158ms", GoTime.rtt(5_545_158));
        assertEquals("150µs", GoTime.rtt(150_789));
        assertEquals("0s", GoTime.rtt(0));
        assertEquals("1.5s", GoTime.rtt(1_500_000_000));
    }

    @Test
    void jsonIsIndentedAndEscapedAsGoDoes() {
        ObjectNode n = GoJson.object();
        n.put("a", 2.0);
        n.put("b", 0.75);
        n.put("s", "<x&y>");
        n.putArray("empty");
        n.putObject("obj");
        n.putArray("list").add(1).add(2);
        assertEquals("{\n  \"a\": 2,\n  \"b\": 0.75,\n  \"s\": \"\\u003cx\\u0026y\\u003e\",\n  \"empty\": [],\n"
                + "  \"obj\": {},\n  \"list\": [\n    1,\n    2\n  ]\n}", GoJson.pretty(n));
        assertEquals("{\"a\":2,\"b\":0.75,\"s\":\"\\u003cx\\u0026y\\u003e\",\"empty\":[],\"obj\":{},\"list\":[1,2]}",
                GoJson.compact(n));
        assertEquals("1e-07", GoJson.goFloat(1e-7));
        assertEquals("1e+21", GoJson.goFloat(1e21));
    }
}
