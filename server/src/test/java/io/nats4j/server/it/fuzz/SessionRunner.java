package io.nats4j.server.it.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays one session on a fresh connection and records what the client sees, normalised for comparison.
 *
 * <p>After the session the runner sends one more {@code PING}. It stops when the server closes the connection,
 * or when as many PONGs have come as the bytes sent hold PINGs (nothing of the session can follow the last one),
 * or when nothing has come for {@link #QUIET_MILLIS} (a PING swallowed as payload or by a broken line: the
 * connection counts as open).
 */
final class SessionRunner {

    static final long QUIET_MILLIS = 250;
    /** Marks a MSG/HMSG whose payload did not all arrive before the connection ended. */
    static final String TRUNCATED = "<truncated>";
    private static final long TOTAL_MILLIS = 10_000;

    /** What a client saw: the normalised frames and whether the server closed the connection. */
    record Outcome(List<String> frames, boolean closed) {
        @Override
        public String toString() {
            return String.join(" | ", frames) + (closed ? " | <closed>" : " | <open>");
        }
    }

    private SessionRunner() {
    }

    static Outcome run(int port, ProtocolSessions.Session session) throws IOException {
        List<byte[]> writes = new ArrayList<>(session.writes());
        writes.add("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        int pings = countPings(writes);
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            Reader reader = new Reader(s.getInputStream());
            Thread t = new Thread(reader, "fuzz-reader");
            t.setDaemon(true);
            t.start();
            OutputStream out = s.getOutputStream();
            boolean pause = session.split() == ProtocolSessions.Split.RANDOM;
            try {
                for (byte[] w : writes) {
                    out.write(w);
                    out.flush();
                    if (pause) {
                        LockSupport.parkNanos(100_000);
                    }
                }
            } catch (IOException closedByServer) {
                // the reader sees the close
            }
            long start = System.nanoTime();
            while (true) {
                long now = System.nanoTime();
                if (reader.done) {
                    break;
                }
                if (reader.pongs() >= pings && reader.endsWithPong()) {
                    break;
                }
                if (now - reader.lastByteNanos > QUIET_MILLIS * 1_000_000 && now - start > QUIET_MILLIS * 1_000_000) {
                    break;
                }
                if (now - start > TOTAL_MILLIS * 1_000_000) {
                    break;
                }
                LockSupport.parkNanos(1_000_000);
            }
            boolean closed = reader.done;
            s.close();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Outcome(normalise(reader.bytes()), closed);
        }
    }

    private static int countPings(List<byte[]> writes) {
        StringBuilder all = new StringBuilder();
        for (byte[] w : writes) {
            all.append(new String(w, StandardCharsets.ISO_8859_1));
        }
        String lower = all.toString().toLowerCase(Locale.ROOT);
        int n = 0;
        for (int at = lower.indexOf("ping"); at >= 0; at = lower.indexOf("ping", at + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Frames as text: INFO and server PINGs left out (INFO's contents differ by design, PINGs by timing), MSG and
     * HMSG with their payloads, runs of deliveries that differ only in the sid sorted (the order in which one
     * message reaches several subscriptions is the sublist's, not the protocol's).
     */
    static List<String> normalise(byte[] data) {
        String s = new String(data, StandardCharsets.ISO_8859_1);
        List<String> frames = new ArrayList<>();
        int at = 0;
        while (at < s.length()) {
            int eol = s.indexOf("\r\n", at);
            if (eol < 0) {
                frames.add("<partial " + ProtocolSessions.escape(s.substring(at).getBytes(StandardCharsets.ISO_8859_1)) + ">");
                break;
            }
            String line = s.substring(at, eol);
            at = eol + 2;
            if (line.startsWith("INFO ") || line.equals("PING")) {
                continue;
            }
            if (line.startsWith("MSG ") || line.startsWith("HMSG ")) {
                String[] args = line.split(" ");
                int size;
                try {
                    size = Integer.parseInt(args[args.length - 1]);
                } catch (NumberFormatException e) {
                    frames.add(line);
                    continue;
                }
                if (at + size + 2 > s.length()) {
                    frames.add(line + " " + TRUNCATED);
                    break;
                }
                int end = at + size + 2;
                frames.add(line + " [" + ProtocolSessions.escape(s.substring(at, end).getBytes(StandardCharsets.ISO_8859_1)) + "]");
                at = end;
                continue;
            }
            frames.add(line);
        }
        sortDeliveryRuns(frames);
        return frames;
    }

    private static void sortDeliveryRuns(List<String> frames) {
        int i = 0;
        while (i < frames.size()) {
            int j = i;
            while (j < frames.size() && isDelivery(frames.get(j)) && withoutSid(frames.get(j)).equals(withoutSid(frames.get(i)))) {
                j++;
            }
            if (j - i > 1) {
                frames.subList(i, j).sort(null);
            }
            i = Math.max(j, i + 1);
        }
    }

    private static boolean isDelivery(String f) {
        return f.startsWith("MSG ") || f.startsWith("HMSG ");
    }

    private static String withoutSid(String f) {
        String[] p = f.split(" ", 4);
        return p.length < 4 ? f : p[0] + " " + p[1] + " " + p[3];
    }

    private static final class Reader implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        volatile boolean done;
        volatile long lastByteNanos = System.nanoTime();
        private int pongs;
        private boolean endsWithPong;

        Reader(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[64 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (this) {
                        received.write(buf, 0, n);
                        String all = received.toString(StandardCharsets.ISO_8859_1);
                        pongs = 0;
                        for (int at = all.indexOf("PONG\r\n"); at >= 0; at = all.indexOf("PONG\r\n", at + 1)) {
                            pongs++;
                        }
                        endsWithPong = all.endsWith("PONG\r\n");
                    }
                    lastByteNanos = System.nanoTime();
                }
            } catch (IOException e) {
                // reset by the server, or closed by us
            }
            done = true;
        }

        synchronized int pongs() {
            return pongs;
        }

        synchronized boolean endsWithPong() {
            return endsWithPong;
        }

        synchronized byte[] bytes() {
            return received.toByteArray();
        }
    }
}
