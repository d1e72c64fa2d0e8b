package io.nats4j.server.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nats.NatsServerRunner;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.config.CommandLine;
import io.nats4j.server.testsupport.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/nats4j started the way client projects' harnesses start nats-server: jnats-server-runner writes a config
 * file, execs the server with {@code --config} and gives it a few hundred milliseconds to accept a connection
 * (docs/OPERATIONS.md, "Start-up for test harnesses"). With 4 busy processes on the machine and a TLS config,
 * the server bound its port only after a cold JVM had read the config and built its TLS context (0.8-4.6 s);
 * bin/nats4j's socket activation (launcher/nats4j-listen.c) binds it before the JVM starts.
 *
 * <p>The server runs the suite's own classes through bin/nats4j (NATS4J_CLASS_PATH, set by a one-line wrapper
 * the runner execs): the launcher, its C part and its flags are the real ones.
 */
class StandaloneHarnessTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path BIN = ROOT.resolve("bin/nats4j");
    /**
     * The runner's check, as harnesses use it: the process must be alive after PROCESS_CHECK_MS, then one connection
     * attempt (jnats-server-runner 2.0.2 retries on a channel that the failed attempt closed, so its first attempt
     * decides). Its default wait is 100 ms; this machine is shared with other builds (nats-server itself took
     * 0.3-0.8 s to accept under the same load), so 1 s here: before socket activation bin/nats4j needed 0.8-4.6 s
     * with these configs and 4 busy processes, tens of seconds for this suite's class-path launch.
     */
    private static final long PROCESS_CHECK_MS = 1000;
    private static final int CONNECT_TRIES = 1;
    private static final long CONNECT_WAIT_MS = 100;

    @TempDir
    Path dir;

    private final List<Process> busy = new ArrayList<>();

    @BeforeEach
    void requirements() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && Files.isExecutable(BIN), "Linux, bin/nats4j");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/cc")) || Files.isExecutable(Path.of("/usr/local/bin/cc")),
                "socket activation needs a C compiler");
    }

    @AfterEach
    void stopBusy() throws InterruptedException {
        for (Process p : busy) {
            p.destroyForcibly();
        }
        for (Process p : busy) {
            p.waitFor(5, TimeUnit.SECONDS);
        }
        busy.clear();
    }

    /**
     * {@code n} processes spinning on the CPU, killed by {@link #stopBusy}, each ending on its own after 90 s at the
     * latest (bash's own clock: the loop forks nothing, and killing it kills the only process).
     */
    private void loadCpus(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            busy.add(new ProcessBuilder("bash", "-c", "end=$((SECONDS + 90)); while ((SECONDS < end)); do :; done")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
    }

    /** An executable that runs bin/nats4j on the suite's classes, as the runner's "nats-server". */
    private Path wrapper() throws IOException {
        Path w = dir.resolve("nats-server");
        Files.writeString(w, "#!/bin/sh\nNATS4J_CLASS_PATH='" + System.getProperty("java.class.path")
                + "' exec '" + BIN + "' \"$@\"\n");
        Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwx------"));
        return w;
    }

    /** Compiles and warms the launcher (first use compiles the C part), outside the timed start. */
    private void warmLauncher(Path exe) throws Exception {
        Process p = new ProcessBuilder(exe.toString(), "--version").redirectErrorStream(true)
                .redirectOutput(dir.resolve("version.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("version.log")));
        Process probe = new ProcessBuilder(exe.toString(), "-p", "-1", "-a", "127.0.0.1").redirectErrorStream(true)
                .redirectOutput(dir.resolve("probe.log").toFile()).start();
        Thread.sleep(200);
        probe.destroy();
        probe.waitFor(20, TimeUnit.SECONDS);
    }

    private NatsServerRunner runner(Path exe, Path config) throws IOException {
        return NatsServerRunner.builder()
                .executablePath(exe)
                .configFilePath(config)
                .processCheckWait(PROCESS_CHECK_MS)
                .processCheckTries(1)
                .connectCheckWait(CONNECT_WAIT_MS)
                .connectCheckTries(CONNECT_TRIES)
                .outputLevel(Level.WARNING)
                .build();
    }

    private static void roundTrip(Connection c) throws Exception {
        Subscription sub = c.subscribe("harness.t");
        c.publish("harness.t", "hi".getBytes(StandardCharsets.UTF_8));
        Message m = sub.nextMessage(Duration.ofSeconds(20));
        assertTrue(m != null && "hi".equals(new String(m.getData(), StandardCharsets.UTF_8)), "message delivered");
    }

    private static Options.Builder patient(Options.Builder b) {
        // the machine is loaded: the first INFO may take seconds; the accept check is the runner's
        return b.connectionTimeout(Duration.ofSeconds(90)).socketWriteTimeout(Duration.ofSeconds(100)).noReconnect();
    }

    /**
     * Item 4 of issue #11: a payload over max_payload gets {@code -ERR 'Maximum Payload Violation'} and then, as
     * from nats-server, a connection reset (the rest of the payload is left unread), not a clean end of stream.
     */
    private static void payloadViolationEndsInAReset(Socket s) throws IOException {
        s.setSoTimeout(90_000);
        String info = line(s.getInputStream());
        assertTrue(info.startsWith("INFO "), info);
        payloadViolationEndsInAResetAfterInfo(s);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    @Test
    void harnessWithTlsConfigUnderCpuLoadFindsTheServerAccepting() throws Exception {
        TestCertificates ca = TestCertificates.create(dir, "harness-ca");
        TestCertificates.Issued cert = ca.server("server", TestCertificates.KeyFormat.PKCS8);
        Path conf = dir.resolve("tls.conf");
        // the runner appends "port: N"; a long handshake timeout: a cold JVM's first handshake on a loaded machine
        Files.writeString(conf, """
                max_payload: 65536
                tls {
                  cert_file: "%s"
                  key_file: "%s"
                  timeout: 60
                }
                """.formatted(cert.certFile(), cert.keyFile()));
        Path exe = wrapper();
        warmLauncher(exe);
        loadCpus(4);
        try (NatsServerRunner server = runner(exe, conf)) {
            try (Connection c = Nats.connect(patient(Options.builder().server("tls://localhost:" + server.getPort())
                    .sslContext(ca.clientContext(null))).build())) {
                roundTrip(c);
            }
            javax.net.ssl.SSLSocketFactory tls = ca.clientContext(null).getSocketFactory();
            try (Socket raw = new Socket("127.0.0.1", server.getPort())) {
                raw.setSoTimeout(90_000);
                String info = line(raw.getInputStream());
                assertTrue(info.contains("\"tls_required\":true"), info);
                try (SSLSocket s = (SSLSocket) tls.createSocket(raw, "localhost", server.getPort(), true)) {
                    s.startHandshake();
                    payloadViolationEndsInAResetAfterInfo(s);
                }
            }
        }
    }

    /**
     * As {@link #payloadViolationEndsInAReset} on a connection whose INFO was read already; on a TLS socket the end
     * is nats-server's over TLS: the -ERR, then the end of the stream.
     */
    private static void payloadViolationEndsInAResetAfterInfo(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        out.write("CONNECT {\"verbose\":false}\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertEquals("PONG", line(in));
        // just over max_payload (1 KiB in the plain config): before the fix the whole frame came in one read, the
        // input was empty at the close, and the client saw a clean end of stream; nats-server resets
        int size = s instanceof SSLSocket ? 1 << 20 : 1500;
        byte[] payload = new byte[size];
        java.util.Arrays.fill(payload, (byte) 'x');
        try {
            out.write(("PUB big " + size + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
        } catch (IOException resetWhileSending) {
            // see payloadViolationEndsInAReset
        }
        assertEquals("-ERR 'Maximum Payload Violation'", line(in));
        if (!(s instanceof SSLSocket)) {
            IOException end = assertThrows(IOException.class, () -> {
                while (in.read() >= 0) {
                    // drain
                }
            }, "the connection is reset, not closed cleanly");
            assertTrue(String.valueOf(end.getMessage()).contains("reset"), end.toString());
            return;
        }
        // over TLS nats-server (Go's tls.Conn.Close) sends close_notify before the socket is reset: the client reads
        // a clean TLS end of stream, and so it does here (Netty's SslHandler closes the same way)
        try {
            while (in.read() >= 0) {
                // drain
            }
        } catch (IOException resetAfterCloseNotify) {
            // the reset may overtake the alert: the connection ends either way
        }
    }

    @Test
    void harnessWithListenOnlyConfigUnderCpuLoadFindsTheServerAccepting() throws Exception {
        Path conf = dir.resolve("plain.conf");
        Files.writeString(conf, "# written by a harness\nmax_payload: 1024\n");
        Path exe = wrapper();
        warmLauncher(exe);
        loadCpus(4);
        for (int round = 0; round < 2; round++) {
            try (NatsServerRunner server = runner(exe, conf)) {
                try (Connection c = Nats.connect(patient(Options.builder().server("nats://localhost:" + server.getPort()))
                        .build())) {
                    roundTrip(c);
                    assertEquals(1024, c.getServerInfo().getMaxPayload());
                }
                try (Socket s = new Socket("127.0.0.1", server.getPort())) {
                    payloadViolationEndsInAReset(s);
                }
            }
        }
    }

    @Test
    void portInUseAndBadConfigFailAsWithoutTheLauncher() throws Exception {
        Path exe = wrapper();
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            Path conf = dir.resolve("taken.conf");
            Files.writeString(conf, "listen: 127.0.0.1:" + port + "\n");
            Process p = new ProcessBuilder(exe.toString(), "-c", conf.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("taken.log").toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = Files.readString(dir.resolve("taken.log"));
            assertEquals(1, p.exitValue(), out);
            assertTrue(out.contains("[FTL] Error listening on port: 127.0.0.1:" + port), out);
        }
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "port: 4222\nno_such_key: 1\n");
        Process p = new ProcessBuilder(exe.toString(), "-c", bad.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("bad.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(dir.resolve("bad.log"));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("unknown field \"no_such_key\""), out);
    }

    /**
     * A user's own class-data flags in NATS4J_JAVA_OPTS replace the launcher's: with {@code -XX:AOTCache} the JVM
     * refused to start ("Option AOTCache cannot be used at the same time with ... -Xshare:auto"), because the
     * launcher passed {@code -Xshare:auto} in every start.
     */
    @Test
    void usersOwnAotCacheFlagReplacesTheLaunchersClassData() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "-XX:AOTCache needs JDK 25");
        Path exe = wrapper();
        ProcessBuilder pb = new ProcessBuilder(exe.toString(), "--version").redirectErrorStream(true)
                .redirectOutput(dir.resolve("aot.log").toFile());
        pb.environment().put("NATS4J_JAVA_OPTS",
                "-XX:AOTCache=" + dir.resolve("none.aot") + " -Xlog:aot=off -Xlog:cds=off");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(dir.resolve("aot.log"));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("nats-server: v"), out);
    }

    // ---------------------------------------------------------------- the launcher's reading of the command line

    private Path compileLauncher() throws Exception {
        Path bin = dir.resolve("nats4j-listen");
        Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-Werror", "-o", bin.toString(),
                ROOT.resolve("launcher/nats4j-listen.c").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("cc.log").toFile()).start();
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, cc.exitValue(), Files.readString(dir.resolve("cc.log")));
        return bin;
    }

    /** "host port" as the launcher would bind it, or "none". */
    private static String probe(Path launcher, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--probe"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out;
    }

    /** The address the server itself resolves, in the launcher's spelling; "none" when it would not start. */
    private static String javaReading(String... args) {
        try {
            CommandLine.Result r = CommandLine.parse(args, k -> null);
            if (r.showHelp() || r.showVersion() || r.testConfig() || r.signal() != null) {
                return "none";
            }
            ServerOptions o = r.options();
            String host = o.host == null || o.host.isEmpty() ? ServerOptions.DEFAULT_HOST : o.host;
            return host + " " + o.port;
        } catch (Exception e) {
            return "error";
        }
    }

    @Test
    void launcherReadsTheAddressAsTheServerDoesOrNotAtAll() throws Exception {
        Path launcher = compileLauncher();
        Path inc = dir.resolve("sub");
        Files.createDirectories(inc);
        Files.writeString(inc.resolve("net.conf"), "host: \"127.0.0.1\"\nport: 4555\n");
        String[][] files = {
            {"listen.conf", "listen: 127.0.0.1:4333\n"},
            {"listen-port.conf", "listen: 4334\n"},
            {"listen-random.conf", "listen: \"127.0.0.1:-1\"\n"},
            {"listen-v6.conf", "listen: \"[::1]:4335\"\n"},
            {"port.conf", "# harness\nport: 4336 # client port\n"},
            {"port-eq.conf", "port = 4337; host = 127.0.0.1\n"},
            {"tls.conf", "port: 4338\ntls {\n  cert_file: \"c.pem\"\n  key_file: k.pem\n  timeout: 2\n}\n"},
            {"nested.conf", "port: 4339\nhttp: 8222\ncluster { listen: 127.0.0.2:6222, port: 1 }\n"
                + "authorization { users = [ {user: a, password: \"p}{\"}, {user: b} ] }\n"},
            {"include.conf", "include ./sub/net.conf\nmax_payload: 1MB\n"},
            {"include-block.conf", "port: 4340\naccounts { include \"sub/net.conf\" }\n"},
            {"uppercase.conf", "PORT: 4341\nHost: 127.0.0.1\n"},
            {"default.conf", "server_name: x\n"},
            // the launcher must stay out of these
            {"variable.conf", "P: 4342\nport: $P\n"},
            {"env.conf", "port: $NATS4J_TEST_NO_SUCH_VAR\n"},
            {"listen-and-port.conf", "listen: 127.0.0.1:4343\nport: 4344\n"},
            {"twice.conf", "port: 4345\nport: 4346\n"},
            {"hostname.conf", "host: example.invalid\nport: 4347\n"},
            {"suffix.conf", "port: 4k\n"},
            {"block-string.conf", "port: 4348\nbanner: (\n  {\n)\n"},
            {"missing-include.conf", "include nowhere.conf\n"},
        };
        for (String[] f : files) {
            Files.writeString(dir.resolve(f[0]), f[1]);
        }
        List<String[]> cases = new ArrayList<>();
        for (String[] f : files) {
            cases.add(new String[] {"-c", dir.resolve(f[0]).toString()});
            cases.add(new String[] {"--config=" + dir.resolve(f[0]), "-DV", "-a", "127.0.0.1"});
            cases.add(new String[] {"-c", dir.resolve(f[0]).toString(), "--port", "-1"});
        }
        cases.add(new String[] {"-p", "4350"});
        cases.add(new String[] {"--addr=::1", "-p=4351", "-n", "x", "-m", "8222", "--tls"});
        cases.add(new String[] {"-p", "4352", "-t"});
        cases.add(new String[] {"-p", "4352", "--help"});
        cases.add(new String[] {"-p", "4352", "-v"});
        cases.add(new String[] {"-p", "4352", "--signal", "stop"});
        cases.add(new String[] {"-p", "4352", "-unknown_flag"});
        cases.add(new String[] {"-p", "4352", "stray"});
        cases.add(new String[] {"-p", "4352", "0x10"});
        cases.add(new String[] {"-p", "0x10"});
        cases.add(new String[] {"-D=false", "-p", "4353"});
        java.util.Set<String> unsure = java.util.Set.of("variable.conf", "env.conf", "listen-and-port.conf",
                "twice.conf", "suffix.conf", "block-string.conf", "missing-include.conf");
        int bound = 0;
        for (String[] args : cases) {
            String launcherSays = probe(launcher, args);
            String what = String.join(" ", args);
            boolean mustNotBind = unsure.stream().anyMatch(what::contains)
                    || what.contains("hostname.conf") && !what.contains("-a 127.0.0.1")
                    || List.of(args).stream().anyMatch(List.of("-t", "--help", "-v", "stray", "-unknown_flag", "0x10")::contains)
                    || what.contains("--signal");
            if (mustNotBind) {
                assertEquals("none", launcherSays, what);
            } else {
                assertNotEquals("none", launcherSays, what);
            }
            String serverSays = javaReading(args);
            if (!launcherSays.equals("none")) {
                if (!serverSays.equals("error")) { // else the server exits with its error, whatever was bound
                    assertEquals(serverSays, launcherSays, what);
                }
                bound++;
            }
        }
        assertNotEquals(0, bound);
        assertEquals("0.0.0.0 4336", probe(launcher, "-c", dir.resolve("port.conf").toString()));
        assertEquals("127.0.0.1 4555", probe(launcher, "-c", dir.resolve("include.conf").toString()));
        assertEquals("0.0.0.0 4338", probe(launcher, "--config", dir.resolve("tls.conf").toString()));
        assertEquals("127.0.0.1 -1", probe(launcher, "-c", dir.resolve("listen-random.conf").toString()));
        assertEquals("::1 4335", probe(launcher, "-c", dir.resolve("listen-v6.conf").toString()));
    }
}
