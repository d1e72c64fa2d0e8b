package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile nesting (issue #10): maps, arrays, includes and environment variables nested thousands of levels
 * deep are refused with one {@code file:line:col} error at {@link ConfigParser#MAX_DEPTH}, never a
 * StackOverflowError; the deepest accepted nesting parses even on a thread with a small stack.
 */
class ConfigNestingTest {

    private static final String TOO_DEEP = "config is nested too deeply: more than " + ConfigParser.MAX_DEPTH
            + " levels of maps, arrays, includes and variables";

    @TempDir
    Path dir;

    static String arrays(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    static String maps(int depth) {
        return "{ a ".repeat(depth) + " 1 " + "}".repeat(depth);
    }

    private ConfigException refused(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(f, k -> null));
    }

    @Test
    void tenThousandNestedArraysGiveOnePositionedError() throws Exception {
        ConfigException e = refused("arrays.conf", "x: " + arrays(10_000) + "\n");
        assertEquals(1, e.errors().size(), e.getMessage());
        // the '[' one past the limit opens the level too many
        assertEquals(dir.resolve("arrays.conf") + ":1:" + (4 + ConfigParser.MAX_DEPTH) + ": " + TOO_DEEP, e.getMessage());
    }

    @Test
    void tenThousandNestedMapsGiveOnePositionedError() throws Exception {
        ConfigException e = refused("maps.conf", "x " + maps(10_000) + "\n");
        assertEquals(1, e.errors().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve("maps.conf") + ":1:"), e.getMessage());
        assertTrue(e.getMessage().endsWith(TOO_DEEP), e.getMessage());
    }

    @Test
    void mixedNestingOnManyLinesPointsAtTheLevelTooMany() throws Exception {
        StringBuilder sb = new StringBuilder("x: ");
        for (int i = 0; i < 5_000; i++) {
            sb.append(i % 2 == 0 ? "[\n" : "{ k: ");
        }
        ConfigException e = refused("mixed.conf", sb.toString());
        assertEquals(1, e.errors().size(), e.getMessage());
        assertTrue(e.getMessage().contains("mixed.conf:") && e.getMessage().endsWith(TOO_DEEP), e.getMessage());
    }

    @Test
    void includesNestedTooDeeplyGiveOneError() throws Exception {
        int files = ConfigParser.MAX_DEPTH + 50;
        for (int i = 0; i < files; i++) {
            Files.writeString(dir.resolve("inc" + i + ".conf"), i + 1 < files ? "include inc" + (i + 1) + ".conf\n" : "port: 4222\n");
        }
        Path top = dir.resolve("top.conf");
        Files.writeString(top, "include inc0.conf\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(top, k -> null));
        assertEquals(1, e.errors().size(), e.getMessage());
        assertEquals(dir.resolve("inc" + (ConfigParser.MAX_DEPTH - 1) + ".conf") + ":1:1: " + TOO_DEEP, e.getMessage());
    }

    @Test
    void includesCountTogetherWithTheMapsAroundThem() throws Exception {
        Files.writeString(dir.resolve("deep.conf"), "y: " + arrays(ConfigParser.MAX_DEPTH - 2) + "\n");
        ConfigException e = refused("outer.conf", "x { z { include deep.conf } }\n");
        assertTrue(e.getMessage().startsWith(dir.resolve("deep.conf") + ":1:"), e.getMessage());
        assertTrue(e.getMessage().endsWith(TOO_DEEP), e.getMessage());
    }

    @Test
    void anEnvironmentVariableNestedTooDeeplyGivesOneError() throws Exception {
        Path f = dir.resolve("env.conf");
        Files.writeString(f, "port: $DEEP\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(f, Map.of("DEEP", arrays(10_000))::get));
        assertEquals(1, e.errors().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f + ":1:7: variable reference for 'DEEP' on line 1 could not be parsed"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(TOO_DEEP), e.getMessage());
    }

    @Test
    void theDeepestAcceptedNestingParsesOnASmallStack() throws Exception {
        // a thread of 512 KiB, half the JVM's default on 64-bit Linux: the limit leaves room for the rest of the
        // server (measured: the deepest include chain needs 256-384 KiB once the JIT has compiled the parser)
        String text = "x: " + arrays(ConfigParser.MAX_DEPTH / 2) + "\ny " + maps(ConfigParser.MAX_DEPTH) + "\n";
        int files = ConfigParser.MAX_DEPTH - 1;
        for (int i = 0; i < files; i++) {
            Files.writeString(dir.resolve("ok" + i + ".conf"), i + 1 < files ? "include ok" + (i + 1) + ".conf\n" : "port: 4222\n");
        }
        Files.writeString(dir.resolve("okTop.conf"), "include ok0.conf\n");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                ConfigParser.parseString(text, "s.conf", dir, k -> null);
                ConfigValue root = ConfigParser.parseFile(dir.resolve("okTop.conf"), k -> null);
                assertEquals(4222L, root.get("port").asLong());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", 512 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void errorsQuotingTheFileStayOnOneLine() {
        // a bad escape before an emoji quotes half of its surrogate pair; a block string holds line breaks
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parseString("x: \"\\\uD83D\uDE00\"\n", "e.conf", dir, k -> null));
        assertEquals("e.conf:1:5: invalid escape character '\\ud83d'. Only the following escape characters are allowed:"
                + " \\xXX, \\t, \\n, \\r, \\\", \\\\", e.getMessage());
        assertEquals("a\\nb\\x00c\\u2028", ConfigException.oneLine("a\nb\u0000c\u2028"));
    }
}
