package io.nats4j.server.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The client protocol decoder: one instance per connection, touched only by that connection's event loop.
 *
 * <p>Two states. In {@code LINE} the bytes up to the next LF are copied once into {@link #line()} (bounded by
 * max_control_line before anything is buffered; the verb is checked as soon as its first bytes arrive, so
 * garbage is refused at once, as nats-server does). In {@code PAYLOAD} a message whose bytes are all in the
 * read buffer is handed over in place; only a payload split across reads is copied into one buffer of exactly
 * its size. Arguments are recorded as offsets into the line, never as Strings.
 */
public final class ProtocolParser {

    /** Longest CONNECT line accepted even when max_control_line is smaller (JWTs make CONNECT long). */
    public static final int MIN_CONNECT_LINE_LIMIT = 64 * 1024;
    private static final int MAX_ARGS = 6;
    /** nats-server's parseSize accepts at most 9 digits. */
    private static final int MAX_SIZE_DIGITS = 9;

    public enum Op { NONE, PUB, HPUB, SUB, UNSUB, CONNECT }

    private static final int STATE_LINE = 0;
    private static final int STATE_PAYLOAD = 1;
    private static final int STATE_DEAD = 2;
    /** Above {@link #STATE_DEAD} so the parse loop's single comparison stops for both. */
    private static final int STATE_PAUSED = 3;

    private final ProtocolHandler handler;
    private final ByteBufAllocator alloc;
    private int maxControlLine;
    private int maxPayload;

    private int state = STATE_LINE;
    private byte[] line = new byte[256];
    private int lineLength;

    private Op op = Op.NONE;
    private final int[] argOffsets = new int[MAX_ARGS];
    private final int[] argLengths = new int[MAX_ARGS];
    private int argCount;

    // PUB/HPUB arguments, as indexes into argOffsets/argLengths
    private int replyArg;
    private int sizeArg;
    private int headerSize;
    private int totalSize;
    private ByteBuf splitPayload;
    /** Authentication required and no CONNECT yet: any other verb is an auth violation (nats-server's authSet). */
    private boolean connectRequired;

    public ProtocolParser(ProtocolHandler handler, ByteBufAllocator alloc, int maxControlLine, int maxPayload) {
        this.handler = handler;
        this.alloc = alloc;
        this.maxControlLine = maxControlLine;
        this.maxPayload = maxPayload;
    }

    /**
     * Changes the payload limit, e.g. once the connection's account is known (0 = unlimited;
     * {@link Integer#MIN_VALUE} = empty payloads only, for a user JWT whose payload limit is 0).
     */
    public void maxPayload(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    /** Changes the control line limit (a config reload). */
    public void maxControlLine(int maxControlLine) {
        this.maxControlLine = maxControlLine;
    }

    /**
     * While set, a line that does not start with CONNECT fails with {@link ProtocolError#AUTH_VIOLATION} as
     * soon as its first byte arrives. The handler clears it once CONNECT is accepted.
     */
    public void connectRequired(boolean required) {
        this.connectRequired = required;
    }

    /** Decodes everything readable in {@code in}; the caller keeps ownership of {@code in}. */
    public void parse(ByteBuf in) {
        while (state < STATE_DEAD && in.isReadable()) {
            if (state == STATE_LINE) {
                if (!readLine(in)) {
                    break;
                }
            } else {
                readPayload(in);
            }
        }
        if (state == STATE_DEAD) {
            in.skipBytes(in.readableBytes());
        }
    }

    /** Stops parsing for good and frees a partial payload; called when the connection closes. */
    public void close() {
        state = STATE_DEAD;
        if (splitPayload != null) {
            splitPayload.release();
            splitPayload = null;
        }
    }

    public boolean isDead() {
        return state == STATE_DEAD;
    }

    /**
     * Stops after the operation being handled (called from a handler callback, e.g. while an auth callout
     * decides on CONNECT): {@link #parse} leaves the rest of the input unread until {@link #resume()}.
     */
    public void pause() {
        if (state == STATE_LINE) {
            state = STATE_PAUSED;
        }
    }

    /** True between {@link #pause()} and {@link #resume()}. */
    public boolean isPaused() {
        return state == STATE_PAUSED;
    }

    /** Continues with the next operation after {@link #pause()}. */
    public void resume() {
        if (state == STATE_PAUSED) {
            state = STATE_LINE;
            lineLength = 0;
        }
    }

    // ---- accessors for the handler ----

    public byte[] line() {
        return line;
    }

    public int lineLength() {
        return lineLength;
    }

    public Op op() {
        return op;
    }

    public int argCount() {
        return argCount;
    }

    public int argOffset(int i) {
        return argOffsets[i];
    }

    public int argLength(int i) {
        return argLengths[i];
    }

    /** PUB/HPUB: the subject is argument 0. */
    public int subjectOffset() {
        return argOffsets[0];
    }

    public int subjectLength() {
        return argLengths[0];
    }

    /** PUB/HPUB: true when a reply subject was given. */
    public boolean hasReply() {
        return replyArg >= 0;
    }

    public int replyOffset() {
        return argOffsets[replyArg];
    }

    public int replyLength() {
        return argLengths[replyArg];
    }

    /** PUB/HPUB: header bytes (HPUB), or -1 for PUB. */
    public int headerSize() {
        return headerSize;
    }

    /** PUB/HPUB: header plus payload bytes. */
    public int totalSize() {
        return totalSize;
    }

    /** PUB/HPUB: the digits of the total size as the publisher sent them (reused in MSG lines). */
    public int totalSizeDigitsOffset() {
        return argOffsets[sizeArg];
    }

    public int totalSizeDigitsLength() {
        return argLengths[sizeArg];
    }

    /** HPUB: the digits of the header size as sent. */
    public int headerSizeDigitsOffset() {
        return argOffsets[sizeArg - 1];
    }

    public int headerSizeDigitsLength() {
        return argLengths[sizeArg - 1];
    }

    // ---- line state ----

    /** Returns false when the line is still incomplete (all input consumed). */
    private boolean readLine(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int lf = in.indexOf(start, end, (byte) '\n');
        int chunkEnd = lf < 0 ? end : lf;
        int add = chunkEnd - start;
        int newLength = lineLength + add;
        if (newLength > maxControlLine && newLength > lineLimit(in, start, add)) {
            fail(ProtocolError.MAX_CONTROL_LINE, "control line of " + newLength + " bytes, max " + maxControlLine);
            return false;
        }
        if (newLength > line.length) {
            byte[] bigger = new byte[Math.max(newLength, line.length * 2)];
            System.arraycopy(line, 0, bigger, 0, lineLength);
            line = bigger;
        }
        in.getBytes(start, line, lineLength, add);
        lineLength = newLength;
        if (connectRequired && newLength > 0 && (line[0] | 0x20) != 'c') {
            in.readerIndex(lf < 0 ? end : lf + 1);
            fail(ProtocolError.AUTH_VIOLATION, "operation before CONNECT");
            return false;
        }
        if (lf < 0) {
            in.readerIndex(end);
            if (!possibleVerbPrefix()) {
                fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
            }
            return false;
        }
        in.readerIndex(lf + 1);
        int length = lineLength;
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        lineLength = length;
        processLine(length);
        if (state == STATE_LINE) {
            lineLength = 0;
        }
        return true;
    }

    /** The limit for this line: larger for CONNECT, whose JWT can exceed max_control_line. */
    private int lineLimit(ByteBuf in, int start, int add) {
        int have = Math.min(7, lineLength + add);
        if (have < 7) {
            return maxControlLine;
        }
        for (int i = 0; i < 7; i++) {
            byte b = i < lineLength ? line[i] : in.getByte(start + i - lineLength);
            if ((b | 0x20) != "connect".charAt(i)) {
                return maxControlLine;
            }
        }
        return Math.max(maxControlLine, Math.max(MIN_CONNECT_LINE_LIMIT, maxPayload));
    }

    private void processLine(int length) {
        op = Op.NONE;
        if (length == 0) {
            fail(ProtocolError.UNKNOWN_OPERATION, "empty line");
            return;
        }
        byte[] l = line;
        switch (l[0] | 0x20) {
            case 'p' -> {
                if (verbWithSpace(l, length, "pub")) {
                    parsePub(4, length, false);
                } else if (startsWith(l, length, "ping")) {
                    handler.onPing();
                } else if (startsWith(l, length, "pong")) {
                    handler.onPong();
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            case 'h' -> {
                if (verbWithSpace(l, length, "hpub")) {
                    parsePub(5, length, true);
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            case 's' -> {
                if (verbWithSpace(l, length, "sub")) {
                    op = Op.SUB;
                    splitArgs(4, length);
                    if (argCount != 2 && argCount != 3) {
                        fail(ProtocolError.BAD_ARGUMENTS, "processSub Parse Error: '" + text(4, length) + "'");
                        return;
                    }
                    handler.onSub(this);
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            case 'u' -> {
                if (verbWithSpace(l, length, "unsub")) {
                    op = Op.UNSUB;
                    splitArgs(6, length);
                    if (argCount != 1 && argCount != 2) {
                        fail(ProtocolError.BAD_ARGUMENTS, "processUnsub Parse Error: '" + text(6, length) + "'");
                        return;
                    }
                    // a maximum that is not a size (abc, -1, ten digits) is no maximum: nats-server unsubscribes at once
                    handler.onUnsub(this);
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            case 'c' -> {
                if (startsWith(l, length, "connect")) {
                    op = Op.CONNECT;
                    int i = 7;
                    while (i < length && (l[i] == ' ' || l[i] == '\t')) {
                        i++;
                    }
                    handler.onConnect(this, i, length - i);
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            case 'i' -> {
                if (startsWith(l, length, "info")) {
                    handler.onIgnoredOp();
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            case '+' -> {
                if (startsWith(l, length, "+ok")) {
                    handler.onIgnoredOp();
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            case '-' -> {
                if (verbWithSpace(l, length, "-err")) {
                    handler.onIgnoredOp();
                } else {
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                }
            }
            default -> fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
        }
    }

    private void parsePub(int argsStart, int length, boolean headers) {
        op = headers ? Op.HPUB : Op.PUB;
        splitArgs(argsStart, length);
        int n = argCount;
        String verb = headers ? "processHeaderPub" : "processPub";
        if (headers) {
            if (n != 3 && n != 4) {
                fail(ProtocolError.BAD_ARGUMENTS, verb + " Parse Error: '" + text(argsStart, length) + "'");
                return;
            }
            replyArg = n == 4 ? 1 : -1;
            sizeArg = n - 1;
            headerSize = parseSize(line, argOffsets[n - 2], argLengths[n - 2]);
            if (headerSize < 0) {
                fail(ProtocolError.BAD_ARGUMENTS, verb + " Bad or Missing Header Size: '" + text(argsStart, length) + "'");
                return;
            }
        } else {
            if (n != 2 && n != 3) {
                fail(ProtocolError.BAD_ARGUMENTS, verb + " Parse Error: '" + text(argsStart, length) + "'");
                return;
            }
            replyArg = n == 3 ? 1 : -1;
            sizeArg = n - 1;
            headerSize = -1;
        }
        totalSize = parseSize(line, argOffsets[sizeArg], argLengths[sizeArg]);
        if (totalSize < 0) {
            fail(ProtocolError.BAD_ARGUMENTS, verb + " Bad or Missing Size: '" + text(argsStart, length) + "'");
            return;
        }
        if (headers && headerSize > totalSize) {
            fail(ProtocolError.BAD_ARGUMENTS, verb + " Header Size larger then TotalSize: '" + text(argsStart, length) + "'");
            return;
        }
        if ((maxPayload > 0 && totalSize > maxPayload) || (maxPayload == Integer.MIN_VALUE && totalSize > 0)) {
            fail(ProtocolError.MAX_PAYLOAD, "Maximum Payload Violation: " + totalSize + " > " + Math.max(0, maxPayload));
            return;
        }
        state = STATE_PAYLOAD;
    }

    // ---- payload state ----

    private void readPayload(ByteBuf in) {
        int need = totalSize + 2;
        if (splitPayload == null) {
            if (in.readableBytes() >= need) {
                int ri = in.readerIndex();
                if (in.getByte(ri + totalSize) != '\r' || in.getByte(ri + totalSize + 1) != '\n') {
                    fail(ProtocolError.UNKNOWN_OPERATION, "message payload not followed by CRLF");
                    return;
                }
                finishMessage(in, ri + need);
                return;
            }
            splitPayload = alloc.buffer(need, need);
        }
        int take = Math.min(in.readableBytes(), need - splitPayload.readableBytes());
        splitPayload.writeBytes(in, take);
        if (splitPayload.readableBytes() == need) {
            ByteBuf whole = splitPayload;
            splitPayload = null;
            try {
                if (whole.getByte(totalSize) != '\r' || whole.getByte(totalSize + 1) != '\n') {
                    fail(ProtocolError.UNKNOWN_OPERATION, "message payload not followed by CRLF");
                    return;
                }
                finishMessage(whole, whole.writerIndex());
            } finally {
                whole.release();
            }
        }
    }

    private void finishMessage(ByteBuf buf, int nextReaderIndex) {
        state = STATE_LINE;
        try {
            handler.onMessage(this, buf);
        } finally {
            buf.readerIndex(nextReaderIndex);
            lineLength = 0;
        }
    }

    // ---- helpers ----

    private void fail(ProtocolError error, String detail) {
        state = STATE_DEAD;
        if (splitPayload != null) {
            splitPayload.release();
            splitPayload = null;
        }
        handler.onProtocolError(error, detail);
    }

    private void splitArgs(int from, int length) {
        byte[] l = line;
        int n = 0;
        int start = -1;
        for (int i = from; i < length; i++) {
            byte b = l[i];
            if (b == ' ' || b == '\t') {
                if (start >= 0) {
                    if (n == MAX_ARGS) {
                        argCount = MAX_ARGS + 1;
                        return;
                    }
                    argOffsets[n] = start;
                    argLengths[n] = i - start;
                    n++;
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            if (n == MAX_ARGS) {
                argCount = MAX_ARGS + 1;
                return;
            }
            argOffsets[n] = start;
            argLengths[n] = length - start;
            n++;
        }
        argCount = n;
    }

    /** Decimal digits only, at most 9 of them (nats-server's parseSize); -1 when invalid. */
    public static int parseSize(byte[] b, int off, int len) {
        if (len == 0 || len > MAX_SIZE_DIGITS) {
            return -1;
        }
        int n = 0;
        for (int i = off; i < off + len; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    private static boolean startsWith(byte[] l, int length, String verb) {
        int n = verb.length();
        if (length < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if ((l[i] | 0x20) != verb.charAt(i) && l[i] != verb.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean verbWithSpace(byte[] l, int length, String verb) {
        return startsWith(l, length, verb) && length > verb.length()
                && (l[verb.length()] == ' ' || l[verb.length()] == '\t');
    }

    private static final String[] VERBS = {"pub", "hpub", "sub", "unsub", "ping", "pong", "connect", "info", "+ok", "-err"};
    private static final boolean[] VERB_NEEDS_SPACE = {true, true, true, true, false, false, false, false, false, true};

    /** While a line is incomplete: can what arrived so far still start a known verb? */
    private boolean possibleVerbPrefix() {
        int have = lineLength;
        for (int v = 0; v < VERBS.length; v++) {
            String verb = VERBS[v];
            int n = Math.min(have, verb.length());
            boolean ok = true;
            for (int i = 0; i < n; i++) {
                byte b = line[i];
                if ((b | 0x20) != verb.charAt(i) && b != verb.charAt(i)) {
                    ok = false;
                    break;
                }
            }
            if (ok && have > verb.length() && VERB_NEEDS_SPACE[v]) {
                byte b = line[verb.length()];
                ok = b == ' ' || b == '\t';
            }
            if (ok) {
                return true;
            }
        }
        return false;
    }

    private String text(int from, int length) {
        return new String(line, from, Math.max(0, length - from), java.nio.charset.StandardCharsets.UTF_8);
    }
}
