package io.nats4j.server.jetstream.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM stores into file storage and is killed with {@code kill -9} (by PID) mid-stream:
 * every message it reported stored after a flush, and every consumer ack it reported, must be
 * there after reopening.
 */
class RocksKillTest {

    @TempDir
    Path dir;

    @Test
    void killMinus9LosesNothingReportedStored() throws Exception {
        for (int round = 0; round < 2; round++) {
            runAndKill(round == 0 ? 256 : 7);
        }
    }

    private void runAndKill(int batch) throws Exception {
        long storedBefore;
        try (RocksStorage s = RocksStorage.open(dir)) {
            StreamStore st = s.stream("CRASH");
            storedBefore = st == null ? 0 : st.state().lastSeq();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), CrashWriter.class.getName(), dir.toString(),
                String.valueOf(batch));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long lastStored = 0;
        long lastAcked = 0;
        List<String> seen = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            long deadline = 0;
            String line;
            while ((line = r.readLine()) != null) {
                if (line.equals("READY")) {
                    deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                } else if (line.startsWith("STORED ")) {
                    lastStored = Long.parseLong(line.substring(7));
                } else if (line.startsWith("ACKED ")) {
                    lastAcked = Long.parseLong(line.substring(6));
                }
                if (seen.size() < 3) {
                    seen.add(line);
                }
                if (deadline != 0 && System.nanoTime() > deadline && lastAcked > 0) {
                    Process kill = new ProcessBuilder("kill", "-9", String.valueOf(p.pid())).start();
                    assertEquals(0, kill.waitFor());
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(137, p.exitValue(), "child killed by SIGKILL, saw " + seen);
        assertTrue(lastStored > storedBefore, "the child stored something: " + seen);

        try (RocksStorage s = RocksStorage.open(dir)) {
            StreamStore st = s.stream("CRASH");
            assertNotNull(st);
            StreamState state = st.state();
            assertTrue(state.lastSeq() >= lastStored, state + " vs reported " + lastStored);
            for (long seq = 1; seq <= lastStored; seq++) {
                StoredMessage m = st.load(seq);
                assertNotNull(m, "message " + seq + " was reported stored");
                assertArrayEquals(CrashWriter.payload(seq), m.payload(), "message " + seq);
            }
            ConsumerState c = st.consumer("C", AckPolicy.EXPLICIT).state();
            assertTrue(c.ackFloorStream() >= lastAcked, c + " vs reported ack " + lastAcked);
        }
    }
}
