package io.nats4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nats4j.server.config.CommandLine;
import io.nats4j.server.config.ConfigException;
import io.nats4j.server.config.ConfigParser;
import io.nats4j.server.testsupport.RawClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded config fuzzer (issue #10): generated files over nesting, includes, variables and binary garbage,
 * each run through {@code -t}, through start-up (the standalone entry point in this JVM) and through a running
 * server's reload. Every file is accepted or refused with exit status 1 and {@code file:line:col} lines only
 * (exactly one when the file cannot even be parsed), never a stack trace; start-up prints what {@code -t}
 * prints; a refused reload leaves the server serving. A failure names its case seed: rerun that case alone with
 * {@code -Dnats4j.fuzz.case=<seed>}; {@code -Dnats4j.fuzz.seed} and {@code -Dnats4j.fuzz.cases} choose another run.
 */
class ConfigFuzzTest {

    /** One {@code file:line:col: reason} line (the file may contain ':' itself, e.g. "$VAR"). */
    private static final Pattern POSITIONED = Pattern.compile(".+:\\d+:\\d+: .+");

    @TempDir
    Path dir;

    private final AtomicInteger fileNo = new AtomicInteger();

    @Test
    void generatedConfigsAreRefusedWithPositionedLinesOnly() throws Exception {
        fuzz(Long.getLong("nats4j.fuzz.seed", 20261207L), Integer.getInteger("nats4j.fuzz.cases", 500), Duration.ofSeconds(45));
    }

    @Test
    @Tag("slow")
    void manyMoreGeneratedConfigs() throws Exception {
        fuzz(Long.getLong("nats4j.fuzz.seed", 7L), Integer.getInteger("nats4j.fuzz.cases", 20_000), Duration.ofMinutes(10));
    }

    private void fuzz(long baseSeed, int cases, Duration budget) throws Exception {
        int port;
        Path serverConf = dir.resolve("running.conf");
        Files.writeString(serverConf, "listen: 127.0.0.1:-1\nauthorization { user: a, password: a }\n");
        Path[] reloadFrom = {serverConf};
        NatsServer server = new NatsServer(CommandLine.parse(new String[] {"-c", serverConf.toString()}).options());
        server.reloadSource(() -> CommandLine.parse(new String[] {"-c", reloadFrom[0].toString()}).options());
        server.start();
        long deadline = System.nanoTime() + budget.toNanos();
        int refused = 0;
        try {
            port = server.port();
            for (int i = 0; i < cases && System.nanoTime() < deadline; i++) {
                Long only = Long.getLong("nats4j.fuzz.case");
                long seed = only != null ? only : baseSeed * 1_000_003L + i;
                Path file = generate(new Random(seed));
                if (check(seed, file, server, reloadFrom)) {
                    refused++;
                }
                if (only != null) {
                    break;
                }
            }
            // the server kept its configuration through every refused reload
            try (RawClient c = RawClient.open(port, 0)) {
                c.connect("{\"verbose\":false,\"user\":\"a\",\"pass\":\"a\"}").send("PING\r\n").expect("PONG\r\n");
            }
            try (RawClient c = RawClient.open(port, 0)) {
                c.connect("{\"verbose\":false}").send("PING\r\n").expect("-ERR 'Authorization Violation'\r\n");
            }
        } finally {
            server.close();
        }
        assertTrue(refused > 0, "the generator produced files that are refused");
    }

    /** Runs one file through -t, start-up and reload; returns true when it was refused. */
    private boolean check(long seed, Path file, NatsServer server, Path[] reloadFrom) throws Exception {
        String what = "seed " + seed + ", file " + file;
        StandaloneRun t;
        try {
            t = StandaloneRun.of("-t", "-c", file.toString());
        } catch (Throwable e) {
            throw new AssertionError(what + ": -t threw " + e, e);
        }
        if (t.exitCode() == 0) {
            assertTrue(t.out().contains("is valid"), what + ": " + t.output());
            return false;
        }
        assertEquals(1, t.exitCode(), what + ": " + t.output());
        assertEquals("", t.out(), what);
        String err = t.err();
        assertTrue(err.startsWith("nats-server: ") && err.endsWith("\n"), what + ": " + err);
        String[] lines = err.substring("nats-server: ".length(), err.length() - 1).split("\n", -1);
        for (String line : lines) {
            assertTrue(POSITIONED.matcher(line).matches(), what + ": not a file:line:col line: " + abbreviate(err));
        }
        assertTrue(!err.contains("Exception") && !err.contains("\tat "), what + ": " + abbreviate(err));
        boolean parses;
        try {
            ConfigParser.parseFile(file, k -> null);
            parses = true;
        } catch (ConfigException e) {
            parses = false;
        }
        if (!parses) {
            assertEquals(1, lines.length, what + ": a file that does not parse gives one line: " + abbreviate(err));
        }

        // start-up refuses it with the same text (it is refused before anything is bound or started)
        StandaloneRun start = runStartUpBounded(what, file);
        assertEquals(1, start.exitCode(), what + ": " + start.output());
        assertEquals(err, start.err(), what);

        // a reload of it fails with the same text and changes nothing
        reloadFrom[0] = file;
        try {
            server.reload();
            fail(what + ": reload accepted a file -t refused");
        } catch (IOException e) {
            assertEquals(err.substring("nats-server: ".length(), err.length() - 1), e.getMessage(), what);
        }
        return true;
    }

    /** Start-up in this JVM; a run that does not end (a server started) fails the test instead of hanging it. */
    private static StandaloneRun runStartUpBounded(String what, Path file) throws Exception {
        StandaloneRun[] result = new StandaloneRun[1];
        Throwable[] thrown = new Throwable[1];
        Thread th = new Thread(() -> {
            try {
                result[0] = StandaloneRun.of("-a", "127.0.0.1", "-p", "-1", "-c", file.toString());
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "fuzz-start-up");
        th.setDaemon(true);
        th.start();
        th.join(TimeUnit.SECONDS.toMillis(30));
        if (th.isAlive()) {
            fail(what + ": start-up did not refuse a file -t refused (it is still running)");
        }
        if (thrown[0] != null) {
            throw new AssertionError(what + ": start-up threw " + thrown[0], thrown[0]);
        }
        return result[0];
    }

    private static String abbreviate(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "..." : s;
    }

    // ---------------------------------------------------------------- generator

    private Path newFile(String text) throws IOException {
        return newFile(text.getBytes(StandardCharsets.UTF_8));
    }

    private Path newFile(byte[] bytes) throws IOException {
        Path p = dir.resolve("f" + fileNo.incrementAndGet() + ".conf");
        Files.write(p, bytes);
        return p;
    }

    private static final String[] KEYS = {"port", "listen", "authorization", "accounts", "users", "x", "VAR", "tls",
        "max_payload", "debug", "include", "http", "system_account", "permissions", "a b", "\"q\"", "'s'", ""};
    private static final String[] SCALARS = {"1", "-1", "4222", "1kb", "9999999999999999999", "1.5", "true", "off",
        "\"str\"", "'raw'", "bare", "2024-01-02T03:04:05Z", "127.0.0.1:4222", "$VAR", "$UNDEFINED_FUZZ_VAR",
        "$2a$11$abcdefghijklmnopqrstuv", "\"\\x41\\t\\u00e9\"", "(\nblock\n)", "1zz"};

    private Path generate(Random r) throws IOException {
        return switch (r.nextInt(6)) {
            case 0 -> newFile(nesting(r));
            case 1 -> includes(r);
            case 2 -> newFile(variables(r));
            case 3 -> newFile(garbage(r));
            case 4 -> newFile(mutate(r, structured(r, 3).getBytes(StandardCharsets.UTF_8)));
            default -> newFile(structured(r, 4));
        };
    }

    /** Maps and arrays nested shallow, right at the limit, or thousands deep; closed or not. */
    private static String nesting(Random r) {
        int limit = ConfigParser.MAX_DEPTH;
        int depth = switch (r.nextInt(4)) {
            case 0 -> 1 + r.nextInt(20);
            case 1 -> limit - 3 + r.nextInt(6);
            case 2 -> 2 * limit + r.nextInt(limit);
            default -> 5_000 + r.nextInt(10_000);
        };
        StringBuilder open = new StringBuilder("x: ");
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            switch (r.nextInt(3)) {
                case 0 -> {
                    open.append('[');
                    close.insert(0, ']');
                }
                case 1 -> {
                    open.append("{ k: ");
                    close.insert(0, " }");
                }
                default -> {
                    open.append("{\n k").append(i % 10).append(" = ");
                    close.insert(0, "\n}");
                }
            }
        }
        String body = r.nextInt(3) == 0 ? "1" : "";
        String end = r.nextInt(4) == 0 ? close.substring(0, r.nextInt(close.length() + 1)) : close.toString();
        return open + body + end + "\n";
    }

    /** Include chains (short, at the limit, too deep), cycles, missing files, included garbage. */
    private Path includes(Random r) throws IOException {
        switch (r.nextInt(5)) {
            case 0 -> {
                int n = r.nextBoolean() ? 2 + r.nextInt(10) : ConfigParser.MAX_DEPTH + r.nextInt(50);
                Path last = newFile(r.nextBoolean() ? "port: 4222\n" : garbageText(r));
                for (int i = 0; i < n; i++) {
                    last = newFile("include " + last.getFileName() + "\n");
                }
                return last;
            }
            case 1 -> {
                Path a = dir.resolve("cyc" + fileNo.incrementAndGet() + ".conf");
                Path b = newFile("include " + a.getFileName() + "\n");
                Files.writeString(a, "include " + b.getFileName() + "\n");
                return a;
            }
            case 2 -> {
                return newFile("include missing" + r.nextInt(1000) + ".conf\n");
            }
            case 3 -> {
                Path g = newFile(garbage(r));
                return newFile("m { include " + g.getFileName() + " }\n");
            }
            default -> {
                Path inner = newFile(nesting(r));
                return newFile("x { y { include " + inner.getFileName() + " } }\n");
            }
        }
    }

    /** Variables defined before, after, inside blocks, never; referring to each other; reused deeply. */
    private static String variables(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            String name = "V" + r.nextInt(4);
            switch (r.nextInt(6)) {
                case 0 -> sb.append(name).append(" = ").append(SCALARS[r.nextInt(SCALARS.length)]).append('\n');
                case 1 -> sb.append(name).append(" = [$V").append(r.nextInt(4)).append(", $").append(name).append("]\n");
                case 2 -> sb.append("authorization { ").append(name).append(" = { publish: \"a\" }; permissions: $")
                        .append(name).append(" }\n");
                case 3 -> sb.append("port: $").append(name).append('\n');
                case 4 -> sb.append("x { y: $V").append(r.nextInt(4)).append(" }\n");
                default -> sb.append(name).append(" = { a: $V").append(r.nextInt(4)).append(" }\n");
            }
        }
        return sb.toString();
    }

    /** Random bytes (NUL, invalid UTF-8, control characters) or random config punctuation. */
    private static byte[] garbage(Random r) {
        if (r.nextBoolean()) {
            return garbageText(r).getBytes(StandardCharsets.UTF_8);
        }
        byte[] b = new byte[r.nextInt(400)];
        r.nextBytes(b);
        return b;
    }

    private static String garbageText(Random r) {
        String alphabet = "ab1-.:=;,{}[]()\"'\\$#/ \t\n\r\0xkKbB0T9Z\u00e9\u2028";
        StringBuilder sb = new StringBuilder();
        int len = r.nextInt(200);
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** A config-shaped text of keys, scalars, maps and arrays. */
    private static String structured(Random r, int depth) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            sb.append(KEYS[r.nextInt(KEYS.length)]).append(r.nextBoolean() ? ": " : " = ").append(value(r, depth)).append('\n');
        }
        return sb.toString();
    }

    private static String value(Random r, int depth) {
        if (depth == 0 || r.nextInt(3) > 0) {
            return SCALARS[r.nextInt(SCALARS.length)];
        }
        if (r.nextBoolean()) {
            List<String> items = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                items.add(value(r, depth - 1));
            }
            return "[" + String.join(r.nextBoolean() ? ", " : "\n", items) + "]";
        }
        return "{\n" + structured(r, depth - 1) + "}";
    }

    /** Flips, inserts, deletes or truncates bytes. */
    private static byte[] mutate(Random r, byte[] in) {
        byte[] b = in.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(4)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> {
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) "{}[]$\"'\n\0\\".charAt(r.nextInt(10));
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
                case 2 -> {
                    byte[] c = new byte[b.length - 1];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                    b = c;
                }
                default -> b = java.util.Arrays.copyOf(b, at);
            }
        }
        return b;
    }
}
