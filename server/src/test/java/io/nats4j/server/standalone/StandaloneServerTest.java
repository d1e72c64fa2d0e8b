package io.nats4j.server.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.testsupport.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server as a process (io.nats4j.server.Main in a child JVM, as bin/nats4j runs it): flags,
 * a nats-server config file, pid and ports files, errors and exit codes, SIGTERM and an immediate restart
 * on the same port.
 */
class StandaloneServerTest {

    @TempDir
    Path dir;

    private static Process launch(Path logFile, String... args) throws IOException {
        return launch(logFile, List.of(), args);
    }

    /** As bin/nats4j runs the jar: its manifest opens java.nio and sun.nio.ch (the early listener needs the latter). */
    private static Process launchAsJar(Path logFile, String... args) throws IOException {
        return launch(logFile, List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true",
                "-Dnats4j.startup.trace=true"), args);
    }

    private static Process launch(Path logFile, List<String> jvmFlags, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.nats4j.server.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(logFile.toFile());
        return pb.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
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

    private static String run(Path log, String... args) throws Exception {
        Process p = launch(log, args);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "process finished");
        return p.exitValue() + ":" + Files.readString(log);
    }

    /**
     * Item 7 of issue #11: on SIGTERM the client connections are closed last, right before the process exits, as
     * nats-server does (a client timing its reconnect from its disconnect found the server still exiting for
     * 7-10 ms). So when a client sees its connection end, the pid file is already removed and "Server Exiting.."
     * logged (they used to come after the client connections were closed).
     */
    @Test
    void sigtermClosesClientConnectionsLastRightBeforeTheExit() throws Exception {
        int port = freePort();
        Path pidFile = dir.resolve("last.pid");
        Path log = dir.resolve("last.log");
        Process p = launch(log, "-a", "127.0.0.1", "-p", Integer.toString(port), "-P", pidFile.toString());
        awaitPort(port, p, log);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            java.io.InputStream in = s.getInputStream();
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.US_ASCII));
            assertTrue(r.readLine().startsWith("INFO "));
            s.getOutputStream().write("CONNECT {\"verbose\":false}\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("PONG", r.readLine());
            assertTrue(Files.exists(pidFile), "pid file written");
            p.destroy(); // SIGTERM
            try {
                while (r.read() >= 0) {
                    // until the server ends the connection
                }
            } catch (IOException reset) {
                // ended all the same
            }
            long eofNanos = System.nanoTime();
            boolean pidFileGone = !Files.exists(pidFile);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits");
            long gapMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - eofNanos);
            String out = Files.readString(log);
            assertTrue(pidFileGone, "the pid file is removed before the clients are closed: " + out);
            assertTrue(out.contains("[INF] Server Exiting.."), out);
            System.out.println("client end of stream -> process exit: " + gapMs + " ms (waitFor's granularity)");
        }
    }

    @Test
    void configFileAndFlagsStartTheServerAndSigtermStopsItCleanly() throws Exception {
        int port = freePort();
        Path conf = dir.resolve("server.conf");
        // written for nats-server: = and : separators, a comment, a size suffix, a duration, a variable
        Files.writeString(conf, """
                # nats-server style config
                PORT_VAR: %d
                host: 127.0.0.1
                port: $PORT_VAR
                server_name = "cfg-name"
                max_payload: 512KB
                ping_interval: "30s"
                pid_file: "%s"
                ports_file_dir: "%s"
                """.formatted(port, dir.resolve("nats.pid"), dir));
        Path log = dir.resolve("out.log");
        Process p = launch(log, "-c", conf.toString(), "-n", "flag-name");
        awaitPort(port, p, log);
        try (RawClient c = RawClient.open(port, 0)) {
            String info = c.info();
            assertTrue(info.contains("\"server_name\":\"flag-name\""), "flag overrides the file: " + info);
            assertTrue(info.contains("\"max_payload\":524288"), info);
            c.connect("{\"verbose\":false}").send("PING\r\n").expect("PONG\r\n");
        }
        Path pidFile = dir.resolve("nats.pid");
        assertEquals(Long.toString(p.pid()), Files.readString(pidFile).trim());
        Path ports = dir.resolve("nats4j_" + p.pid() + ".ports");
        assertTrue(Files.readString(ports).contains("nats://127.0.0.1:" + port), Files.readString(ports));

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exits promptly on SIGTERM");
        String out = Files.readString(log);
        assertTrue(out.contains("[INF] Server Exiting.."), out);
        assertEquals(1, p.exitValue(), "nats-server's exit status after SIGTERM");
        assertFalse(Files.exists(pidFile), "pid file removed");
        assertFalse(Files.exists(ports), "ports file removed");

        // the port can be bound again at once by a restarted server
        Path log2 = dir.resolve("out2.log");
        Process again = launch(log2, "-a", "127.0.0.1", "-p", Integer.toString(port));
        try {
            awaitPort(port, again, log2);
        } finally {
            again.destroy();
            again.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Issue #10 item 8: SIGINT shuts down as nats-server 2.9.10 does ({@code os.Exit(0)} after {@code Shutdown()}),
     * checked side by side with the Go binary when it is installed.
     */
    @Test
    void sigintExitsWithStatusZeroAsNatsServerDoes() throws Exception {
        int port = freePort();
        Path log = dir.resolve("int.log");
        Process p = launch(log, "-a", "127.0.0.1", "-p", Integer.toString(port));
        awaitPort(port, p, log);
        try (RawClient c = RawClient.open(port, 0)) {
            c.connect("{\"verbose\":false}").send("PING\r\n").expect("PONG\r\n");
            signal("INT", p);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exits promptly on SIGINT");
            assertEquals("", c.expectClosed(java.time.Duration.ofSeconds(2)), "the client is closed, with nothing sent");
        }
        String out = Files.readString(log);
        assertTrue(out.contains("[INF] Server Exiting.."), out);
        assertEquals(0, p.exitValue(), "nats-server's exit status after SIGINT: " + out);

        Path go;
        try {
            go = io.nats4j.server.testsupport.GoTestServer.binary();
        } catch (IllegalStateException notInstalled) {
            return;
        }
        int goPort = freePort();
        Process g = new ProcessBuilder(go.toString(), "-a", "127.0.0.1", "-p", Integer.toString(goPort))
                .redirectErrorStream(true).redirectOutput(dir.resolve("go.log").toFile()).start();
        try {
            awaitPort(goPort, g, dir.resolve("go.log"));
            signal("INT", g);
            assertTrue(g.waitFor(10, TimeUnit.SECONDS), "nats-server exits on SIGINT");
            assertEquals(0, g.exitValue(), "nats-server's own status: " + Files.readString(dir.resolve("go.log")));
        } finally {
            g.destroyForcibly();
        }
    }

    private static void signal(String name, Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
        assertTrue(kill.waitFor(5, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    @Test
    void logLinesHaveNatsServerShape() throws Exception {
        int port = freePort();
        Path log = dir.resolve("out.log");
        Process p = launch(log, "-a", "127.0.0.1", "-p", Integer.toString(port), "-DV");
        try {
            awaitPort(port, p, log);
            try (RawClient c = RawClient.open(port, 0)) {
                c.connect("{\"verbose\":false}").send("SUB foo 1\r\nPING\r\n").expect("PONG\r\n");
            }
            Thread.sleep(200);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log);
        String pid = Long.toString(p.pid());
        assertTrue(out.matches("(?s).*\\[" + pid + "\\] \\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\[INF\\] Server is ready.*"), out);
        assertTrue(out.contains("[DBG] 127.0.0.1:"), out);
        assertTrue(out.contains("[TRC] 127.0.0.1:") && out.contains("<<- [SUB foo 1]"), out);
    }

    /**
     * Starts the server with {@code config}, makes one refused connection per CONNECT (each answered with
     * -ERR 'Authorization Violation'), stops it and returns its log.
     */
    private String refusedConnectionsLog(String name, String config, String... connects) throws Exception {
        int port = freePort();
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, config);
        Path log = dir.resolve(name + ".log");
        Process p = launch(log, "-c", conf.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port));
        try {
            awaitPort(port, p, log);
            for (String connect : connects) {
                try (RawClient c = RawClient.open(port, 0)) {
                    c.connect(connect).expect("-ERR 'Authorization Violation'\r\n");
                    c.expectClosed(java.time.Duration.ofSeconds(3));
                }
            }
            Thread.sleep(200);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return Files.readString(log);
    }

    private static void assertLogLine(String out, String afterCid) {
        assertTrue(out.matches("(?s).*\\[ERR\\] 127\\.0\\.0\\.1:\\d+ - cid:\\d+ - " + java.util.regex.Pattern.quote(afterCid) + "\n.*"),
                "a line ending in: " + afterCid + "\n" + out);
    }

    /*
     * nats-server 2.9.10's lines, as the client-compat run showed them: once CONNECT arrived the client is
     * named "v<version>:<lang>:<name>" (Go-quoted, empty parts left out); the detail after "authentication
     * error" follows the configuration (nkey users: the CONNECT nkey; else a users list: the CONNECT user;
     * else, e.g. a token, nothing), not what the client sent; a plain-text password gets a start-up warning.
     */
    @Test
    void refusedClientsAreLoggedAsNatsServerLogsThem() throws Exception {
        String nkey = new String(io.nats.client.NKey.createUser(null).getPublicKey());
        String users = refusedConnectionsLog("users", "authorization { users: [ {user: a, password: b} ] }\n",
                "{\"user\":\"a\",\"pass\":\"x\",\"version\":\"1.0\",\"lang\":\"java\",\"name\":\"n\\\"m\"}",
                "{\"auth_token\":\"t\",\"lang\":\"c\"}",
                "{\"user\":\"b\",\"pass\":\"x\"}");
        assertTrue(users.contains("[WRN] Plaintext passwords detected, use nkeys or bcrypt"), users);
        assertLogLine(users, "\"v1.0:java:n\\\"m\" - authentication error - User \"a\"");
        assertLogLine(users, "\"c\" - authentication error - User \"\"");
        assertLogLine(users, "authentication error - User \"b\"");

        String nkeys = refusedConnectionsLog("nkeys", "authorization { users: [ {user: a, password: b}, {nkey: " + nkey + "} ] }\n",
                "{\"user\":\"a\",\"pass\":\"x\",\"version\":\"2\"}",
                "{\"nkey\":\"" + nkey + "\",\"sig\":\"AAAA\",\"lang\":\"go\"}");
        assertLogLine(nkeys, "\"v2\" - authentication error - Nkey \"\"");
        assertLogLine(nkeys, "\"go\" - authentication error - Nkey \"" + nkey + "\"");

        String token = refusedConnectionsLog("token", "authorization { token: s3cret }\n",
                "{\"user\":\"a\",\"pass\":\"x\",\"lang\":\"node\"}", "{\"auth_token\":\"x\"}");
        assertFalse(token.contains("Plaintext passwords"), token);
        assertLogLine(token, "\"node\" - authentication error");
        assertLogLine(token, "authentication error");
    }

    /*
     * nats-server 2.9.10 in operator mode: a "Trusted Operators" block at start-up, and a warning when a user's
     * account is not in the resolver (then the bare "authentication error").
     */
    @Test
    void operatorModeLogsTheOperatorAndAMissingAccountAsNatsServerDoes() throws Exception {
        io.nats4j.server.testsupport.TestJwts.Operator op = new io.nats4j.server.testsupport.TestJwts.Operator(dir);
        op.account("KNOWN");
        io.nats.client.NKey unknown = io.nats4j.server.testsupport.TestJwts.accountKey();
        io.nats.client.NKey user = io.nats4j.server.testsupport.TestJwts.userKey();
        String config = op.config();
        String userJwt = io.nats4j.server.testsupport.TestJwts.encode(unknown,
                io.nats4j.server.testsupport.TestJwts.pub(user), "u", io.nats4j.server.testsupport.TestJwts.userNats());
        int port = freePort();
        Path conf = dir.resolve("op.conf");
        Files.writeString(conf, config);
        Path log = dir.resolve("op.log");
        Process p = launch(log, "-c", conf.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port));
        try {
            awaitPort(port, p, log);
            try (RawClient c = RawClient.open(port, 0)) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"nonce\":\"([^\"]+)\"").matcher(c.info());
                assertTrue(m.find(), c.info());
                c.connect("{\"verbose\":false,\"lang\":\"java\",\"jwt\":\"" + userJwt + "\",\"sig\":\""
                        + io.nats4j.server.testsupport.TestJwts.sign(user, m.group(1)) + "\"}")
                        .expect("-ERR 'Authorization Violation'\r\n");
            }
            Thread.sleep(200);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log);
        assertTrue(out.contains("[INF] Trusted Operators\n"), out);
        assertTrue(out.matches("(?s).*\\[INF\\]   System  : \"\"\n.*\\[INF\\]   Operator: \"OP\"\n"
                + ".*\\[INF\\]   Issued  : \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d{4} \\S+\n"
                + ".*\\[INF\\]   Expires : Never\n.*"), out);
        assertTrue(out.contains("[WRN] Account fetch failed: account missing\n"), out);
        assertLogLine(out, "\"java\" - authentication error");
    }

    @Test
    void versionHelpAndConfigCheck() throws Exception {
        String v = run(dir.resolve("v.log"), "--version");
        assertTrue(v.startsWith("0:nats-server: v"), v);
        assertTrue(v.matches("(?s)0:nats-server: v\\d+\\.\\d+\\.\\d+\n.*"), v);
        String h = run(dir.resolve("h.log"), "-h");
        assertTrue(h.startsWith("0:") && h.contains("--port"), h);
        Path good = dir.resolve("good.conf");
        Files.writeString(good, "port: 4222\n");
        String t = run(dir.resolve("t.log"), "-t", "-c", good.toString());
        assertTrue(t.startsWith("0:") && t.contains("is valid"), t);
    }

    @Test
    void invalidConfigNamesFileLineAndColumnAndExitsNonZero() throws Exception {
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "port: 4222\n  bogus_key: 1\n", StandardCharsets.UTF_8);
        String out = run(dir.resolve("bad.log"), "-c", bad.toString());
        assertTrue(out.startsWith("1:"), out);
        assertTrue(out.contains("bad.conf:2:3") && out.contains("unknown field \"bogus_key\""), out);
        Path later = dir.resolve("later.conf");
        Files.writeString(later, "leafnodes {}\n");
        String out2 = run(dir.resolve("later.log"), "-c", later.toString());
        assertTrue(out2.startsWith("1:") && out2.contains("not supported yet"), out2);
    }

    /** How long a client of the early listener may wait for INFO: the rest of the server's start-up. */
    private static final java.time.Duration EARLY_INFO = java.time.Duration.ofSeconds(30);

    @Test
    void earlyListenerAcceptsBeforeTheServerIsReadyAndNettyTakesItOver() throws Exception {
        int port = freePort();
        Path log = dir.resolve("early.log");
        Process p = launchAsJar(log, "-a", "127.0.0.1", "-p", Integer.toString(port), "--ports_file_dir", dir.toString());
        try {
            awaitPort(port, p, log);
            // connected as early as possible: INFO comes once Netty has taken the socket over, that is once the
            // JVM has started the whole server, which takes many seconds on a loaded machine
            try (RawClient c = RawClient.open(port, 0, EARLY_INFO); RawClient d = RawClient.open(port, 0, EARLY_INFO)) {
                assertTrue(c.info().contains("\"port\":" + port), "INFO names the port");
                d.info();
                c.connect("{\"verbose\":false}").send("SUB early 1\r\nPING\r\n").expect("PONG\r\n");
                d.connect("{\"verbose\":false}").send("PUB early 2\r\nhi\r\nPING\r\n").expect("PONG\r\n");
                c.expect("MSG early 1 2\r\nhi\r\n");
            }
            String out = Files.readString(log);
            assertTrue(out.contains("early listener (main)"), "bound before Netty: " + out);
            if (io.nats4j.server.testsupport.ListenBacklog.available()) {
                // the socket bound early keeps its accept queue: as long as nats-server's (the kernel's maximum)
                assertEquals(io.nats4j.server.testsupport.ListenBacklog.somaxconn(),
                        io.nats4j.server.testsupport.ListenBacklog.of(port));
            }
            assertFalse(out.contains("no early listener"), out);
            Path ports = dir.resolve("nats4j_" + p.pid() + ".ports");
            assertTrue(Files.readString(ports).contains("nats://127.0.0.1:" + port), Files.readString(ports));
        } finally {
            p.destroy();
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exits promptly on SIGTERM");
        assertTrue(Files.readString(log).contains("[INF] Server Exiting.."), Files.readString(log));
        // Netty closed the socket it took over: the port is free again at once
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void withAddressAndPortFlagsTheEarlyListenerComesBeforeTheConfigFile() throws Exception {
        int port = freePort();
        Path conf = dir.resolve("early.conf");
        Files.writeString(conf, "port: 1\nserver_name: from-file\n"); // the flags override the file's port
        Path log = dir.resolve("early-conf.log");
        Process p = launchAsJar(log, "-c", conf.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port));
        try {
            awaitPort(port, p, log);
            try (RawClient c = RawClient.open(port, 0, EARLY_INFO)) {
                assertTrue(c.info().contains("\"server_name\":\"from-file\""), c.info());
                c.connect("{\"verbose\":false}").send("PING\r\n").expect("PONG\r\n");
            }
            String out = Files.readString(log);
            int early = out.indexOf("early listener (main)");
            int config = out.indexOf("command line (main)");
            assertTrue(early >= 0 && config > early, "bound before the config file was read: " + out);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void earlyListenerOnARandomPortIsTheOneInTheLogAndPortsFile() throws Exception {
        Path log = dir.resolve("early-random.log");
        Process p = launchAsJar(log, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", dir.toString());
        try {
            Path ports = dir.resolve("nats4j_" + p.pid() + ".ports");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(Files.exists(ports) && Files.size(ports) > 0) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("nats://127\\.0\\.0\\.1:(\\d+)")
                    .matcher(Files.readString(ports));
            assertTrue(m.find(), Files.readString(ports));
            int port = Integer.parseInt(m.group(1));
            try (RawClient c = RawClient.open(port, 0)) {
                c.info();
                c.connect("{\"verbose\":false}").send("PING\r\n").expect("PONG\r\n");
            }
            String out = Files.readString(log);
            assertTrue(out.contains("early listener (main)"), out);
            assertTrue(out.contains("Listening for client connections on 127.0.0.1:" + port), out);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void portInUseWithTheEarlyListenerIsTheSameFatalError() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Process p = launchAsJar(dir.resolve("busy-early.log"), "-a", "127.0.0.1", "-p",
                    Integer.toString(taken.getLocalPort()));
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "process finished");
            String out = Files.readString(dir.resolve("busy-early.log"));
            assertEquals(1, p.exitValue(), out);
            assertTrue(out.contains("no early listener") && out.contains("[FTL] Error listening on port: 127.0.0.1:"
                    + taken.getLocalPort()), out);
        }
    }

    @Test
    void portInUseIsAFatalErrorWithNonZeroExit() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            String out = run(dir.resolve("busy.log"), "-a", "127.0.0.1", "-p", Integer.toString(taken.getLocalPort()));
            assertTrue(out.startsWith("1:") && out.contains("[FTL]"), out);
        }
    }

}
