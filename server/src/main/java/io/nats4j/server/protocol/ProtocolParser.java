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
 * its size. Arguments are recorded as offsets into the line, never as Strings. A PUB or HPUB line that is already
 * whole in the read buffer (the publish path) is copied and decided in one step; every other line is read byte by
 * byte as nats-server reads it, and both reach the same state.
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
    /** The current line's verb (an index into VERBS) once complete, else -1. */
    private int verb = -1;
    /** Where the current line's arguments start in {@link #line}, -1 before their first byte. */
    private int argsStart = -1;
    /** A CR among the arguments after their first byte (nats-server then drops the byte before LF). */
    private boolean crInArgs;

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
    /** The message handed to {@link ProtocolHandler#onMessage}: refilled for every PUB/HPUB. */
    private final Message message = new Message();
    /** Authentication required and no CONNECT yet: any other verb is an auth violation (nats-server's authSet). */
    private boolean connectRequired;
    /** False refuses HPUB at its line, before its sizes are looked at (nats-server's order). */
    private boolean headersAllowed = true;

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

    /**
     * Whether HPUB is accepted (a client that did not announce header support in its CONNECT: no). Refused, an HPUB
     * line fails with {@link ProtocolError#BAD_ARGUMENTS} "message headers not supported".
     */
    public void headersAllowed(boolean allowed) {
        this.headersAllowed = allowed;
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
            resetLine();
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

    // ---- line state ----

    /**
     * Reads control-line bytes as nats-server's byte-wise parser does: the verb (case-insensitive), then for verbs
     * with arguments the spaces and tabs after it (not buffered: one is kept), then the arguments up to LF. Only
     * the arguments count against max_control_line; the bytes after PING, PONG and +OK are skipped. An LF that
     * comes where the first argument byte is due is an argument byte, as in nats-server (its argument states
     * start on any byte but a space or tab), so such a line ends at the next LF. Returns false when the line is
     * still incomplete (all input consumed) or parsing stopped.
     */
    private boolean readLine(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        if (lineLength == 0 && !connectRequired && wholePubLine(in, i, end)) {
            return true;
        }
        while (argsStart < 0) {
            if (i == end) {
                in.readerIndex(end);
                return false;
            }
            if (verb < 0) {
                byte b = in.getByte(i++);
                if (connectRequired && lineLength == 0 && b != 'C' && b != 'c') {
                    in.readerIndex(b == '\n' ? i : skipLine(in, i, end));
                    fail(ProtocolError.AUTH_VIOLATION, "operation before CONNECT");
                    return false;
                }
                appendLineByte(b);
                int v = b == '\n' ? VERB_NONE : matchVerb();
                if (v == VERB_NONE) {
                    in.readerIndex(i);
                    fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                    return false;
                }
                if (v >= 0) {
                    verb = v;
                }
                continue;
            }
            if (VERB_ARGS[verb] == NO_ARGS) {
                // PING, PONG, +OK: whatever follows up to LF is ignored (nats-server does not buffer it either)
                int lf = in.indexOf(i, end, (byte) '\n');
                if (lf < 0) {
                    in.readerIndex(end);
                    return false;
                }
                in.readerIndex(lf + 1);
                processLine(lineLength);
                resetLine();
                return true;
            }
            byte b = in.getByte(i);
            if (b == ' ' || b == '\t') {
                if (lineLength == VERBS[verb].length()) {
                    appendLineByte(b);
                }
                i++;
                continue;
            }
            if (VERB_ARGS[verb] == ARGS_AFTER_SPACE && lineLength == VERBS[verb].length()) {
                in.readerIndex(i + 1);
                fail(ProtocolError.UNKNOWN_OPERATION, "unknown protocol operation");
                return false;
            }
            // the first argument byte, whatever it is (also CR or LF)
            argsStart = lineLength;
            appendLineByte(b);
            i++;
        }
        int lf = in.indexOf(i, end, (byte) '\n');
        int chunkEnd = lf < 0 ? end : lf;
        int add = chunkEnd - i;
        if (!crInArgs && add > 0 && in.indexOf(i, chunkEnd, (byte) '\r') >= 0) {
            crInArgs = true;
        }
        int args = lineLength + add - argsStart - (crInArgs ? 1 : 0);
        if (args > maxControlLine && args > lineLimit()) {
            in.readerIndex(chunkEnd);
            fail(ProtocolError.MAX_CONTROL_LINE, "control line arguments of " + args + " bytes, max " + maxControlLine);
            return false;
        }
        int newLength = lineLength + add;
        if (newLength > line.length) {
            byte[] bigger = new byte[Math.max(newLength, line.length * 2)];
            System.arraycopy(line, 0, bigger, 0, lineLength);
            line = bigger;
        }
        in.getBytes(i, line, lineLength, add);
        lineLength = newLength;
        if (lf < 0) {
            in.readerIndex(end);
            return false;
        }
        in.readerIndex(lf + 1);
        // nats-server: a CR anywhere in the arguments (after their first byte) drops the last byte before LF
        processLine(crInArgs ? lineLength - 1 : lineLength);
        if (state == STATE_LINE) {
            resetLine();
        }
        return true;
    }

    /**
     * The publish path: a PUB or HPUB line that is already whole in {@code in} is copied into {@link #line} at once
     * and decided on the array, reaching the same state as the byte-wise reading below (the verb, the arguments
     * from their first byte, a CR among them, the same max_control_line count). Returns false, having consumed
     * nothing, for any other line and for the rare PUB lines whose reading is subtle (split across reads, a tab
     * right after PUB, an LF where the first argument byte is due, longer than the line buffer or than
     * max_control_line): the byte-wise reading then decides them exactly as before. The byte-wise reading matches
     * every verb at every byte and calls ByteBuf accessors per byte; at 16 B payloads that cost about half the
     * publish rate.
     */
    private boolean wholePubLine(ByteBuf in, int i, int end) {
        if (end - i < 6) {
            return false;
        }
        int w = in.getInt(i) | 0x20202020; // lower case letters; a space stays a space (and NUL becomes one)
        int v;
        int verbLength;
        if (w == 0x70756220 && in.getByte(i + 3) == ' ') { // "pub "
            v = VERB_PUB;
            verbLength = 3;
        } else if (w == 0x68707562) { // "hpub"
            byte sep = in.getByte(i + 4);
            if (sep != ' ' && sep != '\t') {
                return false;
            }
            v = VERB_HPUB;
            verbLength = 4;
        } else {
            return false;
        }
        int lf = in.indexOf(i + verbLength + 1, end, (byte) '\n');
        int length = lf - i;
        if (lf < 0 || length > line.length) {
            return false;
        }
        byte[] l = line;
        in.getBytes(i, l, 0, length);
        int a = verbLength + 1;
        while (a < length && (l[a] == ' ' || l[a] == '\t')) {
            a++;
        }
        if (a == length) {
            return false; // the LF is the first argument byte: the line goes on to the next LF
        }
        boolean cr = false;
        if (l[length - 1] == '\r' && length - 1 > a) {
            cr = true;
        } else {
            for (int k = a + 1; k < length; k++) {
                if (l[k] == '\r') {
                    cr = true;
                    break;
                }
            }
        }
        if (length - a - (cr ? 1 : 0) > maxControlLine) {
            return false;
        }
        in.readerIndex(lf + 1);
        lineLength = length;
        verb = v;
        argsStart = a;
        crInArgs = cr;
        processLine(cr ? length - 1 : length);
        if (state == STATE_LINE) {
            resetLine();
        }
        return true;
    }

    private static int skipLine(ByteBuf in, int from, int end) {
        int lf = in.indexOf(from, end, (byte) '\n');
        return lf < 0 ? end : lf + 1;
    }

    private void appendLineByte(byte b) {
        if (lineLength == line.length) {
            line = java.util.Arrays.copyOf(line, line.length * 2);
        }
        line[lineLength++] = b;
    }

    private void resetLine() {
        lineLength = 0;
        verb = -1;
        argsStart = -1;
        crInArgs = false;
    }

    /** The argument limit for this line: larger for CONNECT, whose JWT can exceed max_control_line. */
    private int lineLimit() {
        if (verb == VERB_CONNECT) {
            return Math.max(maxControlLine, Math.max(MIN_CONNECT_LINE_LIMIT, maxPayload));
        }
        return maxControlLine;
    }

    /**
     * {@code end}: where the arguments end (LF, or one byte earlier when a CR was among them). Arguments start at
     * {@link #argsStart} (for verbs without arguments there are none).
     */
    private void processLine(int end) {
        op = Op.NONE;
        int a = argsStart;
        switch (verb) {
            case VERB_PUB -> parsePub(a, end, false);
            case VERB_HPUB -> parsePub(a, end, true);
            case VERB_PING -> handler.onPing();
            case VERB_PONG -> handler.onPong();
            case VERB_SUB -> {
                op = Op.SUB;
                splitArgs(a, end, true);
                if (argCount != 2 && argCount != 3) {
                    fail(ProtocolError.BAD_ARGUMENTS, "processSub Parse Error: " + quoted(a, end));
                    return;
                }
                handler.onSub(this);
            }
            case VERB_UNSUB -> {
                op = Op.UNSUB;
                splitArgs(a, end, true);
                if (argCount != 1 && argCount != 2) {
                    fail(ProtocolError.BAD_ARGUMENTS, "processUnsub Parse Error: " + quoted(a, end));
                    return;
                }
                // a maximum that is not a size (abc, -1, ten digits) is no maximum: nats-server unsubscribes at once
                handler.onUnsub(this);
            }
            case VERB_CONNECT -> {
                op = Op.CONNECT;
                handler.onConnect(this, a, end - a);
            }
            case VERB_INFO -> handler.onInfo(this, a, end - a);
            case VERB_ERR -> handler.onClientError(this, a, end - a);
            default -> handler.onIgnoredOp(); // +OK
        }
    }

    private void parsePub(int argsStart, int length, boolean headers) {
        op = headers ? Op.HPUB : Op.PUB;
        if (headers && !headersAllowed) {
            fail(ProtocolError.BAD_ARGUMENTS, "message headers not supported");
            return;
        }
        splitArgs(argsStart, length, false);
        int n = argCount;
        String verb = headers ? "processHeaderPub" : "processPub";
        if (headers) {
            if (n != 3 && n != 4) {
                fail(ProtocolError.BAD_ARGUMENTS, verb + " Parse Error: " + quoted(argsStart, length));
                return;
            }
            replyArg = n == 4 ? 1 : -1;
            sizeArg = n - 1;
            headerSize = parseSize(line, argOffsets[n - 2], argLengths[n - 2]);
            if (headerSize < 0) {
                fail(ProtocolError.BAD_ARGUMENTS, verb + " Bad or Missing Header Size: " + quoted(argsStart, length));
                return;
            }
        } else {
            if (n != 2 && n != 3) {
                fail(ProtocolError.BAD_ARGUMENTS, verb + " Parse Error: " + quoted(argsStart, length));
                return;
            }
            replyArg = n == 3 ? 1 : -1;
            sizeArg = n - 1;
            headerSize = -1;
        }
        totalSize = parseSize(line, argOffsets[sizeArg], argLengths[sizeArg]);
        if (totalSize < 0) {
            fail(ProtocolError.BAD_ARGUMENTS, verb + " Bad or Missing Size: " + quoted(argsStart, length));
            return;
        }
        if (headers && headerSize > totalSize) {
            fail(ProtocolError.BAD_ARGUMENTS, verb + " Header Size larger then TotalSize: " + quoted(argsStart, length));
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
        Message m = message.subject(line, argOffsets[0], argLengths[0]);
        if (replyArg >= 0) {
            m.reply(line, argOffsets[replyArg], argLengths[replyArg]);
        } else {
            m.noReply();
        }
        int hd = headerSize >= 0 ? sizeArg - 1 : sizeArg;
        m.sizes(headerSize, totalSize, line, argOffsets[hd], argLengths[hd], argOffsets[sizeArg], argLengths[sizeArg]);
        m.data(buf, buf.readerIndex());
        try {
            handler.onMessage(this, m);
        } finally {
            buf.readerIndex(nextReaderIndex);
            resetLine();
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

    /**
     * Splits the arguments at spaces and tabs; for SUB and UNSUB ({@code crLfToo}) also at CR and LF, as
     * nats-server's splitArg does (its PUB and HPUB split at spaces and tabs only).
     */
    private void splitArgs(int from, int length, boolean crLfToo) {
        byte[] l = line;
        int n = 0;
        int start = -1;
        for (int i = from; i < length; i++) {
            byte b = l[i];
            if (b == ' ' || b == '\t' || (crLfToo && (b == '\r' || b == '\n'))) {
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

    private static final int VERB_NONE = -2;
    private static final int VERB_PUB = 0;
    private static final int VERB_HPUB = 1;
    private static final int VERB_SUB = 2;
    private static final int VERB_UNSUB = 3;
    private static final int VERB_PING = 4;
    private static final int VERB_PONG = 5;
    private static final int VERB_CONNECT = 6;
    private static final int VERB_INFO = 7;
    private static final int VERB_OK = 8;
    private static final int VERB_ERR = 9;
    private static final String[] VERBS = {"pub", "hpub", "sub", "unsub", "ping", "pong", "connect", "info", "+ok", "-err"};
    /** Arguments after at least one space or tab. */
    private static final int ARGS_AFTER_SPACE = 0;
    /** Arguments right after the verb or after spaces and tabs (CONNECT, INFO). */
    private static final int ARGS_OPTIONAL_SPACE = 1;
    private static final int NO_ARGS = 2;
    private static final int[] VERB_ARGS = {ARGS_AFTER_SPACE, ARGS_AFTER_SPACE, ARGS_AFTER_SPACE, ARGS_AFTER_SPACE,
        NO_ARGS, NO_ARGS, ARGS_OPTIONAL_SPACE, ARGS_OPTIONAL_SPACE, NO_ARGS, ARGS_AFTER_SPACE};

    /**
     * The verb in {@code line[0, lineLength)}: its index once complete, -1 while it can still become one,
     * {@link #VERB_NONE} when it cannot. Letters match in either case, {@code +} and {@code -} only themselves.
     */
    private int matchVerb() {
        int have = lineLength;
        boolean possible = false;
        for (int v = 0; v < VERBS.length; v++) {
            String verb = VERBS[v];
            if (have > verb.length()) {
                continue;
            }
            boolean ok = true;
            for (int i = 0; i < have; i++) {
                byte b = line[i];
                char c = verb.charAt(i);
                if (b != c && !(c >= 'a' && c <= 'z' && b == c - 32)) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                if (have == verb.length()) {
                    return v;
                }
                possible = true;
            }
        }
        return possible ? -1 : VERB_NONE;
    }

    /** The bytes as nats-server quotes them in its log lines (Go's %q). */
    private String quoted(int from, int to) {
        return ClientText.goQuote(line, from, Math.max(0, to - from));
    }
}
