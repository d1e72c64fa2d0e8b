package io.nats4j.bench.load;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One client connection over a plain blocking socket: reads the server's {@code INFO}, sends
 * {@code CONNECT}, then leaves reading and writing to its single owner thread.
 *
 * <p>Reads use a short socket timeout so the owner can poll stop flags; {@link #read} returns 0 on
 * timeout and -1 at end of stream.
 */
public final class RawConnection implements Closeable {

    /** Socket read timeout; bounds how long a reader takes to notice a stop flag. */
    public static final int READ_POLL_MS = 50;

    private static final int HANDSHAKE_TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Bytes read past the INFO line during the handshake, handed out by the first {@link #read}. */
    private byte[] leftover;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connects, waits for {@code INFO} and sends {@code CONNECT} (verbose and pedantic off, echo on).
     */
    public static RawConnection open(String host, int port, String name) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setReceiveBufferSize(1 << 20);
            s.setSendBufferSize(1 << 20);
            s.connect(new InetSocketAddress(host, port), HANDSHAKE_TIMEOUT_MS);
            RawConnection c = new RawConnection(s);
            c.handshake(name);
            s.setSoTimeout(READ_POLL_MS);
            return c;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void handshake(String name) throws IOException {
        socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
        byte[] buf = new byte[64 * 1024];
        int n = 0;
        int lf = -1;
        while (lf < 0) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new IOException("connection closed before INFO");
            }
            for (int k = n; k < n + r; k++) {
                if (buf[k] == '\n') {
                    lf = k;
                    break;
                }
            }
            n += r;
            if (lf < 0 && n == buf.length) {
                throw new IOException("INFO line too long");
            }
        }
        String info = new String(buf, 0, lf, StandardCharsets.US_ASCII);
        if (!info.regionMatches(true, 0, "INFO", 0, 4)) {
            throw new IOException("expected INFO, got: " + info);
        }
        if (n > lf + 1) {
            leftover = java.util.Arrays.copyOfRange(buf, lf + 1, n);
        }
        String connect = "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":false,"
                + "\"lang\":\"java\",\"version\":\"nats4j-bench\",\"protocol\":1,\"echo\":true,"
                + "\"headers\":true,\"no_responders\":false,\"name\":\"" + name + "\"}\r\n";
        write(connect.getBytes(StandardCharsets.US_ASCII));
    }

    public void write(byte[] b) throws IOException {
        out.write(b, 0, b.length);
    }

    /** Writes all of {@code b[off, off+len)}: one write call for the whole range. */
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    /** Reads into {@code buf}; returns bytes read, 0 on poll timeout, -1 at end of stream. */
    public int read(byte[] buf) throws IOException {
        if (leftover != null) {
            int n = Math.min(leftover.length, buf.length);
            System.arraycopy(leftover, 0, buf, 0, n);
            leftover = n == leftover.length ? null : java.util.Arrays.copyOfRange(leftover, n, leftover.length);
            return n;
        }
        try {
            return in.read(buf, 0, buf.length);
        } catch (SocketTimeoutException e) {
            return 0;
        }
    }

    /**
     * Sends {@code PING} and reads, feeding {@code parser}, until the parser has counted one more
     * {@code PONG} than before. Answers server {@code PING}s only through the parser's handler.
     *
     * @return false if the deadline passed or the connection closed first
     */
    public boolean pingPong(InboundParser parser, byte[] buf, long deadlineNanos) throws IOException {
        long target = parser.pongs() + 1;
        write(Proto.PING);
        while (parser.pongs() < target) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            int n = read(buf);
            if (n < 0) {
                return false;
            }
            parser.feed(buf, 0, n);
        }
        return true;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a benchmark socket: nothing to recover
        }
    }
}
