package io.nats4j.server.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.testsupport.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile config files against the standalone server as a process (issue #10): nesting thousands of levels
 * deep gives one {@code file:line:col} line and exit 1 from {@code -t} and from start-up, never a stack trace;
 * on SIGHUP the reload fails with nats-server's "Failed to reload" line and the server keeps serving with its
 * old configuration.
 */
class HostileConfigProcessTest {

    /** nats-server's one-line error for a config file: "nats-server: file:line:col: reason". */
    static final Pattern ONE_POSITIONED_LINE = Pattern.compile("nats-server: [^\\n]+:\\d+:\\d+: [^\\n]+\\n");

    @TempDir
    Path dir;

    static Process launch(Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.nats4j.server.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    static String runToExit(Path out, String... args) throws Exception {
        Process p = launch(out, args);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "process finished");
        return p.exitValue() + ":" + Files.readString(out);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("server exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("server did not listen on " + port + ": " + Files.readString(log));
    }

    private static void awaitLog(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no \"" + text + "\" in: " + Files.readString(log));
    }

    private static void assertOneErrorLine(String result) {
        assertTrue(result.startsWith("1:"), result.length() > 2000 ? result.substring(0, 2000) : result);
        String out = result.substring(2);
        assertTrue(ONE_POSITIONED_LINE.matcher(out).matches(), out.length() > 2000 ? out.substring(0, 2000) : out);
        assertFalse(out.contains("Exception") || out.contains("Error:") || out.contains("\tat "), out);
    }

    @Test
    void tenThousandNestedArraysFromTheCheckAndFromStartUp() throws Exception {
        Path conf = dir.resolve("deep.conf");
        Files.writeString(conf, "listen: 127.0.0.1:-1\nx: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
        String t = runToExit(dir.resolve("t.out"), "-t", "-c", conf.toString());
        assertOneErrorLine(t);
        assertTrue(t.contains(conf + ":2:"), t);
        String start = runToExit(dir.resolve("start.out"), "-c", conf.toString());
        assertOneErrorLine(start);
        assertEquals(t, start);
    }

    @Test
    void deepMapsThroughAnIncludeFromTheCheck() throws Exception {
        Files.writeString(dir.resolve("inner.conf"), "y " + "{ a ".repeat(10_000) + " 1 " + "}".repeat(10_000) + "\n");
        Path conf = dir.resolve("outer.conf");
        Files.writeString(conf, "listen: 127.0.0.1:-1\ninclude inner.conf\n");
        String t = runToExit(dir.resolve("t.out"), "-t", "-c", conf.toString());
        assertOneErrorLine(t);
        assertTrue(t.contains("inner.conf:1:"), t);
    }

    @Test
    void aReloadOfADeeplyNestedFileFailsAndTheServerKeepsItsConfig() throws Exception {
        int port = freePort();
        Path conf = dir.resolve("server.conf");
        Files.writeString(conf, "listen: 127.0.0.1:" + port + "\nauthorization { user: a, password: a }\n");
        Path log = dir.resolve("server.out");
        Process p = launch(log, "-c", conf.toString());
        try {
            awaitPort(port, p, log);
            awaitLog(log, "Server is ready");
            // the reloaded file would drop authorization, if it were read
            Files.writeString(conf, "listen: 127.0.0.1:" + port + "\nx: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start();
            assertEquals(0, kill.waitFor());
            awaitLog(log, "Failed to reload server configuration: " + conf + ":2:");
            String out = Files.readString(log);
            assertFalse(out.contains("StackOverflowError") || out.contains("\tat "), out);
            assertTrue(p.isAlive(), out);
            try (RawClient c = RawClient.open(port, 0)) {
                c.connect("{\"verbose\":false,\"user\":\"a\",\"pass\":\"a\"}").send("PING\r\n").expect("PONG\r\n");
            }
            try (RawClient c = RawClient.open(port, 0)) {
                c.connect("{\"verbose\":false}").send("PING\r\n").expect("-ERR 'Authorization Violation'\r\n");
            }
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
