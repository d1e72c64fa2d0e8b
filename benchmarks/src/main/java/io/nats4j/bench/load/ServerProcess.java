package io.nats4j.bench.load;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A NATS server started as an OS process on a loopback port ({@code <command> -a 127.0.0.1 -p <port>}),
 * with the time from exec to the first successful TCP connect and its peak resident memory.
 */
final class ServerProcess implements AutoCloseable {

    private static final long READY_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    // 1 ms between connects: a tighter loop (it was 200 us) keeps a CPU busy with the poller's own socket calls,
    // which on a small machine delays the server it is waiting for
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(1);

    final int port;
    final Process process;
    /** Nanoseconds from just before exec to the first accepted TCP connection. */
    final long startupNanos;
    /** System.nanoTime() just before exec. */
    private final long execNanos;

    private ServerProcess(int port, Process process, long execNanos, long startupNanos) {
        this.execNanos = execNanos;
        this.port = port;
        this.process = process;
        this.startupNanos = startupNanos;
    }

    /**
     * Starts {@code command} (split on whitespace) with {@code -a 127.0.0.1 -p <free port>}, its output
     * appended to {@code log}, and returns once a TCP connect to the port succeeds.
     */
    static ServerProcess start(String command, Path log) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(command.trim().split("\\s+")));
        cmd.addAll(List.of("-a", "127.0.0.1", "-p", Integer.toString(port)));
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long t0 = System.nanoTime();
        Process p = pb.start();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return new ServerProcess(port, p, t0, System.nanoTime() - t0);
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    throw new IOException("server exited with " + p.exitValue() + ": " + cmd + " (see " + log + ")");
                }
                if (System.nanoTime() - t0 > READY_TIMEOUT_NS) {
                    destroy(p);
                    throw new IOException("server not accepting on port " + port + " after 60s: " + cmd);
                }
                LockSupport.parkNanos(POLL_NS);
            }
        }
    }

    /**
     * Nanoseconds from exec to the server's answer to a client's first PING: connects (the server accepts
     * already), reads INFO, sends CONNECT and PING, and waits for PONG. A server may accept connections before
     * it serves them (nats4j binds its port first thing), so this is the time to a served client.
     */
    long firstPongNanos() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            java.io.InputStream in = s.getInputStream();
            readLine(in); // INFO
            s.getOutputStream().write("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            while (!readLine(in).startsWith("PONG")) {
                // +OK or other lines before PONG
            }
            return System.nanoTime() - execNanos;
        }
    }

    private static String readLine(java.io.InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed before a full line: " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Peak resident set size (VmHWM, KiB) of the process or its largest descendant (a launcher's JVM). */
    long peakRssKiB() {
        return Stream.concat(Stream.of(process.toHandle()), process.descendants())
                .mapToLong(h -> vmHwmKiB(h.pid()))
                .max().orElse(-1);
    }

    static long vmHwmKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * A free port below Linux's ephemeral range (32768+). The poller's own connects take their local port from
     * that range, and a connect to a port in it can meet itself (TCP simultaneous open): the poll then
     * "succeeds" before the server listens, and the server fails to bind.
     */
    private static int freePort() throws IOException {
        java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 200; i++) {
            int port = rnd.nextInt(20000, 32000);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port in 20000-31999");
    }

    /** SIGTERM to the process and its descendants, SIGKILL after 10 s. */
    @Override
    public void close() {
        destroy(process);
    }

    private static void destroy(Process p) {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }
}
