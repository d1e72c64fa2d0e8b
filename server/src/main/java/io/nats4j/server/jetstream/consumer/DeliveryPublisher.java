package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.FanOut;
import io.nats4j.server.connection.ImportRelay;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A consumer's publisher: hands a stored message to the server's message path ({@link FanOut}) matched on one
 * subject (the deliver subject, a pull request's reply) while the receivers see another (the message's own
 * subject), as nats-server delivers JetStream messages. Appends to receivers' outbound buffers only: it never
 * blocks on them. Used by one thread at a time (the consumer's serial executor), which calls {@link #flush()} at
 * the end of each batch of its work.
 */
final class DeliveryPublisher {

    private final FanOut fanOut;
    private static final byte[] EMPTY = new byte[0];
    private final Message message = new Message();
    private byte[] replyBuf = new byte[128];
    private String lastSubject;
    private byte[] lastSubjectBytes;
    /** Deliveries appended but not flushed yet; flushed at the latest after {@link #MAX_UNFLUSHED}. */
    private int unflushed;
    static final int MAX_UNFLUSHED = 256;

    DeliveryPublisher(ServerStats stats) {
        this.fanOut = new FanOut(ConnectionKind.JETSTREAM, null, stats, null);
    }

    /**
     * Delivers to the subscriptions of {@code routeSubject} in {@code account}, showing {@code subject} and
     * {@code reply}; returns how many took it.
     */
    int publish(Account account, String routeSubject, String subject, String reply, byte[] headers, byte[] payload) {
        return publish(account, routeSubject, subject, reply, headers, payload, 0);
    }

    private int publish(Account account, String routeSubject, String subject, String reply, byte[] headers,
            byte[] payload, int depth) {
        SublistResult r = account.match(routeSubject);
        if (r == null || (r.psubs.length == 0 && r.qsubs.length == 0)) {
            return 0;
        }
        int relayed = 0;
        if (hasRelay(r)) {
            relayed = relay(r, routeSubject, subject, reply, headers, payload, depth);
            r = withoutRelays(r);
            if (r.isEmpty()) {
                return relayed;
            }
        }
        byte[] body = payload == null ? new byte[0] : payload;
        byte[] subj = subject.getBytes(StandardCharsets.UTF_8);
        boolean hdr = headers != null && headers.length > 0;
        ByteBuf data = hdr ? Unpooled.wrappedBuffer(headers, body) : Unpooled.wrappedBuffer(body);
        Message m = message.subject(subj, 0, subj.length)
                .sizes(hdr ? headers.length : -1, data.readableBytes())
                .data(data, data.readerIndex());
        if (reply != null && !reply.isEmpty()) {
            byte[] rp = reply.getBytes(StandardCharsets.UTF_8);
            m.reply(rp, 0, rp.length);
        } else {
            m.noReply();
        }
        try {
            int n = fanOut.deliver(m, r);
            if (++unflushed >= MAX_UNFLUSHED) {
                flush();
            }
            return n + relayed;
        } finally {
            m.data(null, 0);
            data.release();
        }
    }

    private static boolean hasRelay(SublistResult r) {
        for (Subscription s : r.psubs) {
            if (s.owner instanceof ImportRelay) {
                return true;
            }
        }
        return false;
    }

    private static SublistResult withoutRelays(SublistResult r) {
        List<Subscription> keep = new ArrayList<>(r.psubs.length);
        for (Subscription s : r.psubs) {
            if (!(s.owner instanceof ImportRelay)) {
                keep.add(s);
            }
        }
        return SublistResult.of(keep.toArray(new Subscription[0]), r.qsubs);
    }

    /**
     * Deliveries whose route subject an import carries to another account (a pull request's reply through a
     * service import's response mapping, a push deliver subject exported as a stream): each relay is asked with the
     * route subject, not the shown one, and the delivery goes on in the target account under the subject the relay
     * gives, still showing the message's own subject and keeping its ack reply (nats-server's deliver subject
     * across accounts). Only when a relay matched: the plain path allocates nothing for it.
     */
    private int relay(SublistResult r, String routeSubject, String subject, String reply, byte[] headers,
            byte[] payload, int depth) {
        if (depth >= MAX_RELAY_DEPTH) {
            return 0;
        }
        byte[] rs = routeSubject.getBytes(StandardCharsets.UTF_8);
        byte[] rp = reply == null ? new byte[0] : reply.getBytes(StandardCharsets.UTF_8);
        int n = 0;
        for (Subscription s : r.psubs) {
            if (s.closed || !(s.owner instanceof ImportRelay relay)) {
                continue;
            }
            ImportRelay.Destination d = new ImportRelay.Destination();
            if (relay.relay(rs, 0, rs.length, rp, 0, reply == null ? -1 : rp.length, d) && d.target() != null) {
                String to = d.subjectString();
                // a plain message on its own subject (a status, an ack's answer) takes the relay's subject
                n += publish(d.target(), to, subject.equals(routeSubject) ? to : subject, reply, headers, payload,
                        depth + 1);
            }
        }
        return n;
    }

    /** nats-server's limit of import hops for one message, as {@code FanOut}'s. */
    static final int MAX_RELAY_DEPTH = 8;

    /**
     * Delivers a stored message with its ack subject as reply, {@code <ackPrefix><delivered>.<sseq>.<cseq>.<ts>.
     * <pending>}, written into a reused array (no String per delivery); returns the reply's length. The subject's
     * bytes are kept for the next delivery (a stream's messages often share subjects).
     */
    int publishWithAck(Account account, String routeSubject, String subject, byte[] ackPrefix, long delivered,
                       long streamSeq, long consumerSeq, long timestampNanos, long pending, byte[] headers,
                       byte[] payload) {
        int need = ackPrefix.length + 5 * 21;
        if (replyBuf.length < need) {
            replyBuf = new byte[need];
        }
        System.arraycopy(ackPrefix, 0, replyBuf, 0, ackPrefix.length);
        int at = ackPrefix.length;
        at = digits(delivered, at);
        replyBuf[at++] = '.';
        at = digits(streamSeq, at);
        replyBuf[at++] = '.';
        at = digits(consumerSeq, at);
        replyBuf[at++] = '.';
        at = digits(timestampNanos, at);
        replyBuf[at++] = '.';
        at = digits(pending, at);
        SublistResult r = account.match(routeSubject);
        if (r == null || (r.psubs.length == 0 && r.qsubs.length == 0)) {
            return at;
        }
        if (hasRelay(r)) {
            // an import carries it to another account: the general path (the reply as a String)
            publish(account, routeSubject, subject, new String(replyBuf, 0, at, StandardCharsets.UTF_8), headers,
                    payload);
            return at;
        }
        if (!subject.equals(lastSubject)) {
            lastSubjectBytes = subject.getBytes(StandardCharsets.UTF_8);
            lastSubject = subject;
        }
        byte[] subj = lastSubjectBytes;
        byte[] body = payload == null ? EMPTY : payload;
        boolean hdr = headers != null && headers.length > 0;
        ByteBuf data = hdr ? Unpooled.wrappedBuffer(headers, body) : Unpooled.wrappedBuffer(body);
        Message m = message.subject(subj, 0, subj.length)
                .sizes(hdr ? headers.length : -1, data.readableBytes())
                .data(data, data.readerIndex())
                .reply(replyBuf, 0, at);
        try {
            fanOut.deliver(m, r);
            if (++unflushed >= MAX_UNFLUSHED) {
                flush();
            }
        } finally {
            m.data(null, 0);
            data.release();
        }
        return at;
    }

    /** Writes {@code v} in decimal at {@code at} in {@link #replyBuf}; returns the end. */
    private int digits(long v, int at) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                byte[] b = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(b, 0, replyBuf, at, b.length);
                return at + b.length;
            }
            replyBuf[at++] = '-';
            v = -v;
        }
        int n = 1;
        for (long x = v; x >= 10; x /= 10) {
            n++;
        }
        for (int i = at + n - 1; i >= at; i--) {
            replyBuf[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        return at + n;
    }

    /**
     * Flushes every receiver written to since the last flush: one task per receiver loop for a whole batch of
     * deliveries, not one per message. The consumer calls it at the end of each batch of its work.
     */
    void flush() {
        if (unflushed > 0) {
            unflushed = 0;
            fanOut.endBatch(null);
        }
    }

    /** Has the subject a subscriber in {@code account} now? */
    static boolean hasInterest(Account account, String subject) {
        SublistResult r = account.match(subject);
        return r != null && (r.psubs.length > 0 || r.qsubs.length > 0);
    }
}
