package io.nats4j.server.jetstream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.api.ApiError;
import io.nats4j.server.jetstream.api.ApiRequest;
import io.nats4j.server.sys.InternalClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The PubAcks of one group commit, held until its flush returned, then published together and flushed once
 * (each publisher's loop woken once per batch). A successful ack is {@code {"stream":"S", "seq":N}} (with
 * {@code "domain"} and {@code "duplicate"} as nats-server writes them): the constant head is encoded once per
 * stream and each ack's body is written into one reused array, so an ack allocates nothing here. Errors carry
 * nats-server's {@code JSPubAckResponse} JSON. The stream's writer thread only.
 */
final class PubAcks {

    private static final byte[] TAIL = {'}'};
    private static final byte[] DUPLICATE_TAIL = ",\"duplicate\": true}".getBytes(StandardCharsets.US_ASCII);

    private final String stream;
    private final String domain;
    private final InternalClient client;
    private final byte[] prefix;
    private final byte[] body;
    /** {@link #body} as a buffer, kept for every ack (never released: it holds no pooled memory). */
    private final ByteBuf bodyBuf;

    private String[] replies = new String[64];
    private long[] seqs = new long[64];
    /** Per ack: null for a plain ack, {@link #DUPLICATE_TAIL} for a duplicate, else the error body. */
    private byte[][] special = new byte[64][];
    private int size;

    PubAcks(String stream, String domain, InternalClient client) {
        this.stream = stream;
        this.domain = domain == null || domain.isEmpty() ? null : domain;
        this.client = client;
        this.prefix = (this.domain == null
                ? "{\"stream\":" + quote(stream) + ", \"seq\":"
                : "{\"stream\":" + quote(stream) + ", \"domain\":" + quote(this.domain) + ", \"seq\":")
                .getBytes(StandardCharsets.UTF_8);
        this.body = Arrays.copyOf(prefix, prefix.length + 20 + DUPLICATE_TAIL.length);
        this.bodyBuf = Unpooled.wrappedBuffer(body);
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** A stored (or, with {@code duplicate}, an already stored) message's ack. */
    void ok(String reply, long seq, boolean duplicate) {
        add(reply, seq, duplicate ? DUPLICATE_TAIL : null);
    }

    /** A refused message's ack. */
    void error(String reply, ApiError e) {
        add(reply, 0, errorBody(e));
    }

    private void add(String reply, long seq, byte[] sp) {
        if (size == replies.length) {
            int n = size * 2;
            replies = Arrays.copyOf(replies, n);
            seqs = Arrays.copyOf(seqs, n);
            special = Arrays.copyOf(special, n);
        }
        replies[size] = reply;
        seqs[size] = seq;
        special[size] = sp;
        size++;
    }

    /** Publishes every ack held (then flushes once) and forgets them. */
    void send(Account account) {
        try {
            for (int i = 0; i < size; i++) {
                byte[] sp = special[i];
                if (sp != null && sp != DUPLICATE_TAIL) {
                    client.publishUnflushed(account, replies[i], Unpooled.wrappedBuffer(sp));
                } else {
                    int n = encode(seqs[i], sp == null ? TAIL : DUPLICATE_TAIL);
                    client.publishUnflushed(account, replies[i], bodyBuf.setIndex(0, n));
                }
            }
        } finally {
            clear();
            client.flush();
        }
    }

    /** Answers every ack held with {@code error} instead (the batch's write failed) and forgets them. */
    void failAll(Account account, ApiError error) {
        byte[] err = errorBody(error);
        try {
            for (int i = 0; i < size; i++) {
                client.publishUnflushed(account, replies[i], Unpooled.wrappedBuffer(err));
            }
        } finally {
            clear();
            client.flush();
        }
    }

    void clear() {
        Arrays.fill(replies, 0, size, null);
        Arrays.fill(special, 0, size, null);
        size = 0;
    }

    /** The body of an ack of {@code seq}, in {@link #body}; returns its length. */
    private int encode(long seq, byte[] tail) {
        int at = prefix.length;
        int digits = 1;
        for (long v = seq; v >= 10; v /= 10) {
            digits++;
        }
        long v = seq;
        for (int i = at + digits - 1; i >= at; i--) {
            body[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        at += digits;
        System.arraycopy(tail, 0, body, at, tail.length);
        return at + tail.length;
    }

    /** nats-server's JSPubAckResponse with an error: {@code {"error":{..},"stream":"S","seq":0}}. */
    byte[] errorBody(ApiError e) {
        ObjectNode r = ApiRequest.MAPPER.createObjectNode();
        e.writeTo(r);
        r.put("stream", stream);
        r.put("seq", 0);
        if (domain != null) {
            r.put("domain", domain);
        }
        return ApiRequest.bytes(r);
    }

    private static String quote(String s) {
        return ApiRequest.MAPPER.getNodeFactory().textNode(s).toString();
    }
}
