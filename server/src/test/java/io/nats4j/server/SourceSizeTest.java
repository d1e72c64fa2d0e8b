package io.nats4j.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue #12's rule: no class in {@code server/src/main} is over {@value #MAX_LINES} lines (counted as
 * {@code wc -l} counts them), so each can be read in one sitting. A file over the limit fails this test, named
 * with its size; split it by role.
 */
class SourceSizeTest {

    static final int MAX_LINES = 700;

    /** Surefire runs in the module's directory. */
    private static final Path MAIN = Path.of("src", "main", "java");

    @Test
    void noMainSourceFileIsOverTheLimit() throws IOException {
        assertTrue(Files.isDirectory(MAIN), "no " + MAIN.toAbsolutePath());
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String name = MAIN.relativize(f).toString().replace('\\', '/');
                long lines = lines(f);
                if (lines > MAX_LINES) {
                    offenders.add(name + " (" + lines + " lines)");
                }
            }
        }
        assertTrue(offenders.isEmpty(), "classes in server/src/main over " + MAX_LINES + " lines (split them by role): "
                + String.join(", ", offenders));
    }

    /** Newlines, as {@code wc -l} counts them. */
    private static long lines(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }
}
