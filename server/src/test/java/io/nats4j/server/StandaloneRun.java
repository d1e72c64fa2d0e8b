package io.nats4j.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the standalone entry point ({@link Main#run}) inside the test JVM for arguments that end it at once
 * ({@code -t}, or a configuration start-up refuses), capturing what it prints. Tests run one at a time in a
 * JVM (no parallel execution is configured), so swapping System.out and System.err is safe here.
 */
public record StandaloneRun(int exitCode, String out, String err) {

    public static StandaloneRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            code = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new StandaloneRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Everything printed, stdout then stderr. */
    public String output() {
        return out + err;
    }
}
