package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {

    @TempDir
    Path dir;

    private static ConfigValue parse(String text) throws ConfigException {
        return parse(text, Map.of());
    }

    private static ConfigValue parse(String text, Map<String, String> env) throws ConfigException {
        return ConfigParser.parseString(text, "t.conf", Path.of("."), env::get);
    }

    private static String error(String text) {
        return assertThrows(ConfigException.class, () -> parse(text)).getMessage();
    }

    @Test
    void keyValueSeparatorsAreEqualsColonOrBlank() throws Exception {
        ConfigValue c = parse("a = 1\nb: 2\nc 3\nd=4\ne:5\nf\t6\n");
        for (String k : List.of("a", "b", "c", "d", "e", "f")) {
            assertEquals(ConfigValue.Kind.INTEGER, c.get(k).kind(), k);
        }
        assertEquals(6, c.get("f").asLong());
    }

    @Test
    void valuesMayEndWithSemicolonOrComma() throws Exception {
        ConfigValue c = parse("a: 1; b: \"x\", c: true\n");
        assertEquals(1, c.get("a").asLong());
        assertEquals("x", c.get("b").asString());
        assertTrue(c.get("c").asBoolean());
    }

    @Test
    void commentsWithHashAndDoubleSlashAreIgnoredEverywhere() throws Exception {
        ConfigValue c = parse("""
                # top comment
                // another
                a: 1 # trailing
                b: 2 // trailing
                m {
                  # inside map
                  x: 1 // after
                }
                arr [
                  1 # in array
                  // alone
                  2
                ]
                """);
        assertEquals(2, c.get("b").asLong());
        assertEquals(1, c.get("m").get("x").asLong());
        assertEquals(2, c.get("arr").asArray().size());
    }

    @Test
    void mapsAndArraysNest() throws Exception {
        ConfigValue c = parse("""
                outer {
                  inner = { deep: [1, {k: v}, [true, "s"]] }
                  list: [
                    a
                    b,
                    c,
                  ]
                }
                m2 { a: 1, b: 2; c: 3 }
                """);
        List<ConfigValue> deep = c.get("outer").get("inner").get("deep").asArray();
        assertEquals(1, deep.get(0).asLong());
        assertEquals("v", deep.get(1).get("k").asString());
        assertEquals("s", deep.get(2).asArray().get(1).asString());
        assertEquals(List.of("a", "b", "c"),
                c.get("outer").get("list").asArray().stream().map(ConfigValue::asString).toList());
        assertEquals(3, c.get("m2").get("c").asLong());
    }

    @Test
    void doubleQuotedStringsDecodeEscapes() throws Exception {
        ConfigValue c = parse("s: \"a\\tb\\nc\\rd\\\"e\\\\f\\x41\"\n");
        assertEquals("a\tb\nc\rd\"e\\fA", c.get("s").asString());
    }

    @Test
    void singleQuotedStringsAreRaw() throws Exception {
        assertEquals("a\\tb $x", parse("s: 'a\\tb $x'\n").get("s").asString());
    }

    @Test
    void unquotedStringsEndAtBlanksAndTerminators() throws Exception {
        ConfigValue c = parse("a: hello\nb: nats://host:4222/x;\nc: [x,y]\nd {e: f}\n");
        assertEquals("hello", c.get("a").asString());
        assertEquals("nats://host:4222/x", c.get("b").asString());
        assertEquals("y", c.get("c").asArray().get(1).asString());
        assertEquals("f", c.get("d").get("e").asString());
    }

    @Test
    void quotedKeysMayHoldSeparators() throws Exception {
        ConfigValue c = parse("\"a b:c\" = 1\n'x=y': 2\nm { \"q k\": 3 }\n");
        assertEquals(1, c.get("a b:c").asLong());
        assertEquals(2, c.get("x=y").asLong());
        assertEquals(3, c.get("m").get("q k").asLong());
    }

    @Test
    void blockStringsRunUntilAClosingParenAloneOnALine() throws Exception {
        ConfigValue c = parse("b: (\nline one\n  (nested) text)\n)\nafter: 1\n");
        assertEquals("\nline one\n  (nested) text)\n", c.get("b").asString());
        assertEquals(1, c.get("after").asLong());
    }

    @Test
    void blockStringMayEndAtEndOfFile() throws Exception {
        assertEquals("\nx\n", parse("b: (\nx\n)").get("b").asString());
    }

    @Test
    void sizeSuffixesFollowNatsServerKIs1000AndKbIs1024() throws Exception {
        ConfigValue c = parse("""
                a: 1k
                b: 1K
                c: 1kb
                d: 1KB
                e: 1ki
                f: 1kib
                g: 2m
                h: 2MB
                i: 3g
                j: 3gb
                k: 1t
                l: 1tb
                m: 1p
                n: 1pb
                o: 1e
                p: 2eb
                q: -2k
                r: 5Mi
                """.replace("p: 2eb", "p: 1eb"));
        assertEquals(1000, c.get("a").asLong());
        assertEquals(1000, c.get("b").asLong());
        assertEquals(1024, c.get("c").asLong());
        assertEquals(1024, c.get("d").asLong());
        assertEquals(1024, c.get("e").asLong());
        assertEquals(1024, c.get("f").asLong());
        assertEquals(2_000_000, c.get("g").asLong());
        assertEquals(2L * 1024 * 1024, c.get("h").asLong());
        assertEquals(3_000_000_000L, c.get("i").asLong());
        assertEquals(3L << 30, c.get("j").asLong());
        assertEquals(1_000_000_000_000L, c.get("k").asLong());
        assertEquals(1L << 40, c.get("l").asLong());
        assertEquals(1_000_000_000_000_000L, c.get("m").asLong());
        assertEquals(1L << 50, c.get("n").asLong());
        assertEquals(1_000_000_000_000_000_000L, c.get("o").asLong());
        assertEquals(1L << 60, c.get("p").asLong());
        assertEquals(-2000, c.get("q").asLong());
        assertEquals(5L << 20, c.get("r").asLong());
    }

    @Test
    void integerOverflowIsAnError() {
        assertEquals("t.conf:1:4: integer '99999999999999999999' is out of the range",
                error("a: 99999999999999999999\n"));
        assertEquals("t.conf:1:4: integer '8eb' is out of the range", error("a: 8eb\n"));
    }

    @Test
    void floatsDatetimesAndNegativeNumbers() throws Exception {
        ConfigValue c = parse("f: 1.5\nn: -2.25\ni: -7\nd: 2024-01-02T03:04:05Z\n");
        assertEquals(1.5, c.get("f").asDouble());
        assertEquals(-2.25, c.get("n").asDouble());
        assertEquals(-7, c.get("i").asLong());
        assertEquals(Instant.parse("2024-01-02T03:04:05Z"), c.get("d").asDatetime());
    }

    @Test
    void ipAddressesAndHostPortAreStrings() throws Exception {
        ConfigValue c = parse("a: 127.0.0.1\nb: 127.0.0.1:4222\nc: 0.0.0.0:-1\nd: localhost:4222\n");
        assertEquals("127.0.0.1", c.get("a").asString());
        assertEquals("127.0.0.1:4222", c.get("b").asString());
        assertEquals("0.0.0.0:-1", c.get("c").asString());
        assertEquals("localhost:4222", c.get("d").asString());
    }

    @Test
    void booleansAreCaseInsensitiveWords() throws Exception {
        ConfigValue c = parse("a: true\nb: YES\nc: On\nd: false\ne: No\nf: OFF\ng: \"true\"\n");
        for (String k : List.of("a", "b", "c")) {
            assertTrue(c.get(k).asBoolean(), k);
        }
        for (String k : List.of("d", "e", "f")) {
            assertFalse(c.get(k).asBoolean(), k);
        }
        assertEquals("true", c.get("g").asString());
    }

    @Test
    void durationsAndOtherTextStartingWithADigitAreStrings() throws Exception {
        ConfigValue c = parse("a: \"1m30s\"\nb: 500ms\nc: 3secret\nd: 2h\ne: 10s\n");
        assertEquals("1m30s", c.get("a").asString());
        assertEquals("500ms", c.get("b").asString());
        assertEquals("3secret", c.get("c").asString());
        assertEquals("2h", c.get("d").asString());
        assertEquals("10s", c.get("e").asString());
    }

    @Test
    void environmentValueThatIsNotOneValueIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("a: 1\nb: $WD\n", Map.of("WD", "hello world")));
        assertTrue(e.getMessage().startsWith("t.conf:2:4: variable reference for 'WD' on line 2 could not be parsed: "),
                e.getMessage());
    }

    @Test
    void everyValueRecordsFileLineAndColumn() throws Exception {
        ConfigValue c = parse("a: 1\n  nested {\n    x = \"y\"\n  }\n");
        assertEquals(new Position("t.conf", 1, 4), c.get("a").position());
        assertEquals(new Position("t.conf", 3, 9), c.get("nested").get("x").position());
        ConfigValue.Entry e = c.get("nested").asMap().get("x");
        assertEquals(new Position("t.conf", 3, 5), e.keyPosition());
        assertEquals(new Position("t.conf", 2, 10), c.get("nested").position());
    }

    @Test
    void laterDefinitionOfAKeyReplacesTheEarlier() throws Exception {
        assertEquals(2, parse("a: 1\na: 2\n").get("a").asLong());
    }

    @Test
    void bracesAroundTheWholeFileAreAllowed() throws Exception {
        ConfigValue c = parse("{\n  \"port\": 4222,\n  \"debug\": true\n}\n");
        assertEquals(4222, c.get("port").asLong());
        assertTrue(c.get("debug").asBoolean());
    }

    // ---------------------------------------------------------------- variables

    @Test
    void variablesResolveFromEnclosingScopesInnermostFirst() throws Exception {
        ConfigValue c = parse("""
                v: 1
                m {
                  v: 2
                  inner { a: $v }
                  b: $v
                }
                c: $v
                """);
        assertEquals(2, c.get("m").get("inner").get("a").asLong());
        assertEquals(2, c.get("m").get("b").asLong());
        assertEquals(1, c.get("c").asLong());
        assertTrue(c.get("v").usedAsVariable());
    }

    @Test
    void variableValueKeepsTheReferencePosition() throws Exception {
        ConfigValue c = parse("v: \"x\"\nw: $v\n");
        assertEquals(new Position("t.conf", 2, 4), c.get("w").position());
        assertEquals("x", c.get("w").asString());
    }

    @Test
    void variablesFallBackToTheEnvironmentParsedAsAValue() throws Exception {
        ConfigValue c = parse("a: $NUM\nb: $STR\nc: $SIZE\nd: [$NUM]\n",
                Map.of("NUM", "42", "STR", "hello", "SIZE", "2kb"));
        assertEquals(42, c.get("a").asLong());
        assertEquals("hello", c.get("b").asString());
        assertEquals(2048, c.get("c").asLong());
        assertEquals(42, c.get("d").asArray().get(0).asLong());
    }

    @Test
    void fileVariablesWinOverTheEnvironment() throws Exception {
        assertEquals(1, parse("X: 1\na: $X\n", Map.of("X", "2")).get("a").asLong());
    }

    @Test
    void undefinedVariableIsAnError() {
        assertEquals("t.conf:2:7: variable reference for 'NOPE' on line 2 can not be found",
                error("a: 1\nport: $NOPE\n"));
    }

    @Test
    void selfReferencingEnvironmentVariableIsAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("a: $X\n", Map.of("X", "$X")));
        assertTrue(e.getMessage().contains("refers to itself"), e.getMessage());
    }

    @Test
    void bcryptHashesAreNotVariables() throws Exception {
        String hash = "$2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy";
        assertEquals(hash, parse("p: " + hash + "\n").get("p").asString());
    }

    // ---------------------------------------------------------------- includes

    @Test
    void includeMergesKeysRelativeToTheIncludingFile() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Files.writeString(sub.resolve("part.conf"), "debug: true\nnested { x: 1 }\n");
        Files.writeString(sub.resolve("main.conf"), "port: 1\ninclude \"part.conf\"\nm { include 'part.conf' }\n");
        ConfigValue c = ConfigParser.parseFile(sub.resolve("main.conf"), Map.<String, String>of()::get);
        assertTrue(c.get("debug").asBoolean());
        assertEquals(1, c.get("nested").get("x").asLong());
        assertTrue(c.get("m").get("debug").asBoolean());
        assertTrue(c.get("debug").position().file().endsWith("part.conf"));
    }

    @Test
    void unquotedIncludeWorks() throws Exception {
        Files.writeString(dir.resolve("a.conf"), "port: 7\n");
        Files.writeString(dir.resolve("main.conf"), "include a.conf\n");
        assertEquals(7, ConfigParser.parseFile(dir.resolve("main.conf"), k -> null).get("port").asLong());
    }

    @Test
    void missingIncludeIsAnErrorAtTheInclude() throws Exception {
        Path main = dir.resolve("main.conf");
        Files.writeString(main, "port: 1\n  include \"nope.conf\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parseFile(main, k -> null));
        assertTrue(e.getMessage().startsWith(main + ":2:3: error parsing include file 'nope.conf'"), e.getMessage());
    }

    @Test
    void errorInsideAnIncludedFileNamesThatFile() throws Exception {
        Files.writeString(dir.resolve("bad.conf"), "a: \"unterminated\n");
        Path main = dir.resolve("main.conf");
        Files.writeString(main, "include bad.conf\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parseFile(main, k -> null));
        assertEquals(dir.resolve("bad.conf") + ":1:4: unterminated quoted string", e.getMessage());
    }

    @Test
    void includeCycleIsAnError() throws IOException {
        Files.writeString(dir.resolve("a.conf"), "include b.conf\n");
        Files.writeString(dir.resolve("b.conf"), "include a.conf\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parseFile(dir.resolve("a.conf"), k -> null));
        assertTrue(e.getMessage().contains("include cycle"), e.getMessage());
    }

    @Test
    void includeOfNonStringIsAnError() {
        assertEquals("t.conf:1:9: expected include value but found start of a map", error("include {a: 1}\n"));
        assertEquals("t.conf:1:9: expected include value but found start of a number", error("include 5\n"));
    }

    @Test
    void missingTopLevelFileIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parseFile(dir.resolve("none.conf"), k -> null));
        assertTrue(e.getMessage().contains("no such file or directory"), e.getMessage());
    }

    // ---------------------------------------------------------------- syntax errors

    @Test
    void unterminatedStringsAreErrorsAtTheirStart() {
        assertEquals("t.conf:2:14: unterminated quoted string", error("port: 4222\nserver_name: \"abc\n"));
        assertEquals("t.conf:1:4: unterminated quoted string", error("a: 'abc\n"));
        assertEquals("t.conf:1:4: unterminated block string: it ends with a ')' alone on a line",
                error("a: (\nabc\n"));
    }

    @Test
    void unterminatedMapsAndArraysAreErrorsAtTheirStart() {
        assertEquals("t.conf:1:3: unexpected EOF processing map (not closed)", error("a {\n b: 1\n"));
        assertEquals("t.conf:1:10: unexpected EOF processing array (not closed)", error("routes = [1, 2\n"));
        assertEquals("t.conf:2:4: unexpected EOF processing map (not closed)", error("x: 1\nm: {a: [1]\n"));
    }

    @Test
    void badEscapeIsAnError() {
        assertEquals("t.conf:1:16: invalid escape character 'q'. Only the following escape characters are "
                + "allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\", error("server_name: \"a\\qb\"\n"));
        assertEquals("t.conf:1:6: expected two hexadecimal digits after '\\x', but got 'zz'", error("a: \"x\\xzz\"\n"));
    }

    @Test
    void garbageAfterATopLevelValueIsAnError() {
        assertEquals("t.conf:1:11: expected a top-level value to end with a new line, comment or EOF, but got "
                + "'a' instead", error("port: \"42\"abc\n"));
    }

    @Test
    void garbageAfterAMapOrArrayValueIsAnError() {
        assertEquals("t.conf:1:11: expected a map value terminator ',' or a map terminator '}', but got 'x' instead",
                error("m { a: \"s\"x }\n"));
        assertEquals("t.conf:1:8: expected an array value terminator ',' or an array terminator ']', but got 'x' "
                + "instead", error("a: [1.5x]\n"));
    }

    @Test
    void misplacedSeparatorsAreErrors() {
        assertEquals("t.conf:1:1: unexpected key separator '='", error("= 5\n"));
        assertEquals("t.conf:1:5: unexpected array value terminator ','", error("a: [,1]\n"));
    }

    @Test
    void keyWithoutValueIsAnError() {
        assertEquals("t.conf:1:6: expected value but found new line", error("port:\n"));
        assertTrue(error("port").contains("key \"port\" has no value"));
    }

    @Test
    void badNumbersAreErrors() {
        assertEquals("t.conf:1:4: floats must start with a digit", error("a: .5\n"));
        assertEquals("t.conf:1:6: floats must have a digit after the '.', but got 'x' instead", error("a: 1.x\n"));
        assertEquals("t.conf:1:5: expected a digit but got 'x'", error("a: -x\n"));
        assertEquals("t.conf:1:4: all ISO8601 dates must be in full Zulu form", error("a: 12-01\n"));
        assertEquals("t.conf:1:14: expected 'T' in ISO8601 datetime, but found ' ' instead",
                error("a: 2024-01-02 03:04:05Z\n"));
        assertEquals("t.conf:1:4: expected Zulu formatted DateTime, but got '2024-13-02T03:04:05Z'",
                error("a: 2024-13-02T03:04:05Z\n"));
    }
}
