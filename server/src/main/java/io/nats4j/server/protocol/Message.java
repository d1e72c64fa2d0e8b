package io.nats4j.server.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * One message on its way from a reader to the fan-out: subject, reply, header and payload as slices of the
 * reader's own buffers, and the size digits ready to be copied into {@code MSG}/{@code HMSG} lines.
 *
 * <p>A flyweight: each reader keeps one (the parser for {@code PUB}/{@code HPUB}; {@code RMSG}, {@code LMSG},
 * WebSocket, MQTT and JetStream readers will fill theirs the same way) and fills it for message after message,
 * so nothing is allocated per message. Everything it points to is valid only during the delivery call it is
 * passed to: a receiver that keeps a message copies it ({@link #subjectString()}, {@link #headerBytes()},
 * {@link #bodyBytes()}). The fan-out keeps further instances for the subject and reply an import rewrites
 * ({@link #copyOf(Message)} then {@link #subject}/{@link #reply}).
 *
 * <p>Data layout: {@link #data()} holds {@link #totalSize()} bytes from {@link #dataOffset()}: the header
 * block ({@link #headerSize()} bytes, -1 when the message has none) followed by the body.
 */
public final class Message {

    /** Digits of a size up to {@link Integer#MAX_VALUE}. */
    private static final int MAX_DIGITS = 10;

    private byte[] subject;
    private int subjectOffset;
    private int subjectLength;
    private byte[] reply;
    private int replyOffset;
    private int replyLength = -1;

    private int headerSize = -1;
    private int totalSize;
    private byte[] totalDigits;
    private int totalDigitsOffset;
    private int totalDigitsLength;
    private byte[] headerDigits;
    private int headerDigitsOffset;
    private int headerDigitsLength;
    /** Digits written by {@link #sizes(int, int)}: total size first, header size after it. */
    private final byte[] ownDigits = new byte[2 * MAX_DIGITS];

    private ByteBuf data;
    private int dataOffset;

    /**
     * The queue groups a message from another server may go to ({@code RMSG}'s queue list): -1 when the message
     * carries no list. Slices of {@link #queueNames}.
     */
    private int queueCount = -1;
    private byte[] queueNames;
    private int[] queueOffsets;
    private int[] queueLengths;

    // ---------------------------------------------------------------- producing

    /** The subject is {@code a[off, off + len)}. */
    public Message subject(byte[] a, int off, int len) {
        subject = a;
        subjectOffset = off;
        subjectLength = len;
        return this;
    }

    /** The reply subject is {@code a[off, off + len)}. */
    public Message reply(byte[] a, int off, int len) {
        reply = a;
        replyOffset = off;
        replyLength = len;
        return this;
    }

    public Message noReply() {
        reply = null;
        replyOffset = 0;
        replyLength = -1;
        return this;
    }

    /**
     * The sizes with the digits the publisher sent ({@code PUB}/{@code HPUB}, {@code RMSG}, ...), reused as they
     * are in every delivered line. {@code headerSize} -1: no headers (the header digits are then ignored).
     */
    public Message sizes(int headerSize, int totalSize, byte[] digits, int headerDigitsOffset, int headerDigitsLength,
            int totalDigitsOffset, int totalDigitsLength) {
        this.headerSize = headerSize;
        this.totalSize = totalSize;
        this.totalDigits = digits;
        this.totalDigitsOffset = totalDigitsOffset;
        this.totalDigitsLength = totalDigitsLength;
        this.headerDigits = digits;
        this.headerDigitsOffset = headerDigitsOffset;
        this.headerDigitsLength = headerDigitsLength;
        return this;
    }

    /** The sizes of a message built in the server (no digits to reuse): the digits are written here once. */
    public Message sizes(int headerSize, int totalSize) {
        if (totalSize < 0 || headerSize > totalSize) {
            throw new IllegalArgumentException("bad sizes " + headerSize + "/" + totalSize);
        }
        this.headerSize = headerSize;
        this.totalSize = totalSize;
        totalDigits = ownDigits;
        totalDigitsOffset = 0;
        totalDigitsLength = writeDigits(totalSize, ownDigits, 0);
        headerDigits = ownDigits;
        headerDigitsOffset = MAX_DIGITS;
        headerDigitsLength = headerSize < 0 ? 0 : writeDigits(headerSize, ownDigits, MAX_DIGITS);
        return this;
    }

    /** The header block and body: {@link #totalSize()} bytes of {@code buf} from {@code offset}. */
    public Message data(ByteBuf buf, int offset) {
        data = buf;
        dataOffset = offset;
        return this;
    }

    /**
     * The queue groups the message may be delivered to ({@code RMSG}/{@code LMSG} queue lists):
     * {@code names[offsets[i], offsets[i] + lengths[i])} for {@code i < count}. The arrays are the reader's.
     */
    public Message queues(byte[] names, int[] offsets, int[] lengths, int count) {
        queueNames = names;
        queueOffsets = offsets;
        queueLengths = lengths;
        queueCount = count;
        return this;
    }

    /** No queue list (a client's publish: every matching queue group gets the message). */
    public Message noQueueList() {
        queueCount = -1;
        queueNames = null;
        queueOffsets = null;
        queueLengths = null;
        return this;
    }

    /** Points at everything {@code m} points at (an import then replaces the subject and reply). */
    public Message copyOf(Message m) {
        subject = m.subject;
        subjectOffset = m.subjectOffset;
        subjectLength = m.subjectLength;
        reply = m.reply;
        replyOffset = m.replyOffset;
        replyLength = m.replyLength;
        headerSize = m.headerSize;
        totalSize = m.totalSize;
        if (m.totalDigits == m.ownDigits) {
            System.arraycopy(m.ownDigits, 0, ownDigits, 0, ownDigits.length);
            totalDigits = ownDigits;
            headerDigits = ownDigits;
        } else {
            totalDigits = m.totalDigits;
            headerDigits = m.headerDigits;
        }
        totalDigitsOffset = m.totalDigitsOffset;
        totalDigitsLength = m.totalDigitsLength;
        headerDigitsOffset = m.headerDigitsOffset;
        headerDigitsLength = m.headerDigitsLength;
        data = m.data;
        dataOffset = m.dataOffset;
        queueCount = m.queueCount;
        queueNames = m.queueNames;
        queueOffsets = m.queueOffsets;
        queueLengths = m.queueLengths;
        return this;
    }

    // ---------------------------------------------------------------- reading

    public byte[] subjectArray() {
        return subject;
    }

    public int subjectOffset() {
        return subjectOffset;
    }

    public int subjectLength() {
        return subjectLength;
    }

    public boolean hasReply() {
        return replyLength >= 0;
    }

    /** The reply's array; meaningless without {@link #hasReply()}. */
    public byte[] replyArray() {
        return reply;
    }

    public int replyOffset() {
        return replyOffset;
    }

    /** -1 when the message has no reply subject. */
    public int replyLength() {
        return replyLength;
    }

    /** Bytes of the header block, or -1 when the message has none. */
    public int headerSize() {
        return headerSize;
    }

    public boolean hasHeaders() {
        return headerSize >= 0;
    }

    /** Header block plus body. */
    public int totalSize() {
        return totalSize;
    }

    public int bodySize() {
        return totalSize - Math.max(headerSize, 0);
    }

    public byte[] totalDigits() {
        return totalDigits;
    }

    public int totalDigitsOffset() {
        return totalDigitsOffset;
    }

    public int totalDigitsLength() {
        return totalDigitsLength;
    }

    public byte[] headerDigits() {
        return headerDigits;
    }

    public int headerDigitsOffset() {
        return headerDigitsOffset;
    }

    public int headerDigitsLength() {
        return headerDigitsLength;
    }

    /** True when the message came with a queue list ({@link #queues}). */
    public boolean hasQueueList() {
        return queueCount >= 0;
    }

    /** True when the queue list names {@code queue} (ASCII names, compared without a String). */
    public boolean queueListNames(String queue) {
        for (int i = 0; i < queueCount; i++) {
            int len = queueLengths[i];
            if (len != queue.length()) {
                continue;
            }
            int off = queueOffsets[i];
            int k = 0;
            while (k < len && queueNames[off + k] == queue.charAt(k)) {
                k++;
            }
            if (k == len) {
                return true;
            }
        }
        return false;
    }

    public ByteBuf data() {
        return data;
    }

    public int dataOffset() {
        return dataOffset;
    }

    // ---------------------------------------------------------------- copies (receivers that keep a message)

    public String subjectString() {
        return new String(subject, subjectOffset, subjectLength, StandardCharsets.UTF_8);
    }

    /** The reply as a String, or null when none. */
    public String replyString() {
        return replyLength < 0 ? null : new String(reply, replyOffset, replyLength, StandardCharsets.UTF_8);
    }

    /** A copy of the header block, or null when the message has none (an empty block gives an empty array). */
    public byte[] headerBytes() {
        if (headerSize < 0) {
            return null;
        }
        byte[] h = new byte[headerSize];
        data.getBytes(dataOffset, h);
        return h;
    }

    /** A copy of the body (the data after the header block). */
    public byte[] bodyBytes() {
        byte[] b = new byte[bodySize()];
        data.getBytes(dataOffset + Math.max(headerSize, 0), b);
        return b;
    }

    private static int writeDigits(int n, byte[] into, int at) {
        int len = 1;
        for (int v = n; v >= 10; v /= 10) {
            len++;
        }
        int i = at + len;
        do {
            into[--i] = (byte) ('0' + n % 10);
            n /= 10;
        } while (n > 0);
        return len;
    }

    @Override
    public String toString() {
        return "Message{" + subjectString() + (hasReply() ? " reply=" + replyString() : "") + " headers=" + headerSize
                + " total=" + totalSize + "}";
    }
}
