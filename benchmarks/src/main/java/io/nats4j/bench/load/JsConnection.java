package io.nats4j.bench.load;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A client connection for the JetStream scenarios: like {@link RawConnection} (plain socket, CONNECT with headers)
 * but its reader hands each {@code MSG}/{@code HMSG} whole to a {@link Handler}: subject, reply and the bytes
 * (headers then payload), because JetStream replies (acks, API answers, status messages) must be read. The
 * reader reuses one {@link Msg}; nothing is allocated per message unless the handler does.
 *
 * <p>Writes go through a buffer: {@link #flush()} sends them. One reader thread and one writer thread at most; a
 * writer that shares the connection with the reader's handler synchronises on the connection.
 */
final class JsConnection implements Closeable {

    /** One received message, valid only during {@link Handler#onMsg}. */
    static final class Msg {
        byte[] line = new byte[4096];
        int subjectStart;
        int subjectEnd;
        /** -1 when none. */
        int replyStart = -1;
        int replyEnd = -1;
        /** Headers then payload. */
        byte[] data = new byte[64 * 1024];
        int headerLen;
        int totalLen;

        String subject() {
            return new String(line, subjectStart, subjectEnd - subjectStart, StandardCharsets.US_ASCII);
        }

        String reply() {
            return replyStart < 0 ? null : new String(line, replyStart, replyEnd - replyStart, StandardCharsets.US_ASCII);
        }

        String payload() {
            return new String(data, headerLen, totalLen - headerLen, StandardCharsets.UTF_8);
        }

        String headers() {
            return new String(data, 0, headerLen, StandardCharsets.ISO_8859_1);
        }

        /** A status message (HMSG with "NATS/1.0 <code>" and no payload): its code, else 0. */
        int status() {
            if (headerLen < 12 || data[8] != ' ') {
                return 0;
            }
            int c = 0;
            for (int i = 9; i < 12; i++) {
                if (data[i] < '0' || data[i] > '9') {
                    return 0;
                }
                c = c * 10 + data[i] - '0';
            }
            return c;
        }

        /** Does the payload start like a JetStream error answer ({@code {"error":} or with a type first)? */
        boolean payloadHasError() {
            int n = Math.min(totalLen, headerLen + 96);
            for (int i = headerLen; i + 7 <= n; i++) {
                if (data[i] == '"' && data[i + 1] == 'e' && data[i + 2] == 'r' && data[i + 3] == 'r'
                        && data[i + 4] == 'o' && data[i + 5] == 'r' && data[i + 6] == '"') {
                    return true;
                }
            }
            return false;
        }
    }

    @FunctionalInterface
    interface Handler {
        void onMsg(Msg m) throws IOException;
    }

    private final Socket socket;
    private final OutputStream out;
    private final java.io.InputStream in;
    private final byte[] readBuf = new byte[256 * 1024];
    private final Msg msg = new Msg();
    private volatile Handler handler;
    private volatile long pongs;
    private volatile String lastError;
    // parser state
    private int lineLen;
    private boolean inPayload;
    private int payloadRead;

    private JsConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = new BufferedOutputStream(socket.getOutputStream(), 256 * 1024);
    }

    static JsConnection open(String host, int port, String name) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setReceiveBufferSize(1 << 20);
        s.setSendBufferSize(1 << 20);
        s.connect(new InetSocketAddress(host, port), 10_000);
        JsConnection c = new JsConnection(s);
        s.setSoTimeout(10_000);
        // INFO line
        int b;
        StringBuilder info = new StringBuilder();
        while ((b = c.in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("closed before INFO");
            }
            info.append((char) b);
        }
        if (!info.toString().startsWith("INFO")) {
            throw new IOException("expected INFO: " + info);
        }
        s.setSoTimeout(RawConnection.READ_POLL_MS);
        c.write("CONNECT {\"verbose\":false,\"pedantic\":false,\"lang\":\"java\",\"version\":\"nats4j-bench\","
                + "\"protocol\":1,\"echo\":true,\"headers\":true,\"no_responders\":true,\"name\":\"" + name + "\"}\r\n");
        c.flush();
        return c;
    }

    void handler(Handler h) {
        this.handler = h;
    }

    long pongs() {
        return pongs;
    }

    String lastError() {
        return lastError;
    }

    void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    void flush() throws IOException {
        out.flush();
    }

    /** {@code PUB subject [reply] len\r\npayload\r\n}, buffered. */
    void pub(String subject, String reply, byte[] payload) throws IOException {
        write("PUB " + subject + (reply == null ? "" : " " + reply) + " " + payload.length + "\r\n");
        out.write(payload);
        out.write('\r');
        out.write('\n');
    }

    /** Reads once and parses what arrived; returns false at end of stream. */
    boolean readOnce() throws IOException {
        int n;
        try {
            n = in.read(readBuf, 0, readBuf.length);
        } catch (SocketTimeoutException e) {
            return true;
        }
        if (n < 0) {
            return false;
        }
        feed(readBuf, n);
        return true;
    }

    /** Reads until {@code done} or the timeout; returns whether it became done. */
    boolean readUntil(java.util.function.BooleanSupplier done, long timeout, TimeUnit unit) throws IOException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0 || !readOnce()) {
                return false;
            }
        }
        return true;
    }

    /** PING and read until its PONG. */
    boolean ping(long timeout, TimeUnit unit) throws IOException {
        long target = pongs + 1;
        synchronized (this) {
            write("PING\r\n");
            flush();
        }
        return readUntil(() -> pongs >= target, timeout, unit);
    }

    private void feed(byte[] buf, int n) throws IOException {
        int i = 0;
        Msg m = msg;
        while (i < n) {
            if (inPayload) {
                int want = m.totalLen + 2 - payloadRead;
                int k = Math.min(want, n - i);
                int copy = Math.min(k, Math.max(0, m.totalLen - payloadRead));
                System.arraycopy(buf, i, m.data, payloadRead, copy);
                payloadRead += k;
                i += k;
                if (payloadRead == m.totalLen + 2) {
                    inPayload = false;
                    Handler h = handler;
                    if (h != null) {
                        h.onMsg(m);
                    }
                }
                continue;
            }
            byte b = buf[i++];
            if (b == '\n') {
                int len = lineLen > 0 && m.line[lineLen - 1] == '\r' ? lineLen - 1 : lineLen;
                lineLen = 0;
                onLine(len);
            } else {
                if (lineLen == m.line.length) {
                    m.line = java.util.Arrays.copyOf(m.line, m.line.length * 2);
                }
                m.line[lineLen++] = b;
            }
        }
    }

    private final int[] tok = new int[12];

    private void onLine(int len) throws IOException {
        Msg m = msg;
        byte[] l = m.line;
        if (len == 0) {
            return;
        }
        switch (l[0] | 0x20) {
            case 'm', 'h' -> {
                boolean hdr = (l[0] | 0x20) == 'h';
                int nt = InboundParser.tokens(l, len, tok);
                m.subjectStart = tok[2];
                m.subjectEnd = tok[3];
                int sizes = hdr ? 2 : 1;
                boolean hasReply = nt == 3 + sizes + 1;
                if (hasReply) {
                    m.replyStart = tok[6];
                    m.replyEnd = tok[7];
                } else {
                    m.replyStart = -1;
                    m.replyEnd = -1;
                }
                m.totalLen = number(l, tok[(nt - 1) * 2], tok[(nt - 1) * 2 + 1]);
                m.headerLen = hdr ? number(l, tok[(nt - 2) * 2], tok[(nt - 2) * 2 + 1]) : 0;
                if (m.data.length < m.totalLen) {
                    m.data = new byte[Math.max(m.totalLen, m.data.length * 2)];
                }
                inPayload = true;
                payloadRead = 0;
            }
            case 'p' -> {
                if ((l[1] | 0x20) == 'i') {
                    synchronized (this) {
                        write("PONG\r\n");
                        flush();
                    }
                } else {
                    pongs++;
                }
            }
            case '-' -> lastError = new String(l, 0, len, StandardCharsets.US_ASCII);
            default -> {
                // +OK, INFO
            }
        }
    }

    private static int number(byte[] l, int s, int e) {
        int v = 0;
        for (int i = s; i < e; i++) {
            v = v * 10 + l[i] - '0';
        }
        return v;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // a benchmark socket
        }
    }
}
