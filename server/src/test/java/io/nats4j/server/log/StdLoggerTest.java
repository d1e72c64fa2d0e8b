package io.nats4j.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StdLoggerTest {

    private static final Instant T = Instant.parse("2026-11-29T11:00:00.000123456Z");
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private StdLogger logger(boolean time, boolean debug, boolean trace) throws IOException {
        return StdLogger.builder().output(out).pid(4242).clock(InstantSource.fixed(T), PARIS)
                .time(time).debug(debug).trace(trace).build();
    }

    private String text() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void linesHavePidLocalTimeWithMicrosecondsAndLevelTag() throws IOException {
        StdLogger log = logger(true, true, true);
        log.notice("Starting nats-server");
        log.warn("w");
        log.error("e");
        log.fatal("f");
        log.debug("d");
        log.trace("t");
        assertEquals("""
                [4242] 2026/11/29 12:00:00.000123 [INF] Starting nats-server
                [4242] 2026/11/29 12:00:00.000123 [WRN] w
                [4242] 2026/11/29 12:00:00.000123 [ERR] e
                [4242] 2026/11/29 12:00:00.000123 [FTL] f
                [4242] 2026/11/29 12:00:00.000123 [DBG] d
                [4242] 2026/11/29 12:00:00.000123 [TRC] t
                """, text());
    }

    @Test
    void timeFalseDropsDateAndTime() throws IOException {
        logger(false, false, false).notice("Server is ready");
        assertEquals("[4242] [INF] Server is ready\n", text());
    }

    @Test
    void debugAndTraceAreDroppedUnlessEnabled() throws IOException {
        StdLogger log = logger(false, false, false);
        log.debug("d");
        log.trace("t");
        assertFalse(log.isDebugEnabled());
        assertFalse(log.isTraceEnabled());
        assertEquals("", text());

        StdLogger traceOnly = logger(false, false, true);
        traceOnly.debug("d");
        traceOnly.trace("t");
        assertEquals("[4242] [TRC] t\n", text());
    }

    @Test
    void smallFieldsAreZeroPadded() throws IOException {
        StdLogger log = StdLogger.builder().output(out).pid(7)
                .clock(InstantSource.fixed(Instant.parse("2027-01-02T03:04:05.000006Z")), ZoneId.of("UTC")).build();
        log.notice("x");
        assertEquals("[7] 2027/01/02 03:04:05.000006 [INF] x\n", text());
    }

    @Test
    void summerTimeAndItsEndFollowTheZoneRules() throws IOException {
        // Paris switches from UTC+2 to UTC+1 at 01:00 UTC on 2026-10-25: the same local hour twice
        for (String[] c : new String[][] {
                {"2026-07-14T10:00:00Z", "2026/07/14 12:00:00.000000"},
                {"2026-10-25T00:59:59.999999Z", "2026/10/25 02:59:59.999999"},
                {"2026-10-25T01:00:00Z", "2026/10/25 02:00:00.000000"},
                {"2026-03-29T01:00:00Z", "2026/03/29 03:00:00.000000"}}) {
            out.reset();
            StdLogger.builder().output(out).pid(1).clock(InstantSource.fixed(Instant.parse(c[0])), PARIS).build()
                    .notice("x");
            assertEquals("[1] " + c[1] + " [INF] x\n", text(), c[0]);
        }
    }

    @Test
    void defaultZoneIsTheSystemDefault() throws IOException {
        StdLogger.builder().output(out).pid(1).clock(InstantSource.fixed(T), null).build().notice("x");
        java.time.LocalDateTime local = java.time.LocalDateTime.ofInstant(T, ZoneId.systemDefault());
        String expected = String.format("[1] %04d/%02d/%02d %02d:%02d:%02d.%06d [INF] x%n", local.getYear(),
                local.getMonthValue(), local.getDayOfMonth(), local.getHour(), local.getMinute(), local.getSecond(),
                local.getNano() / 1000);
        assertEquals(expected.replace(System.lineSeparator(), "\n"), text());
    }

    @Test
    void concurrentLinesNeverInterleave() throws Exception {
        StdLogger log = logger(true, false, false);
        int threads = 8;
        int perThread = 2_000;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            started.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    log.notice("thread " + id + " line " + i + " " + "x".repeat(i % 50));
                }
            }));
        }
        for (Thread t : started) {
            t.join(30_000);
        }
        String[] lines = text().split("\n");
        assertEquals(threads * perThread, lines.length);
        Pattern shape = Pattern.compile("\\[4242] 2026/11/29 12:00:00\\.000123 \\[INF] thread \\d line (\\d+) x*");
        for (String line : lines) {
            assertTrue(shape.matcher(line).matches(), line);
        }
    }

    @Test
    void fileLoggingAppendsToExistingFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("logs/nats.log");
        try (StdLogger log = StdLogger.builder().file(file).pid(1).time(false).build()) {
            log.notice("first");
        }
        try (StdLogger log = StdLogger.builder().file(file).pid(2).time(false).build()) {
            log.error("second");
        }
        assertEquals(List.of("[1] [INF] first", "[2] [ERR] second"), Files.readAllLines(file));
    }

    @Test
    void fileIsRotatedPastSizeLimitKeepingAtMostMaxBackups(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("nats.log");
        AtomicLong nanos = new AtomicLong(T.toEpochMilli() * 1_000_000L);
        InstantSource ticking = () -> Instant.ofEpochSecond(0, nanos.addAndGet(1_000));
        String line = "[1] [INF] " + "m".repeat(89) + "\n"; // 100 bytes
        try (StdLogger log = StdLogger.builder().file(file).pid(1).time(false).clock(ticking, PARIS).rotation(250, 2).build()) {
            for (int i = 0; i < 12; i++) {
                log.notice("m".repeat(89));
            }
        }
        List<Path> backups;
        try (Stream<Path> s = Files.list(dir)) {
            backups = s.filter(p -> p.getFileName().toString().startsWith("nats.log.")).sorted().toList();
        }
        assertEquals(2, backups.size(), backups.toString());
        for (Path b : backups) {
            assertTrue(Files.size(b) <= 250 + 200, b + " is " + Files.size(b) + " bytes");
        }
        List<String> current = Files.readAllLines(file);
        assertTrue(current.get(0).startsWith("[1] [INF] Rotated log, backup saved as "), current.get(0));
        assertTrue(current.contains(line.strip()));
        assertTrue(Files.size(file) <= 250 + 100);
    }

    @Test
    void closedLoggerDropsLines(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("n.log");
        StdLogger log = StdLogger.builder().file(file).time(false).pid(3).build();
        log.notice("kept");
        log.close();
        log.notice("dropped");
        assertEquals(List.of("[3] [INF] kept"), Files.readAllLines(file));
    }
}
