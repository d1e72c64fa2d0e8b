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

    /** Long enough for bin/nats4j's first start after a build, which trains its AOT cache first (seconds). */
    private static final long READY_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    // 1 ms between connects: a tighter loop (it was 200 us) keeps a CPU busy with the poller's own socket calls,
    // which on a small machine delays the server it is waiting for
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(1);

    final int port;
    final Process process;
    /** Nanoseconds from just before exec to the first accepted TCP connection. */
    final long startupNanos;
    /** Nanoseconds from just before exec to the first PONG, on the first connection that got one. */
    final long firstPongNanos;

    private ServerProcess(int port, Process process, long startupNanos, long firstPongNanos) {
        this.port = port;
        this.process = process;
        this.startupNanos = startupNanos;
        this.firstPongNanos = firstPongNanos;
    }

    /**
     * Starts {@code command} (split on whitespace) with {@code -a 127.0.0.1 -p <free port>}, its output
     * appended to {@code log}, and returns once a client is served: connected, INFO read, CONNECT and PING
     * answered with PONG.
     *
     * <p>An accepted connection alone does not mean a server: bin/nats4j's launcher binds the port before the
     * JVM starts (socket activation), and on its first start after a build it closes that socket again while it
     * trains the JVM's AOT cache, so a load started at the first accept was refused (seen as "Connection
     * refused" in the generator's warm-up when one side was a freshly built nats4j). A connection that is reset
     * or refused before its PONG is retried until the server answers or exits.
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
        long accepted = -1;
        IOException last = null;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                if (accepted < 0) {
                    accepted = System.nanoTime() - t0;
                }
                s.setSoTimeout(30_000);
                pingPong(s);
                return new ServerProcess(port, p, accepted, System.nanoTime() - t0);
            } catch (IOException notYet) {
                last = notYet;
                if (!p.isAlive()) {
                    throw new IOException("server exited with " + p.exitValue() + ": " + cmd + " (see " + log + ")");
                }
                if (System.nanoTime() - t0 > READY_TIMEOUT_NS) {
                    destroy(p);
                    throw new IOException("server not serving on port " + port + " after "
                            + TimeUnit.NANOSECONDS.toSeconds(READY_TIMEOUT_NS) + "s: " + cmd + " (last: " + last + ")");
                }
                LockSupport.parkNanos(POLL_NS);
            }
        }
    }

    /** Reads INFO, sends CONNECT and PING, and waits for PONG. */
    private static void pingPong(Socket s) throws IOException {
        java.io.InputStream in = s.getInputStream();
        readLine(in); // INFO
        s.getOutputStream().write("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        while (!readLine(in).startsWith("PONG")) {
            // +OK or other lines before PONG
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
        return freePort(new java.util.HashSet<>());
    }

    /** The same, never one of {@code taken}, and adds the port it returns to it (several servers of one run). */
    static int freePort(java.util.Set<Integer> taken) throws IOException {
        java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 200; i++) {
            int port = rnd.nextInt(20000, 32000);
            if (!taken.add(port)) {
                continue;
            }
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
