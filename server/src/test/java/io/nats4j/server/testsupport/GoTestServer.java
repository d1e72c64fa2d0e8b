package io.nats4j.server.testsupport;

import io.nats4j.server.ServerOptions;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Go reference {@code nats-server} as a child process: {@code -a 127.0.0.1 -p <free port> -c <generated
 * config>}. The binary is {@code -Dnats.server.binary}, else {@code /usr/sbin/nats-server}, else
 * {@code nats-server} on PATH. Stopped by sending SIGTERM to its own PID (then SIGKILL if it lingers).
 */
public final class GoTestServer implements TestServer {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int START_ATTEMPTS = 3;

    private final ServerOptions options;
    private Path workDir;
    private Process process;
    private int port = -1;
    private int monitorPort;

    private final String extraConfig;

    public GoTestServer(ServerOptions options) {
        this(options, "");
    }

    /** With config-file text appended to the generated file. */
    public GoTestServer(ServerOptions options, String extraConfig) {
        this.options = options.copy();
        this.extraConfig = extraConfig == null ? "" : extraConfig;
    }

    /** Locates the nats-server binary or fails with a clear message. */
    public static Path binary() {
        String configured = System.getProperty("nats.server.binary");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path sbin = Path.of("/usr/sbin/nats-server");
        if (Files.isExecutable(sbin)) {
            return sbin;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, "nats-server");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("nats-server binary not found (set -Dnats.server.binary)");
    }

    @Override
    public synchronized void start() throws IOException {
        if (process != null) {
            throw new IllegalStateException("already started");
        }
        if (workDir == null) {
            workDir = Files.createTempDirectory("nats-server-test");
            Files.writeString(workDir.resolve("server.conf"), configFile(options) + extraConfig + "\n", StandardCharsets.UTF_8);
        }
        boolean fixedPort = port > 0 || options.port > 0;
        int attempts = fixedPort ? 1 : START_ATTEMPTS;
        IOException last = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            int candidate = port > 0 ? port : options.port > 0 ? options.port : freePort();
            try {
                launch(candidate);
                port = candidate;
                return;
            } catch (IOException e) {
                last = e; // most likely the free port was taken in between: try another
            }
        }
        throw last;
    }

    private void launch(int candidatePort) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.add("-a");
        command.add("127.0.0.1");
        command.add("-p");
        command.add(Integer.toString(candidatePort));
        command.add("-c");
        command.add(workDir.resolve("server.conf").toString());
        if (options.httpPort != 0) {
            if (monitorPort == 0) {
                monitorPort = options.httpPort > 0 ? options.httpPort : freePort();
            }
            command.add("-m");
            command.add(Integer.toString(monitorPort));
        }
        Path log = workDir.resolve("server.log");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("nats-server exited with " + p.exitValue() + ": " + tail(log));
            }
            if (accepts(candidatePort) && (monitorPort == 0 || accepts(monitorPort))) {
                process = p;
                return;
            }
            sleep(20);
        }
        kill(p);
        throw new IOException("nats-server did not accept connections within " + START_TIMEOUT + ": " + tail(log));
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** The nats-server config file for the options that differ from the defaults. */
    static String configFile(ServerOptions o) {
        StringBuilder c = new StringBuilder("# generated by GoTestServer\n");
        if (o.serverName != null) {
            c.append("server_name: ").append(quote(o.serverName)).append('\n');
        }
        if (o.maxPayload != ServerOptions.DEFAULT_MAX_PAYLOAD) {
            c.append("max_payload: ").append(o.maxPayload).append('\n');
        }
        if (o.maxControlLine != ServerOptions.DEFAULT_MAX_CONTROL_LINE) {
            c.append("max_control_line: ").append(o.maxControlLine).append('\n');
        }
        if (o.maxConnections != ServerOptions.DEFAULT_MAX_CONNECTIONS) {
            c.append("max_connections: ").append(o.maxConnections).append('\n');
        }
        if (o.maxSubscriptions != 0) {
            c.append("max_subscriptions: ").append(o.maxSubscriptions).append('\n');
        }
        if (o.maxPending != ServerOptions.DEFAULT_MAX_PENDING) {
            c.append("max_pending: ").append(o.maxPending).append('\n');
        }
        if (!o.writeDeadline.equals(ServerOptions.DEFAULT_WRITE_DEADLINE)) {
            c.append("write_deadline: ").append(duration(o.writeDeadline)).append('\n');
        }
        if (!o.pingInterval.equals(ServerOptions.DEFAULT_PING_INTERVAL)) {
            c.append("ping_interval: ").append(duration(o.pingInterval)).append('\n');
        }
        if (o.pingMax != ServerOptions.DEFAULT_PING_MAX) {
            c.append("ping_max: ").append(o.pingMax).append('\n');
        }
        if (!o.lameDuckDuration.equals(ServerOptions.DEFAULT_LAME_DUCK_DURATION)) {
            c.append("lame_duck_duration: ").append(duration(o.lameDuckDuration)).append('\n');
        }
        if (!o.lameDuckGracePeriod.equals(ServerOptions.DEFAULT_LAME_DUCK_GRACE_PERIOD)) {
            c.append("lame_duck_grace_period: ").append(duration(o.lameDuckGracePeriod)).append('\n');
        }
        if (o.noHeaderSupport) {
            c.append("no_header_support: true\n");
        }
        if (o.tls != null) {
            c.append(tlsBlock(o.tls));
        }
        StringBuilder auth = new StringBuilder();
        if (o.username != null) {
            auth.append("  user: ").append(quote(o.username)).append('\n');
            auth.append("  password: ").append(quote(o.password == null ? "" : o.password)).append('\n');
        }
        if (o.authorizationToken != null) {
            auth.append("  token: ").append(quote(o.authorizationToken)).append('\n');
        }
        if (!o.authTimeout.equals(ServerOptions.DEFAULT_AUTH_TIMEOUT)) {
            // nats-server reads a bare number as seconds; fractions are allowed
            auth.append("  timeout: ").append(o.authTimeout.toMillis() / 1000.0).append('\n');
        }
        if (!auth.isEmpty()) {
            c.append("authorization {\n").append(auth).append("}\n");
        }
        return c.toString();
    }

    /**
     * The tls block for nats-server 2.9 (no min_version or handshake_first there: tests of those are skipped
     * against the Go server).
     */
    private static String tlsBlock(io.nats4j.server.tls.TlsOptions t) {
        StringBuilder b = new StringBuilder("tls {\n");
        if (t.certFile != null) {
            b.append("  cert_file: ").append(quote(t.certFile.toAbsolutePath().toString())).append('\n');
        }
        if (t.keyFile != null) {
            b.append("  key_file: ").append(quote(t.keyFile.toAbsolutePath().toString())).append('\n');
        }
        if (t.caFile != null) {
            b.append("  ca_file: ").append(quote(t.caFile.toAbsolutePath().toString())).append('\n');
        }
        if (t.map) {
            b.append("  verify_and_map: true\n");
        } else if (t.verify) {
            b.append("  verify: true\n");
        }
        if (!t.timeout.equals(io.nats4j.server.tls.TlsOptions.DEFAULT_TIMEOUT)) {
            b.append("  timeout: ").append(t.timeout.toMillis() / 1000.0).append('\n');
        }
        if (!t.cipherSuites.isEmpty()) {
            b.append("  cipher_suites: [").append(String.join(", ", t.cipherSuites.stream().map(GoTestServer::quote).toList()))
                    .append("]\n");
        }
        if (!t.curvePreferences.isEmpty()) {
            b.append("  curve_preferences: [")
                    .append(String.join(", ", t.curvePreferences.stream().map(GoTestServer::quote).toList())).append("]\n");
        }
        if (t.handshakeFirst || !io.nats4j.server.tls.TlsOptions.VERSION_1_2.equals(t.minVersion)) {
            throw new IllegalStateException("nats-server 2.9 has no handshake_first or min_version");
        }
        return b.append("}\n").toString();
    }

    private static String duration(Duration d) {
        return quote(d.toMillis() + "ms");
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    @Override
    public synchronized int port() {
        if (port <= 0) {
            throw new IllegalStateException("not started");
        }
        return port;
    }

    @Override
    public synchronized int monitorPort() {
        return monitorPort;
    }

    @Override
    public synchronized void enterLameDuckMode() throws IOException {
        if (process == null) {
            throw new IllegalStateException("not started");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-USR2", Long.toString(process.pid())).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The process id of the running nats-server. */
    public synchronized long pid() {
        return process.pid();
    }

    @Override
    public synchronized void stop() {
        if (process != null) {
            Process p = process;
            process = null;
            kill(p);
        }
    }

    private static void kill(Process p) {
        p.destroy(); // SIGTERM to this PID only
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void restart() throws IOException {
        stop();
        start();
    }

    @Override
    public synchronized void close() {
        stop();
        if (workDir != null) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            workDir = null;
        }
    }

    @Override
    public ServerOptions options() {
        return options.copy();
    }

    /** The server's log so far (for failure messages). */
    public synchronized String log() {
        return workDir == null ? "" : tail(workDir.resolve("server.log"));
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting nats-server", e);
        }
    }

    @Override
    public String toString() {
        return "nats-server pid " + (process == null ? "-" : process.pid()) + " on port " + port;
    }
}
