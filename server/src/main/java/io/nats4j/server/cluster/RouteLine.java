package io.nats4j.server.cluster;

import io.nats4j.server.protocol.Message;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The control line a route is reading, copied out of the read buffer, and its arguments as offsets into it
 * (nothing is copied per argument): the verb test, the tokens, and the arguments of {@code RMSG}/{@code HMSG} set
 * on a {@link Message} as slices of the line. The route's loop only.
 */
final class RouteLine {

    /** Route INFOs carry URL lists; nats-server does not bound a route's control lines by max_control_line. */
    static final int MAX_LINE = 1 << 20;
    static final int MAX_ARGS = 64;

    byte[] line = new byte[512];
    int length;
    final int[] argStart = new int[MAX_ARGS];
    final int[] argEnd = new int[MAX_ARGS];
    /** Arguments of the last {@link #tokenize}; {@code MAX_ARGS + 1} when there were too many. */
    int argCount;
    private final int[] queueOffsets = new int[MAX_ARGS];
    private final int[] queueLengths = new int[MAX_ARGS];

    /** Outcome of {@link #read}. */
    static final int READ = 1;
    static final int INCOMPLETE = 0;
    static final int TOO_LONG = -1;

    /** Copies the next line of {@code in} (without CRLF) and moves past it. */
    int read(ByteBuf in) {
        int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            return in.readableBytes() > MAX_LINE ? TOO_LONG : INCOMPLETE;
        }
        int len = lf - in.readerIndex();
        if (len > 0 && in.getByte(lf - 1) == '\r') {
            len--;
        }
        if (len > line.length) {
            line = Arrays.copyOf(line, Math.max(len, line.length * 2));
        }
        in.getBytes(in.readerIndex(), line, 0, len);
        length = len;
        in.readerIndex(lf + 1);
        return READ;
    }

    void tokenize(int from) {
        argCount = 0;
        int i = from;
        while (i < length) {
            while (i < length && (line[i] == ' ' || line[i] == '\t')) {
                i++;
            }
            if (i >= length) {
                break;
            }
            int s = i;
            while (i < length && line[i] != ' ' && line[i] != '\t') {
                i++;
            }
            if (argCount == MAX_ARGS) {
                argCount = MAX_ARGS + 1;
                return;
            }
            argStart[argCount] = s;
            argEnd[argCount] = i;
            argCount++;
        }
    }

    String arg(int i) {
        return new String(line, argStart[i], argEnd[i] - argStart[i], StandardCharsets.US_ASCII);
    }

    /** True when argument {@code i} is {@code name}. */
    boolean argIs(int i, byte[] name) {
        int s = argStart[i];
        int len = argEnd[i] - s;
        return name.length == len && Arrays.equals(name, 0, len, line, s, s + len);
    }

    /** The line starts with {@code verb} (any case) followed by a blank or its end. */
    boolean verbIs(String verb) {
        int n = verb.length();
        if (length < n || (length > n && line[n] != ' ' && line[n] != '\t')) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (Character.toUpperCase(line[i]) != verb.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The line from {@code from} on, trimmed. */
    String rest(int from) {
        return new String(line, Math.min(from, length), Math.max(0, length - from), StandardCharsets.UTF_8).trim();
    }

    /** The first {@code n} bytes at most (error logs). */
    String head(int n) {
        return new String(line, 0, Math.min(length, n), StandardCharsets.UTF_8);
    }

    /**
     * {@code RMSG acc subject [+ reply q... | | q... | reply] size} ({@code HMSG} with the header size before
     * the size), from {@code from}: sets {@code message}'s subject, reply, queue list and sizes as slices of this
     * line and returns the payload size, or -1 for a malformed line. The account is argument 0.
     */
    int messageArgs(Message message, boolean hasHeaders, int from) {
        tokenize(from);
        int sizes = hasHeaders ? 2 : 1;
        if (argCount < 2 + sizes || argCount > MAX_ARGS) {
            return -1;
        }
        int totalArg = argCount - 1;
        int total = parseSize(totalArg);
        int header = hasHeaders ? parseSize(totalArg - 1) : -1;
        if (total < 0 || (hasHeaders && (header < 0 || header > total))) {
            return -1;
        }
        int middle = argCount - 2 - sizes; // args between subject and the sizes
        message.subject(line, argStart[1], argEnd[1] - argStart[1]);
        message.noReply().noQueueList();
        if (middle == 1) {
            message.reply(line, argStart[2], argEnd[2] - argStart[2]);
        } else if (middle > 1) {
            int ind = argStart[2];
            if (argEnd[2] - ind != 1 || (line[ind] != '+' && line[ind] != '|')) {
                return -1;
            }
            int q = 3;
            if (line[ind] == '+') {
                message.reply(line, argStart[3], argEnd[3] - argStart[3]);
                q = 4;
            }
            int n = 0;
            for (int i = q; i < 2 + middle; i++) {
                queueOffsets[n] = argStart[i];
                queueLengths[n] = argEnd[i] - argStart[i];
                n++;
            }
            message.queues(line, queueOffsets, queueLengths, n);
        }
        if (hasHeaders) {
            message.sizes(header, total, line, argStart[totalArg - 1], argEnd[totalArg - 1] - argStart[totalArg - 1],
                    argStart[totalArg], argEnd[totalArg] - argStart[totalArg]);
        } else {
            message.sizes(-1, total, line, 0, 0, argStart[totalArg], argEnd[totalArg] - argStart[totalArg]);
        }
        return total;
    }

    private int parseSize(int arg) {
        int n = 0;
        int s = argStart[arg];
        int e = argEnd[arg];
        if (e - s == 0 || e - s > 10) {
            return -1;
        }
        for (int i = s; i < e; i++) {
            int d = line[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
            if (n < 0) {
                return -1;
            }
        }
        return n;
    }

    private static final byte[] JS_ACK = "$JS.ACK.".getBytes(StandardCharsets.US_ASCII);

    /**
     * The index of the '@' in {@code m}'s reply when it is "$JS.ACK...@<subject>" (nats-server's encoding of a
     * JetStream delivery's subject in a routed reply), else -1.
     */
    static int jsAckSplit(Message m) {
        int len = m.replyLength();
        if (len <= JS_ACK.length + 1) {
            return -1;
        }
        byte[] a = m.replyArray();
        int off = m.replyOffset();
        if (!Arrays.equals(a, off, off + JS_ACK.length, JS_ACK, 0, JS_ACK.length)) {
            return -1;
        }
        for (int i = off + len - 2; i >= off + JS_ACK.length; i--) {
            if (a[i] == '@') {
                return i;
            }
        }
        return -1;
    }
}
