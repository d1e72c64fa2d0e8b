package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The parser either accepts or raises ConfigException: never another exception, never a hang. */
class ConfigParserRobustnessTest {

    private static final String SAMPLE = """
            # sample
            listen: 127.0.0.1:4222
            name = "a\\tb\\x41"
            raw: 'x'
            block: (
            text )
            )
            sizes [1k, 2MB, -3, 1.5, 2024-01-02T03:04:05Z, yes]
            m { a: $name, n { b: 2; c: "d" } }
            v: $ENVV
            include "missing.conf"
            """;

    private static void parseOrConfigError(String text) {
        try {
            ConfigParser.parseString(text, "r.conf", Path.of("."), Map.of("ENVV", "1")::get);
        } catch (ConfigException expected) {
            // fine: a reported error
        } catch (RuntimeException | StackOverflowError e) {
            fail("input " + text.replace("\n", "\\n") + " raised " + e, e);
        }
    }

    @Test
    void everyPrefixOfASampleParsesOrFailsCleanly() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i <= SAMPLE.length(); i++) {
                parseOrConfigError(SAMPLE.substring(0, i));
            }
        });
    }

    @Test
    void randomInputsParseOrFailCleanly() {
        String alphabet = "ab1-.:=;,{}[]()\"'\\$#/ \t\n\rxkKbB0T9Z";
        Random rnd = new Random(42);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int n = 0; n < 20_000; n++) {
                StringBuilder sb = new StringBuilder();
                int len = rnd.nextInt(40);
                for (int i = 0; i < len; i++) {
                    sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                parseOrConfigError(sb.toString());
            }
        });
    }
}
