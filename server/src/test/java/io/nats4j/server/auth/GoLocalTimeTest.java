package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/** The operator banner's dates: the UTC shortcut prints what the general formatter prints. */
class GoLocalTimeTest {

    @Test
    void utcShortcutMatchesTheGeneralFormat() {
        TimeZone saved = TimeZone.getDefault();
        try {
            for (String zone : new String[] {"UTC", "Etc/UTC"}) {
                TimeZone.setDefault(TimeZone.getTimeZone(zone));
                DateTimeFormatter general = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z");
                for (long t : new long[] {0, 1, 59, 86_399, 951_782_400, 1_795_947_030, 4_102_444_799L}) {
                    assertEquals(general.format(Instant.ofEpochSecond(t).atZone(ZoneId.systemDefault())),
                            GoLocalTime.format(t), zone + " " + t);
                }
            }
            assertEquals("2026-11-29 09:30:30 +0000 UTC", GoLocalTime.format(1_795_944_630));
        } finally {
            TimeZone.setDefault(saved);
        }
    }

    @Test
    void otherZonesUseTheGeneralFormat() {
        TimeZone saved = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("Europe/Berlin"));
            assertEquals("2026-11-29 10:30:30 +0100 CET", GoLocalTime.format(1_795_944_630));
        } finally {
            TimeZone.setDefault(saved);
        }
    }
}
