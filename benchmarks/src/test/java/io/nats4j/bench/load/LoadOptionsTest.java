package io.nats4j.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void pubModeDefaultsToNoSubscribersAndPubsubToOne() {
        assertEquals(0, LoadOptions.parse("--mode", "pub").subs);
        assertEquals(1, LoadOptions.parse().subs);
        assertEquals(1_000_000, LoadOptions.parse().msgs);
    }

    @Test
    void durationAloneLeavesMessageCountUnbounded() {
        LoadOptions o = LoadOptions.parse("--duration", "1.5s");
        assertEquals(Duration.ofMillis(1500), o.duration);
        assertEquals(Long.MAX_VALUE, o.msgs);
    }

    @Test
    void urlAndEqualsSyntaxAreAccepted() {
        LoadOptions o = LoadOptions.parse("--url=nats://127.0.0.1:4333", "--size=16", "--queue", "g", "--json");
        assertEquals("127.0.0.1", o.host);
        assertEquals(4333, o.port);
        assertEquals(16, o.size);
        assertEquals("g", o.queue);
        assertTrue(o.json);
    }

    @Test
    void durationUnits() {
        assertEquals(Duration.ofMillis(250), LoadOptions.duration("250ms"));
        assertEquals(Duration.ofMinutes(2), LoadOptions.duration("2m"));
        assertEquals(Duration.ofSeconds(3), LoadOptions.duration("3"));
    }

    @Test
    void rejectsContradictoryOrUnknownOptions() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--mode", "pub", "--subs", "2"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--mode", "reqrep", "--subs", "0"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--bogus", "1"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--pubs"));
    }
}
