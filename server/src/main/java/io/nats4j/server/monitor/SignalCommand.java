package io.nats4j.server.monitor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code --signal <command>[=<pid or pid file>]}: sends a running server the signal nats-server maps the
 * command to (stop: KILL, quit: INT, term: TERM, reopen: USR1, reload: HUP, ldm: USR2) with {@code kill}.
 * Without a pid, the single running nats4j server is looked up. Messages are nats-server's.
 */
public final class SignalCommand {

    /** The outcome: exit code and the message to print on stderr (null when none). */
    public record Result(int exitCode, String error) {
    }

    private SignalCommand() {
    }

    /** The signal name for a command, or null for an unknown command. */
    static String signalFor(String command) {
        return switch (command) {
            case "stop" -> "KILL";
            case "quit" -> "INT";
            case "term" -> "TERM";
            case "reopen" -> "USR1";
            case "reload" -> "HUP";
            case "ldm" -> "USR2";
            default -> null;
        };
    }

    public static Result run(String spec) {
        int eq = spec.indexOf('=');
        String command = eq < 0 ? spec : spec.substring(0, eq);
        String pidExpr = eq < 0 ? "" : spec.substring(eq + 1);
        long pid;
        if (pidExpr.isEmpty()) {
            List<Long> pids = runningServers();
            if (pids.isEmpty()) {
                return new Result(1, "no nats4j processes running");
            }
            if (pids.size() > 1) {
                StringBuilder sb = new StringBuilder("multiple nats4j processes running:");
                pids.forEach(p -> sb.append('\n').append(p));
                return new Result(1, sb.toString());
            }
            pid = pids.get(0);
        } else {
            String pidStr = pidExpr;
            Path file = Path.of(pidExpr);
            if (Files.isRegularFile(file)) {
                try {
                    pidStr = Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return new Result(1, "could not read pid file: " + e.getMessage());
                }
            }
            try {
                pid = Long.parseLong(pidStr);
            } catch (NumberFormatException e) {
                return new Result(1, "invalid pid: " + pidStr);
            }
        }
        String signal = signalFor(command);
        if (signal == null) {
            return new Result(1, "unknown signal \"" + command + "\"");
        }
        if (pid <= 0 || ProcessHandle.of(pid).isEmpty()) {
            return new Result(1, "no such process");
        }
        return kill(pid, signal);
    }

    private static Result kill(long pid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-s", signal, Long.toString(pid))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(1, "kill did not finish");
            }
            if (p.exitValue() != 0) {
                String low = out.toLowerCase(Locale.ROOT);
                return new Result(1, low.contains("no such process") ? "no such process"
                        : low.contains("not permitted") ? "operation not permitted" : out);
            }
            return new Result(0, null);
        } catch (IOException e) {
            return new Result(1, "cannot run kill: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(1, "interrupted");
        }
    }

    /** Other processes running the nats4j server (the main class or the server jar on their command line). */
    static List<Long> runningServers() {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self)
                .filter(p -> {
                    Optional<String> cmd = p.info().commandLine();
                    return cmd.isPresent() && (cmd.get().contains("io.nats4j.server.Main")
                            || cmd.get().matches(".*nats4j-server[^ ]*\\.jar.*"));
                })
                .map(ProcessHandle::pid)
                .sorted()
                .toList();
    }
}
