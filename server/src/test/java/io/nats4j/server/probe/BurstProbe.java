package io.nats4j.server.probe;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.Http;
import io.nats4j.server.testsupport.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scratch experiment (not committed). */
class BurstProbe {
    @Test
    void probe() throws Exception {
        int messages = Integer.getInteger("probe.msgs", 100_000);
        int busyN = Integer.getInteger("probe.busy", 3);
        int rounds = Integer.getInteger("probe.rounds", 3);
        long pingMs = Long.getLong("probe.pingMs", 120_000);
        List<Process> busy = new ArrayList<>();
        ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        o.pingInterval = Duration.ofMillis(pingMs);
        try (TestServer server = TestServer.start(o)) {
            for (int i = 0; i < busyN; i++) {
                busy.add(new ProcessBuilder("bash", "-c", "while ((SECONDS<60)); do :; done").start());
            }
            for (int r = 0; r < rounds; r++) {
                Socket sub = new Socket();
                sub.connect(new InetSocketAddress("127.0.0.1", server.port()));
                sub.setSoTimeout(15_000);
                sub.getOutputStream().write("CONNECT {\"verbose\":false}\r\nSUB burst 1\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream si = sub.getInputStream();
                StringBuilder sb = new StringBuilder();
                while (!sb.toString().endsWith("PONG\r\n")) sb.append((char) si.read());
                long[] bytes = {0};
                Thread t = new Thread(() -> {
                    byte[] buf = new byte[65536];
                    try {
                        int n;
                        while ((n = si.read(buf)) > 0) bytes[0] += n;
                    } catch (Exception e) { }
                });
                t.start();
                long t0 = System.nanoTime();
                Socket pub = new Socket();
                pub.connect(new InetSocketAddress("127.0.0.1", server.port()));
                InputStream pi = pub.getInputStream();
                sb.setLength(0);
                while (!sb.toString().endsWith("\r\n")) sb.append((char) pi.read());
                OutputStream po = pub.getOutputStream();
                po.write("CONNECT {\"verbose\":false}\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] one = "PUB burst 10\r\n0123456789\r\n".getBytes(StandardCharsets.US_ASCII);
                byte[] chunk = new byte[one.length * 1000];
                for (int i = 0; i < 1000; i++) System.arraycopy(one, 0, chunk, i * one.length, one.length);
                for (int i = 0; i < messages / 1000; i++) po.write(chunk);
                long tw = System.nanoTime();
                int avail = pi.available();
                pub.close();
                t.join(15_000);
                sub.close();
                int frame = "MSG burst 1 10\r\n0123456789\r\n".length();
                String connz = Http.get(server.monitorUrl() + "/connz?state=closed").body();
                int at = connz.lastIndexOf("\"reason\"");
                System.out.println("PROBE round " + r + " ping=" + pingMs + "ms busy=" + busyN + " write=" + (tw - t0) / 1_000_000
                        + "ms availBeforeClose=" + avail + " delivered=" + bytes[0] / frame + "/" + messages
                        + " lastClosed: " + (at < 0 ? "?" : connz.substring(at, Math.min(connz.length(), at + 40)))
                        + " " + connz.replaceAll("(?s).*\"in_msgs\":(\\d+).*?\"reason\":\"([^\"]*)\".*", "in_msgs=$1 reason=$2"));
            }
        } finally {
            for (Process p : busy) p.destroyForcibly();
        }
    }
}
