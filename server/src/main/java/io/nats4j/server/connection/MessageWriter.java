package io.nats4j.server.connection;

import io.nats4j.server.auth.ClientPermissions;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Frames messages for a client: {@code MSG}/{@code HMSG} lines built in the connection's outbound buffer from
 * the {@link Message}'s slices and size digits (headers stripped for a client that did not announce them), the
 * no-responders status, delivery permissions and reply tracking, auto-unsubscribe counting and the
 * max_pending check. Called on any publisher's thread.
 */
final class MessageWriter {

    private static final byte[] MSG = "MSG ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HMSG = "HMSG ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_RESPONDERS_HEADER = "16 16\r\nNATS/1.0 503\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final short CRLF = ('\r' << 8) | '\n';

    private final ClientConnection conn;
    private final Outbound out;

    MessageWriter(ClientConnection conn, Outbound out) {
        this.conn = conn;
        this.out = out;
    }

    /**
     * Appends a MSG/HMSG frame of {@code m} for {@code sub}. Returns the bytes queued, or -1 when nothing was
     * delivered (closed, slow consumer, delivery not permitted, or the subscription reached its maximum).
     */
    int append(Subscription sub, Message m) {
        if (conn.isClosed() || sub.closed) {
            return -1;
        }
        byte[] subj = m.subjectArray();
        int subjOff = m.subjectOffset();
        int subjLen = m.subjectLength();
        int replyLen = m.replyLength();
        ClientPermissions rp = conn.perms();
        if (rp != null) {
            if (rp.deliveryDenied(subj, subjOff, subjLen)) {
                return -1;
            }
            if (replyLen > 0 && rp.tracksReplies()) {
                rp.recordReply(m.replyArray(), m.replyOffset(), replyLen);
            }
        }
        boolean hasReply = replyLen >= 0;
        // as nats-server: an empty header block (HPUB x 0 2) is no header, delivered as MSG
        boolean hdr = m.headerSize() > 0;
        int size = m.totalSize();
        int skip = 0;
        boolean strip = hdr && !conn.headers();
        if (strip) {
            // as nats-server: a client that did not announce header support gets the payload without headers
            skip = m.headerSize();
            size -= skip;
            hdr = false;
        }
        int sizeDigits = strip ? decimalLength(size) : m.totalDigitsLength();
        int lineLen = (hdr ? 5 : 4) + subjLen + 1 + sub.sid.length + 1
                + (hasReply ? replyLen + 1 : 0)
                + (hdr ? m.headerDigitsLength() + 1 : 0) + sizeDigits + 2;
        int frame = lineLen + size + 2;
        long maxPending = conn.maxPending();
        boolean removeAfter = false;
        synchronized (out.lock) {
            if (conn.isClosed()) {
                return -1;
            }
            if (sub.maxMsgs > 0) {
                if (sub.delivered >= sub.maxMsgs) {
                    return -1;
                }
                removeAfter = sub.delivered + 1 == sub.maxMsgs;
            }
            long pending = out.queuedLocked();
            if (pending + frame > maxPending) {
                conn.markSlowConsumer(ClosedState.SLOW_CONSUMER_PENDING_BYTES);
                return -1;
            }
            ByteBuf b = out.writable(frame);
            b.writeBytes(hdr ? HMSG : MSG);
            b.writeBytes(subj, subjOff, subjLen);
            b.writeByte(' ');
            b.writeBytes(sub.sid);
            b.writeByte(' ');
            if (hasReply) {
                b.writeBytes(m.replyArray(), m.replyOffset(), replyLen);
                b.writeByte(' ');
            }
            if (hdr) {
                b.writeBytes(m.headerDigits(), m.headerDigitsOffset(), m.headerDigitsLength());
                b.writeByte(' ');
            }
            if (strip) {
                writeDecimal(b, size, sizeDigits);
            } else {
                b.writeBytes(m.totalDigits(), m.totalDigitsOffset(), m.totalDigitsLength());
            }
            b.writeShort(CRLF);
            b.writeBytes(m.data(), m.dataOffset() + skip, size);
            b.writeShort(CRLF);
            sub.delivered++;
            out.appended(size, pending + frame, maxPending);
        }
        if (removeAfter) {
            conn.subscriptions.remove(sub);
        }
        return frame;
    }

    /** Appends the no-responders status (HMSG with a 503 header) for {@code m}'s reply to {@code mine}. */
    boolean appendNoResponders(Subscription mine, Message m) {
        synchronized (out.lock) {
            if (conn.isClosed()) {
                return false;
            }
            ByteBuf b = out.writable(16 + m.replyLength() + mine.sid.length + NO_RESPONDERS_HEADER.length);
            b.writeBytes(HMSG);
            b.writeBytes(m.replyArray(), m.replyOffset(), m.replyLength());
            b.writeByte(' ');
            b.writeBytes(mine.sid);
            b.writeByte(' ');
            b.writeBytes(NO_RESPONDERS_HEADER);
        }
        return true;
    }

    private static int decimalLength(int n) {
        int len = 1;
        while (n >= 10) {
            n /= 10;
            len++;
        }
        return len;
    }

    private static void writeDecimal(ByteBuf b, int n, int digits) {
        int at = b.writerIndex() + digits;
        b.writerIndex(at);
        do {
            b.setByte(--at, '0' + n % 10);
            n /= 10;
        } while (n > 0);
    }
}
