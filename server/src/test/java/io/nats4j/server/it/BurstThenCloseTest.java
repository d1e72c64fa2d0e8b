package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A client publishes 100,000 messages and closes at once (nats.c's ConnCloseDoesFlush): its subscriber must get
 * every one of them, with no gap over a second, also while other processes keep the CPUs busy (issue #10 item 9).
 *
 * <p>What lost the tail: the client's writes all fit in the kernels' buffers, so it had closed its socket long
 * before a slow server had read them. The server's first PING (2 s after connecting) then reached a closed socket;
 * the client's kernel answered with a reset, and the reset made the server's kernel drop everything not read
 * yet ("Read Error", about 9,000 of 100,000 delivered here). The server now sends no unsolicited PING while the
 * client is still sending ({@code Pinger}). A client that closes with SO_LINGER 0 resets the connection itself
 * and discards its own unsent bytes: no server can deliver those, so that case is not tested here.
 */
@Tag("slow")
class BurstThenCloseTest {

    private static final int MESSAGES = 100_000;
    private static final int BUSY_PROCESSES = 3;

    @Test
    void everyMessageOfABurstFollowedByACloseIsDeliveredUnderCpuLoad() throws Exception {
        List<Process> busy = new ArrayList<>();
        io.nats4j.server.ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        try (TestServer server = TestServer.start(o)) {
            for (int i = 0; i < BUSY_PROCESSES; i++) {
                // killed by PID below, and each ends on its own after 60 s even if this JVM is killed first
                busy.add(new ProcessBuilder("bash", "-c", "while ((SECONDS<60)); do :; done").start());
            }
            burst(server);
        } finally {
            for (Process p : busy) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void burst(TestServer server) throws Exception {
        try (Socket sub = connect(server)) {
            OutputStream so = sub.getOutputStream();
            so.write("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB burst 1\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            so.flush();
            InputStream si = sub.getInputStream();
            readUntil(si, "PONG\r\n");
            Counter counter = new Counter(si);
            Thread reader = new Thread(counter, "burst-subscriber");
            reader.start();
            try (Socket pub = connect(server)) {
                readUntil(pub.getInputStream(), "\r\n"); // INFO
                OutputStream po = pub.getOutputStream();
                po.write("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] one = "PUB burst 10\r\n0123456789\r\n".getBytes(StandardCharsets.US_ASCII);
                byte[] chunk = new byte[one.length * 1000];
                for (int i = 0; i < 1000; i++) {
                    System.arraycopy(one, 0, chunk, i * one.length, one.length);
                }
                for (int i = 0; i < MESSAGES / 1000; i++) {
                    po.write(chunk);
                }
                po.flush();
            } // closed at once
            reader.join(60_000);
            assertEquals(MESSAGES, counter.messages, "messages delivered: "
                    + io.nats4j.server.testsupport.Http.get(server.monitorUrl() + "/connz?state=all").body());
            // issue #10: no gap over 1 s with 3 busy processes on the machine (its condition, which this test sets up).
            // Measured so, 20 fresh runs on an otherwise idle 2-CPU machine: longest gap 315-585 ms, every message
            // delivered. On a machine loaded far beyond that (load average 12-14) the gaps grow to 1.2-2.9 s: each is the
            // CPU time of one 64 KiB read (about 2,500 messages) on a starved event loop, no stall or pacing involved
            assertTrue(counter.maxGapNanos < TimeUnit.SECONDS.toNanos(1),
                    "longest gap between deliveries " + counter.maxGapNanos / 1_000_000 + " ms");
        }
    }

    private static Socket connect(TestServer server) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static void readUntil(InputStream in, String end) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before " + end.trim() + ": " + sb);
            }
            sb.append((char) b);
        }
    }

    /** Counts MSG frames (each "MSG burst 1 10\r\n0123456789\r\n") and the longest time between two reads. */
    private static final class Counter implements Runnable {
        private final InputStream in;
        volatile int messages;
        volatile long maxGapNanos;

        Counter(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            int frame = "MSG burst 1 10\r\n0123456789\r\n".length();
            byte[] buf = new byte[256 * 1024];
            long bytes = 0;
            long last = System.nanoTime();
            long maxGap = 0;
            long maxGapAt = 0;
            try {
                while (bytes / frame < MESSAGES) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    long now = System.nanoTime();
                    if (bytes > 0) {
                        if (now - last > maxGap) {
                            maxGap = now - last;
                            maxGapAt = System.currentTimeMillis();
                        }
                    }
                    last = now;
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == 'P') {
                            bytes -= 6; // a server PING ("PING\r\n") is not a message; the client answers nothing
                            i += 5;
                        }
                    }
                    bytes += n;
                    messages = (int) (bytes / frame);
                }
            } catch (IOException e) {
                // timed out: the count tells
            }
            maxGapNanos = maxGap;
            System.out.println("BURST maxGap " + maxGap / 1_000_000 + " ms ending at " + java.time.Instant.ofEpochMilli(maxGapAt) + " (" + bytes + " bytes in all)");
        }
    }
}
