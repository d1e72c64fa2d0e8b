package io.nats4j.server.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A raw TCP client for NATS wire-protocol tests: write exact bytes, then expect exact bytes or a pattern
 * at the head of what the server sent, or expect silence, or expect the server to close.
 *
 * <p>Received bytes are kept as ISO-8859-1 text (one char per byte), so expectations compare bytes
 * exactly. Every expectation consumes what it matched; what follows stays buffered for the next one.
 * Not thread-safe: one test thread drives it.
 */
public final class RawClient implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
    private static final Pattern INFO_LINE = Pattern.compile("INFO (\\{.*\\}) ?\r\n");

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final StringBuilder pending = new StringBuilder();
    private final byte[] readBuffer = new byte[64 * 1024];
    private boolean closedByServer;
    private String info;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Opens a connection and reads the server's INFO line. */
    public static RawClient open(TestServer server) throws IOException {
        return open(server.port(), 0);
    }

    /**
     * Opens a connection with the given socket receive buffer (0 = system default; a small one makes a
     * client that never reads back up quickly) and reads the server's INFO line.
     */
    public static RawClient open(int port, int receiveBufferSize) throws IOException {
        return open(port, receiveBufferSize, DEFAULT_TIMEOUT);
    }

    /** Same, waiting up to {@code infoTimeout} for INFO (a server still starting up sends it late). */
    public static RawClient open(int port, int receiveBufferSize, Duration infoTimeout) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBufferSize > 0) {
                s.setReceiveBufferSize(receiveBufferSize); // before connect, so the window starts small
            }
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) DEFAULT_TIMEOUT.toMillis());
            RawClient c = new RawClient(s);
            c.info = c.expectMatch(INFO_LINE, infoTimeout).group(1);
            return c;
        } catch (IOException | RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    /** Opens a connection without reading anything (for tests of what comes first). */
    public static RawClient openWithoutInfo(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) DEFAULT_TIMEOUT.toMillis());
            return new RawClient(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The JSON of the INFO line read on open (null for {@link #openWithoutInfo}). */
    public String info() {
        return info;
    }

    /** Sends {@code CONNECT <json>\r\n}. */
    public RawClient connect(String json) throws IOException {
        return send("CONNECT " + json + "\r\n");
    }

    /** CONNECT with verbose and pedantic off, then a PING/PONG round trip so the server has processed it. */
    public RawClient connectQuiet() throws IOException {
        connect("{\"verbose\":false,\"pedantic\":false}");
        return sync();
    }

    /**
     * Sends PING and expects PONG next: everything sent before has been processed by the server. PINGs
     * the server sends meanwhile (its first one comes about 2 s after CONNECT) are answered and skipped.
     */
    public RawClient sync() throws IOException {
        send("PING\r\n");
        return expectSkippingPings("PONG\r\n", DEFAULT_TIMEOUT);
    }

    /** Like {@link #expect(String, Duration)} but answers and skips server PINGs that come first. */
    public RawClient expectSkippingPings(String exact, Duration timeout) throws IOException {
        Matcher m = expectMatch(Pattern.compile("((?:PING\r\n)*)" + Pattern.quote(exact)), timeout);
        for (int i = 0; i < m.group(1).length() / "PING\r\n".length(); i++) {
            send("PONG\r\n");
        }
        return this;
    }

    /** Writes the text as ISO-8859-1 bytes (one byte per char) in one write. */
    public RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Writes the text one byte per write call (TCP_NODELAY on), to split frames at every position. */
    public RawClient sendByteByByte(String text) throws IOException {
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            out.write(b);
            out.flush();
        }
        return this;
    }

    /** Expects exactly these bytes next, within {@link #DEFAULT_TIMEOUT}; consumes them. */
    public RawClient expect(String exact) throws IOException {
        return expect(exact, DEFAULT_TIMEOUT);
    }

    public RawClient expect(String exact, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.length() < exact.length()) {
            String head = pending.toString();
            if (!exact.startsWith(head)) {
                fail("expected " + show(exact) + " but got " + show(head));
            }
            if (!fill(deadline)) {
                fail("expected " + show(exact) + " within " + timeout + " but got " + show(head)
                        + (closedByServer ? " and the server closed the connection" : ""));
            }
        }
        String head = pending.substring(0, exact.length());
        if (!head.equals(exact)) {
            fail("expected " + show(exact) + " but got " + show(pending.toString()));
        }
        pending.delete(0, exact.length());
        return this;
    }

    /** Expects the regex to match at the head of the received bytes; consumes the match. End patterns with \r\n. */
    public Matcher expectMatch(String regex) throws IOException {
        return expectMatch(Pattern.compile(regex), DEFAULT_TIMEOUT);
    }

    public Matcher expectMatch(Pattern pattern, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(pending);
            if (m.lookingAt()) {
                String matched = pending.substring(0, m.end());
                pending.delete(0, m.end());
                Matcher result = pattern.matcher(matched);
                if (!result.lookingAt()) {
                    throw new IllegalStateException("pattern matched the buffer but not its own match");
                }
                return result;
            }
            if (!fill(deadline)) {
                fail("expected /" + show(pattern.pattern()) + "/ within " + timeout + " but got "
                        + show(pending.toString()) + (closedByServer ? " and the server closed the connection" : ""));
            }
        }
    }

    /** Expects the next line (up to and including CRLF) to start with the prefix; returns the whole line. */
    public String expectLineStartingWith(String prefix, Duration timeout) throws IOException {
        return expectMatch(Pattern.compile(Pattern.quote(prefix) + "[^\r\n]*\r\n"), timeout).group();
    }

    /** Expects that nothing arrives (and the connection stays open) for the given time. */
    public RawClient expectNothing(Duration quiet) throws IOException {
        if (!pending.isEmpty()) {
            fail("expected nothing but already have " + show(pending.toString()));
        }
        long deadline = System.nanoTime() + quiet.toNanos();
        while (fill(deadline)) {
            if (!pending.isEmpty()) {
                fail("expected nothing for " + quiet + " but got " + show(pending.toString()));
            }
        }
        if (closedByServer) {
            fail("expected nothing for " + quiet + " but the server closed the connection");
        }
        return this;
    }

    /**
     * Reads until the server closes the connection; fails if it is still open after the timeout. Returns
     * the bytes that came before the close (not consumed by earlier expectations).
     */
    public String expectClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!closedByServer) {
            if (!fill(deadline) && !closedByServer) {
                fail("expected the server to close the connection within " + timeout + "; got "
                        + show(abbreviate(pending.toString())));
            }
        }
        String rest = pending.toString();
        pending.setLength(0);
        return rest;
    }

    /**
     * Reads and discards everything until the server closes the connection; returns how many bytes that
     * was. For clients that stopped reading on purpose (slow consumers), whose backlog can be large.
     */
    public long drainUntilClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long total = pending.length();
        pending.setLength(0);
        while (!closedByServer) {
            if (!fill(deadline) && !closedByServer) {
                fail("expected the server to close the connection within " + timeout + " (read " + total + " bytes)");
            }
            total += pending.length();
            pending.setLength(0);
        }
        return total;
    }

    /** True once a read saw end of stream or a reset. */
    public boolean closedByServer() {
        return closedByServer;
    }

    /** Bytes received and not yet consumed by an expectation. */
    public String pending() {
        return pending.toString();
    }

    /**
     * One read, bounded by the deadline. Returns false on timeout or when the server closed the
     * connection (then {@link #closedByServer} is set); true when bytes were appended.
     */
    private boolean fill(long deadlineNanos) throws IOException {
        if (closedByServer) {
            return false;
        }
        long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (remainingMillis <= 0) {
            return false;
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMillis)));
        int n;
        try {
            n = in.read(readBuffer);
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            closedByServer = true; // connection reset: the server closed with unread data in flight
            return false;
        }
        if (n < 0) {
            closedByServer = true;
            return false;
        }
        pending.append(new String(readBuffer, 0, n, StandardCharsets.ISO_8859_1));
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "...(" + s.length() + " bytes)" : s;
    }

    private static String show(String s) {
        return "\"" + abbreviate(s).replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
