package io.nats4j.bench.load;

/**
 * Parses the server-to-client side of the NATS protocol as the load generator needs it: counts
 * {@code MSG}/{@code HMSG} frames and their payload bytes, and reports {@code PING}, {@code PONG},
 * {@code -ERR} and {@code INFO} to a {@link Handler}.
 *
 * <p>Control lines are copied byte by byte into a reusable line buffer (they are short); payloads are
 * skipped by their declared size without being looked at, so a payload that happens to contain
 * {@code "\r\nMSG "} is never mistaken for a frame. Input may be split anywhere across {@link #feed}
 * calls. No allocation per message. Not thread-safe: one parser per connection, used by its reader.
 */
public final class InboundParser {

    /** Maximum control line kept; longer lines (a huge INFO, say) are truncated, not rejected. */
    public static final int MAX_LINE_BYTES = 32 * 1024;

    /** Callbacks for the frames the generator reacts to. Default methods ignore the frame. */
    public interface Handler {
        /**
         * A {@code MSG} or {@code HMSG} control line was parsed; its payload follows.
         *
         * @param line the control line without CRLF, valid only during the call
         * @param lineLen length of the control line
         * @param payloadLen total payload size in bytes (headers included for HMSG)
         */
        default void onMsg(byte[] line, int lineLen, int payloadLen) { }

        default void onPing() { }

        default void onPong() { }

        /** {@code -ERR ...} line, without CRLF. */
        default void onErr(byte[] line, int lineLen) { }

        default void onInfo(byte[] line, int lineLen) { }
    }

    private static final Handler IGNORE = new Handler() { };

    private final Handler handler;
    private final byte[] line = new byte[MAX_LINE_BYTES];
    private int lineLen;
    /** Payload bytes plus trailing CRLF still to skip; 0 while reading a control line. */
    private long skipRemaining;

    private long msgs;
    private long payloadBytes;
    private long pongs;
    private long errors;

    public InboundParser() {
        this(IGNORE);
    }

    public InboundParser(Handler handler) {
        this.handler = handler;
    }

    /** Messages ({@code MSG} + {@code HMSG}) whose control line has been parsed so far. */
    public long msgs() {
        return msgs;
    }

    /** Sum of the declared payload sizes of {@link #msgs()}. */
    public long payloadBytes() {
        return payloadBytes;
    }

    public long pongs() {
        return pongs;
    }

    public long errors() {
        return errors;
    }

    /** True when the parser is between frames (no control line or payload half read). */
    public boolean atFrameBoundary() {
        return lineLen == 0 && skipRemaining == 0;
    }

    /**
     * Consumes {@code len} bytes starting at {@code off}.
     *
     * @throws ProtocolException on an unknown verb or a malformed MSG size
     */
    public void feed(byte[] buf, int off, int len) {
        int i = off;
        final int end = off + len;
        while (i < end) {
            if (skipRemaining > 0) {
                int n = (int) Math.min(skipRemaining, end - i);
                skipRemaining -= n;
                i += n;
                continue;
            }
            // Control line: copy up to LF.
            byte[] l = line;
            int ll = lineLen;
            while (i < end) {
                byte b = buf[i++];
                if (b == '\n') {
                    lineLen = 0;
                    onLine(l, ll > 0 && l[ll - 1] == '\r' ? ll - 1 : ll);
                    ll = -1;
                    break;
                }
                if (ll < l.length) {
                    l[ll++] = b;
                }
            }
            if (ll >= 0) {
                lineLen = ll;
            }
        }
    }

    private void onLine(byte[] l, int len) {
        if (len == 0) {
            return; // tolerate stray CRLF
        }
        switch (l[0] | 0x20) {
            case 'm', 'h' -> {
                int size = lastNumber(l, len);
                msgs++;
                payloadBytes += size;
                skipRemaining = size + 2L;
                handler.onMsg(l, len, size);
            }
            case 'p' -> {
                if (len >= 2 && (l[1] | 0x20) == 'i') {
                    handler.onPing();
                } else {
                    pongs++;
                    handler.onPong();
                }
            }
            case '+' -> { } // +OK
            case '-' -> {
                errors++;
                handler.onErr(l, len);
            }
            case 'i' -> handler.onInfo(l, len);
            default -> throw new ProtocolException("unexpected line: " + new String(l, 0, Math.min(len, 80),
                    java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    private static int lastNumber(byte[] l, int len) {
        int e = len;
        while (e > 0 && (l[e - 1] == ' ' || l[e - 1] == '\t')) {
            e--;
        }
        int s = e;
        while (s > 0 && l[s - 1] >= '0' && l[s - 1] <= '9') {
            s--;
        }
        if (s == e || e - s > 10) {
            throw new ProtocolException("bad size in: " + new String(l, 0, Math.min(len, 80),
                    java.nio.charset.StandardCharsets.US_ASCII));
        }
        long v = 0;
        for (int k = s; k < e; k++) {
            v = v * 10 + (l[k] - '0');
        }
        if (v > Integer.MAX_VALUE) {
            throw new ProtocolException("size too large: " + v);
        }
        return (int) v;
    }

    /**
     * Splits a control line on spaces/tabs. Writes start/end offsets pairwise into {@code out}
     * and returns the number of tokens found (at most {@code out.length / 2}).
     */
    public static int tokens(byte[] l, int len, int[] out) {
        int n = 0;
        int i = 0;
        while (i < len && n * 2 < out.length) {
            while (i < len && (l[i] == ' ' || l[i] == '\t')) {
                i++;
            }
            if (i == len) {
                break;
            }
            int s = i;
            while (i < len && l[i] != ' ' && l[i] != '\t') {
                i++;
            }
            out[n * 2] = s;
            out[n * 2 + 1] = i;
            n++;
        }
        return n;
    }

    /** A frame the generator cannot interpret. */
    public static final class ProtocolException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ProtocolException(String message) {
            super(message);
        }
    }
}
