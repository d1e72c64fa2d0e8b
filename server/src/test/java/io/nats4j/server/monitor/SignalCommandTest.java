package io.nats4j.server.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --signal}: nats-server's messages, and real signals to a standalone server in a child JVM. */
class SignalCommandTest {

    @TempDir
    Path dir;

    @Test
    void badPidsAndCommandsAnswerWithNatsServerTexts() throws Exception {
        assertEquals(new SignalCommand.Result(1, "invalid pid: abc"), SignalCommand.run("ldm=abc"));
        assertEquals(new SignalCommand.Result(1, "invalid pid: abc"), SignalCommand.run("foo=abc"));
        long self = ProcessHandle.current().pid();
        assertEquals(new SignalCommand.Result(1, "unknown signal \"foo\""), SignalCommand.run("foo=" + self));
        assertEquals(new SignalCommand.Result(1, "unknown signal \"LDM\""), SignalCommand.run("LDM=" + self));
        Path missing = dir.resolve("nonexist.pid");
        assertEquals(new SignalCommand.Result(1, "invalid pid: " + missing), SignalCommand.run("ldm=" + missing));
        Path bad = dir.resolve("bad.pid");
        Files.writeString(bad, "12abc\n");
        assertEquals(new SignalCommand.Result(1, "invalid pid: 12abc\n"), SignalCommand.run("ldm=" + bad));
        // a pid that is certainly not running (beyond Linux's pid_max)
        assertEquals(new SignalCommand.Result(1, "no such process"), SignalCommand.run("reopen=99999999"));
    }

    @Test
    void commandsMapToNatsServerSignals() {
        assertEquals("KILL", SignalCommand.signalFor("stop"));
        assertEquals("INT", SignalCommand.signalFor("quit"));
        assertEquals("TERM", SignalCommand.signalFor("term"));
        assertEquals("USR1", SignalCommand.signalFor("reopen"));
        assertEquals("HUP", SignalCommand.signalFor("reload"));
        assertEquals("USR2", SignalCommand.signalFor("ldm"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** The standalone server (io.nats4j.server.Main) in a child JVM, with a pid file and a log file. */
    private Process startServer(Path pidFile, Path logFile, String... extra) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "io.nats4j.server.Main", "-a", "127.0.0.1", "-p", Integer.toString(freePort()),
                "-P", pidFile.toString(), "-l", logFile.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(logFile) && Files.readString(logFile).contains("Server is ready")) {
                return p;
            }
            assertTrue(p.isAlive(), "server exited: " + Files.readString(dir.resolve("stdout.txt")));
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new AssertionError("server not ready: " + Files.readString(logFile));
    }

    @Test
    @Tag("slow")
    void reopenAndLdmSignalsReachAStandaloneServerThroughItsPidFile() throws Exception {
        Path pidFile = dir.resolve("server.pid");
        Path logFile = dir.resolve("server.log");
        Process p = startServer(pidFile, logFile);
        try {
            assertEquals(Long.toString(p.pid()), Files.readString(pidFile, StandardCharsets.UTF_8));
            // rotate the log away, then reopen: the server writes to a new file at the old path
            Path rotated = dir.resolve("server.log.1");
            Files.move(logFile, rotated);
            assertEquals(new SignalCommand.Result(0, null), SignalCommand.run("reopen=" + pidFile));
            waitForLog(logFile, "File log re-opened");
            // no config file to reload: the server logs nats-server's error and keeps running
            assertEquals(new SignalCommand.Result(0, null), SignalCommand.run("reload=" + pidFile));
            waitForLog(logFile, "Failed to reload server configuration: can only reload config when a file is provided using -c or --config");
            assertTrue(p.isAlive());
            assertEquals(new SignalCommand.Result(0, null), SignalCommand.run("ldm=" + pidFile));
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "server did not exit after lame duck mode");
            assertEquals(0, p.exitValue());
            String log = Files.readString(logFile);
            assertTrue(log.contains("Entering lame duck mode, stop accepting new clients"), log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Tag("slow")
    void reloadSignalAppliesTheEditedConfigFileOrLogsWhyNot() throws Exception {
        Path pidFile = dir.resolve("server.pid");
        Path logFile = dir.resolve("server.log");
        Path conf = dir.resolve("server.conf");
        Files.writeString(conf, "server_name: one\nmax_payload: 1000\n");
        Process p = startServer(pidFile, logFile, "-c", conf.toString());
        try {
            Files.writeString(conf, "server_name: one\nmax_payload: 100\ndebug: true\n");
            assertEquals(new SignalCommand.Result(0, null), SignalCommand.run("reload=" + pidFile));
            waitForLog(logFile, "Reloaded: max_payload = 100");
            waitForLog(logFile, "Reloaded server configuration");
            // flags still override the file after a reload (-a and -p were given on the command line)
            Files.writeString(conf, "server_name: two\n");
            assertEquals(new SignalCommand.Result(0, null), SignalCommand.run("reload=" + pidFile));
            waitForLog(logFile, "Failed to reload server configuration: config reload not supported for ServerName: old=one, new=two");
            assertTrue(p.isAlive());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Tag("slow")
    void termSignalShutsDownGracefully() throws Exception {
        Path pidFile = dir.resolve("server.pid");
        Path logFile = dir.resolve("server.log");
        Process p = startServer(pidFile, logFile);
        try {
            assertEquals(new SignalCommand.Result(0, null), SignalCommand.run("term=" + p.pid()));
            assertTrue(p.waitFor(15, TimeUnit.SECONDS));
            waitForLog(logFile, "Server Exiting..");
        } finally {
            p.destroyForcibly();
        }
    }

    private static void waitForLog(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("\"" + text + "\" not in " + (Files.exists(file) ? Files.readString(file) : "(none)"));
    }
}
