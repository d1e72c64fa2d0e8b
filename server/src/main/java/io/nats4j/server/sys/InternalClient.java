package io.nats4j.server.sys;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Relay;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.protocol.ProtocolError;
import io.nats4j.server.protocol.ProtocolHandler;
import io.nats4j.server.protocol.ProtocolParser;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The server's own publisher (nats-server's internal system client): a message is framed as {@code PUB} or
 * {@code HPUB}, run through a {@link ProtocolParser} of its own, and delivered like a client's publish — to
 * the sockets of the subscribed clients (each flushed on its own loop), to internal subscribers, and across
 * accounts through import relays.
 *
 * <p>Threading: one thread at a time (the system account's executor); the parser is not shared. Receivers
 * are never blocked: a delivery only appends to their outbound buffers, which applies their max_pending.
 */
public final class InternalClient implements ProtocolHandler {

    private static final int MAX_RELAY_DEPTH = 8;
    private static final byte[] CRLF = {'\r', '\n'};

    private ProtocolParser parser = newParser();
    private final ServerStats stats;
    private Account target;
    private int delivered;

    /** @param stats the server's counters (out_msgs/out_bytes count what this client delivers), or null */
    public InternalClient(ServerStats stats) {
        this.stats = stats;
    }

    /**
     * Publishes {@code payload} (and {@code headers}, a raw {@code NATS/1.0} block, or null) on
     * {@code subject} in {@code account}; returns how many subscriptions it was delivered to.
     */
    public int publish(Account account, String subject, String reply, byte[] headers, byte[] payload) {
        if (subject.isEmpty() || hasWhitespace(subject) || (reply != null && hasWhitespace(reply))) {
            throw new IllegalArgumentException("invalid subject for an internal publish: \"" + subject + "\"");
        }
        byte[] body = payload == null ? new byte[0] : payload;
        int hlen = headers == null ? -1 : headers.length;
        int total = body.length + Math.max(hlen, 0);
        StringBuilder line = new StringBuilder(subject.length() + 32).append(hlen >= 0 ? "HPUB " : "PUB ").append(subject);
        if (reply != null && !reply.isEmpty()) {
            line.append(' ').append(reply);
        }
        if (hlen >= 0) {
            line.append(' ').append(hlen);
        }
        line.append(' ').append(total).append("\r\n");
        byte[] l = line.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Unpooled.buffer(l.length + total + 2);
        buf.writeBytes(l);
        if (headers != null) {
            buf.writeBytes(headers);
        }
        buf.writeBytes(body).writeBytes(CRLF);
        target = account;
        delivered = 0;
        try {
            parser.parse(buf);
        } catch (RuntimeException e) {
            parser = newParser();
            throw e;
        } finally {
            buf.release();
            target = null;
        }
        return delivered;
    }

    private ProtocolParser newParser() {
        return new ProtocolParser(this, UnpooledByteBufAllocator.DEFAULT, Integer.MAX_VALUE, 0);
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

    @Override
    public void onMessage(ProtocolParser p, ByteBuf payload) {
        byte[] l = p.line();
        byte[] subj = java.util.Arrays.copyOfRange(l, p.subjectOffset(), p.subjectOffset() + p.subjectLength());
        byte[] reply = p.hasReply() ? java.util.Arrays.copyOfRange(l, p.replyOffset(), p.replyOffset() + p.replyLength()) : null;
        deliverIn(target, subj, reply, p, payload, 0);
    }

    private void deliverIn(Account account, byte[] subj, byte[] reply, ProtocolParser p, ByteBuf payload, int depth) {
        if (account == null || depth >= MAX_RELAY_DEPTH) {
            return;
        }
        SublistResult r = account.sublist().match(subj, 0, subj.length);
        for (Subscription s : r.psubs) {
            deliverTo(s, subj, reply, p, payload, depth);
        }
        for (Subscription[] group : r.qsubs) {
            int n = group.length;
            int start = n <= 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
            for (int k = 0; k < n; k++) {
                if (deliverTo(group[(start + k) % n], subj, reply, p, payload, depth)) {
                    break;
                }
            }
        }
    }

    private boolean deliverTo(Subscription s, byte[] subj, byte[] reply, ProtocolParser p, ByteBuf payload, int depth) {
        if (s.owner instanceof ClientConnection c) {
            if (c.deliverFromServer(s, subj, reply, p, payload)) {
                delivered++;
                if (stats != null) {
                    stats.outMsgs.increment();
                    stats.outBytes.add(p.totalSize());
                }
                return true;
            }
            return false;
        }
        if (s.owner instanceof InternalSubscriber is) {
            if (s.closed) {
                return false;
            }
            int hs = Math.max(p.headerSize(), 0);
            int at = payload.readerIndex();
            byte[] hdr = null;
            if (p.headerSize() > 0) {
                hdr = new byte[hs];
                payload.getBytes(at, hdr);
            }
            byte[] body = new byte[p.totalSize() - hs];
            payload.getBytes(at + hs, body);
            is.deliverInternal(s, null, new String(subj, StandardCharsets.UTF_8),
                    reply == null ? null : new String(reply, StandardCharsets.UTF_8), hdr, body);
            delivered++;
            return true;
        }
        if (s.owner instanceof Relay relay) {
            // not the client message path: a Destination per relayed internal message is fine
            Relay.Destination routed = new Relay.Destination();
            if (!relay.route(subj, 0, subj.length, reply, 0, reply == null ? -1 : reply.length, routed)) {
                return false;
            }
            byte[] ns = java.util.Arrays.copyOfRange(routed.subject(), routed.subjectOffset(),
                    routed.subjectOffset() + routed.subjectLength());
            byte[] nr = routed.replyLength() < 0 ? null : java.util.Arrays.copyOfRange(routed.reply(),
                    routed.replyOffset(), routed.replyOffset() + routed.replyLength());
            int before = delivered;
            deliverIn(routed.target(), ns, nr, p, payload, depth + 1);
            return delivered > before;
        }
        return false;
    }

    @Override
    public void onConnect(ProtocolParser p, int jsonOffset, int jsonLength) {
        // never sent by this client
    }

    @Override
    public void onPing() {
        // never sent by this client
    }

    @Override
    public void onPong() {
        // never sent by this client
    }

    @Override
    public void onSub(ProtocolParser p) {
        // internal subscriptions are inserted directly into the sublists
    }

    @Override
    public void onUnsub(ProtocolParser p) {
        // internal subscriptions are removed directly from the sublists
    }

    @Override
    public void onProtocolError(ProtocolError error, String detail) {
        throw new IllegalArgumentException("internal publish rejected: " + error + " " + detail);
    }
}
