package io.nats4j.server.sys;

import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.FanOut;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.protocol.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The server's own publisher (nats-server's internal system client): builds a {@link Message} from the subject,
 * reply, headers and payload it is given and hands it to the same {@link FanOut} a client's publish goes
 * through — to the sockets of the subscribed clients (each flushed on its own loop), to internal subscribers,
 * and across accounts through import relays.
 *
 * <p>Threading: one thread at a time (the owning service's executor). Receivers are never blocked: a delivery
 * only appends to their outbound buffers, which applies their max_pending; this publisher cannot be held back
 * (it reads no socket), so producer flow control does not apply to it.
 */
public final class InternalClient {

    private final FanOut fanOut;
    private final Message message = new Message();
    private String lastSubject;
    private byte[] lastSubjectBytes;

    /** @param stats the server's counters (out_msgs/out_bytes count what this client delivers), or null */
    public InternalClient(ServerStats stats) {
        this.fanOut = new FanOut(ConnectionKind.SYSTEM, null, stats, null);
    }

    /**
     * Publishes {@code payload} (and {@code headers}, a raw {@code NATS/1.0} block, or null) on
     * {@code subject} in {@code account}; returns how many subscriptions it was delivered to.
     */
    public int publish(Account account, String subject, String reply, byte[] headers, byte[] payload) {
        try {
            return publishUnflushed(account, subject, reply, headers, payload);
        } finally {
            fanOut.endBatch(null);
        }
    }

    /**
     * Like {@link #publish} but leaves the receivers unflushed until {@link #flush()}: a batch of publishes (the
     * PubAcks of one group commit) wakes each receiver's loop once, not once per message.
     */
    public int publishUnflushed(Account account, String subject, String reply, byte[] headers, byte[] payload) {
        if (subject.isEmpty() || hasWhitespace(subject) || (reply != null && hasWhitespace(reply))) {
            throw new IllegalArgumentException("invalid subject for an internal publish: \"" + subject + "\"");
        }
        if (account == null) {
            return 0;
        }
        byte[] body = payload == null ? new byte[0] : payload;
        byte[] subj = subject.getBytes(StandardCharsets.UTF_8);
        ByteBuf data = headers == null ? Unpooled.wrappedBuffer(body) : Unpooled.wrappedBuffer(headers, body);
        Message m = message.subject(subj, 0, subj.length)
                .sizes(headers == null ? -1 : headers.length, data.readableBytes())
                .data(data, data.readerIndex());
        if (reply != null && !reply.isEmpty()) {
            byte[] r = reply.getBytes(StandardCharsets.UTF_8);
            m.reply(r, 0, r.length);
        } else {
            m.noReply();
        }
        try {
            return fanOut.publish(account, m);
        } finally {
            m.data(null, 0);
            data.release();
        }
    }

    /**
     * Publishes the readable bytes of {@code payload} on {@code subject} (no reply, no headers) and leaves the
     * receivers unflushed until {@link #flush()}. The caller keeps {@code payload} (it is not released here) and may
     * reuse it when this returns: receivers copy it. The subject's bytes are kept for the next call, so a run of
     * PubAcks to the same publisher's inbox encodes it once.
     */
    public int publishUnflushed(Account account, String subject, ByteBuf payload) {
        if (account == null) {
            return 0;
        }
        if (!subject.equals(lastSubject)) {
            if (subject.isEmpty() || hasWhitespace(subject)) {
                throw new IllegalArgumentException("invalid subject for an internal publish: \"" + subject + "\"");
            }
            lastSubjectBytes = subject.getBytes(StandardCharsets.UTF_8);
            lastSubject = subject;
        }
        byte[] subj = lastSubjectBytes;
        Message m = message.subject(subj, 0, subj.length).sizes(-1, payload.readableBytes())
                .data(payload, payload.readerIndex()).noReply();
        try {
            return fanOut.publish(account, m);
        } finally {
            m.data(null, 0);
        }
    }

    /** Flushes every receiver written to since the last flush (after {@link #publishUnflushed}). */
    public void flush() {
        fanOut.endBatch(null);
    }

    private static boolean hasWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                return true;
            }
        }
        return false;
    }
}
