package io.nats4j.server.jetstream.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.jetstream.Stream;
import io.nats4j.server.jetstream.StreamConfig;
import io.nats4j.server.jetstream.StreamListener;
import io.nats4j.server.jetstream.store.StoredMessage;
import io.nats4j.server.monitor.GoTime;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.sys.InternalService;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code $JS.API.DIRECT.GET.<stream>} and {@code $JS.API.DIRECT.GET.<stream>.<subject>} (nats-server 2.10's direct
 * get): served only for streams with {@code allow_direct}, each by its own subscriptions, so that a request to a
 * stream without it (or to no stream) finds no responder and the requester gets a 503 no-responders status at
 * once, as with nats-server, instead of waiting for its timeout.
 *
 * <p>The subscriptions follow the stream: made when it starts (created or recovered) with {@code allow_direct},
 * added or removed when an update turns it on or off, removed when the stream closes. They are also made under
 * {@code $JS.<domain>.API} when the server has a domain (nats-server maps that prefix onto {@code $JS.API}).
 *
 * <p>Threading: requests run on this service's own thread (not the API's: a slow API request never delays a
 * get, nats-server also serves them off its API queue); loads are safe on any thread. Subscription changes are
 * made on this thread too; the stream's thread (API or shutdown, never this one) waits for them.
 */
public final class DirectGet extends InternalService {

    private static final String PREFIX = "DIRECT.GET.";
    private static final byte[] NOT_FOUND = status("404 Message Not Found");
    private static final byte[] EMPTY_REQUEST = status("408 Empty Request");
    private static final byte[] MALFORMED_REQUEST = status("408 Malformed Request");
    private static final byte[] BAD_REQUEST = status("408 Bad Request");

    private final List<String> apiPrefixes = new ArrayList<>(2);
    /** The subscriptions of each stream served now (service thread). */
    private final Map<Stream, List<Subscription>> served = new IdentityHashMap<>();
    private final StreamListener listener = new StreamListener() {
        @Override
        public void stored(Stream stream, long firstSeq, long lastSeq) {
        }

        @Override
        public void configChanged(Stream stream, StreamConfig config) {
            // waited for: the update (or delete) is answered only once the subscriptions match it, so a get
            // sent right after the answer is refused or served as the new configuration says
            runSync(() -> follow(stream, config.allowDirect()));
        }

        @Override
        public void closed(Stream stream, boolean deleted) {
            runSync(() -> follow(stream, false));
        }
    };

    public DirectGet(NatsServer server, JetStream jetStream) {
        super(server, "jsdirect", DEFAULT_MAX_QUEUED);
        apiPrefixes.add(JsApi.PREFIX + ".");
        String domain = jetStream.domain();
        if (domain != null && !domain.isEmpty()) {
            apiPrefixes.add("$JS." + domain + ".API.");
        }
        jetStream.onStreamStarted(this::streamStarted);
    }

    private static byte[] status(String text) {
        return ("NATS/1.0 " + text + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A stream was created or recovered (before its ingest starts): serve it if it allows direct gets. */
    private void streamStarted(Stream s) {
        s.addListener(listener);
        if (s.config().allowDirect()) {
            runSync(() -> follow(s, true)); // subscribed before the create is answered
        }
    }

    /** Makes the stream's subscriptions exist when {@code on}, or removes them (service thread). */
    private void follow(Stream s, boolean on) {
        List<Subscription> subs = served.get(s);
        if (on && subs == null && !s.isClosed()) {
            Account a = s.account().account();
            subs = new ArrayList<>(4);
            for (String p : apiPrefixes) {
                subs.add(subscribe(a, p + PREFIX + s.name(),
                        (acc, from, subj, reply, hdr, payload) -> get(s, reply, payload)));
                subs.add(subscribe(a, p + PREFIX + s.name() + ".>",
                        (acc, from, subj, reply, hdr, payload) -> getLast(s, p, subj, reply, payload)));
            }
            served.put(s, subs);
        } else if (!on && subs != null) {
            served.remove(s);
            Account a = s.account().account();
            for (Subscription sub : subs) {
                unsubscribe(a, sub);
            }
        }
    }

    /** For tests: whether a stream is served now. */
    boolean serves(Stream s) {
        boolean[] r = new boolean[1];
        runSync(() -> r[0] = served.containsKey(s));
        return r[0];
    }

    private void get(Stream s, String reply, byte[] payload) {
        if (reply == null || reply.isEmpty()) {
            return;
        }
        if (payload == null || payload.length == 0) {
            answer(s, reply, EMPTY_REQUEST, null);
            return;
        }
        JsonNode q;
        try {
            q = ApiRequest.MAPPER.readTree(payload);
        } catch (java.io.IOException e) {
            answer(s, reply, MALFORMED_REQUEST, null);
            return;
        }
        if (q == null || q.isMissingNode() || q.isNull()) {
            answer(s, reply, EMPTY_REQUEST, null);
            return;
        }
        if (!q.isObject()) {
            answer(s, reply, MALFORMED_REQUEST, null);
            return;
        }
        long seq = q.path("seq").asLong(0);
        String last = q.path("last_by_subj").asText("");
        String next = q.path("next_by_subj").asText("");
        if (seq == 0 && last.isEmpty() && next.isEmpty()) {
            answer(s, reply, EMPTY_REQUEST, null);
            return;
        }
        if ((seq > 0 && !last.isEmpty()) || (!last.isEmpty() && !next.isEmpty())) {
            answer(s, reply, BAD_REQUEST, null);
            return;
        }
        StoredMessage m;
        if (!next.isEmpty()) {
            m = s.store().loadNext(next, Math.max(seq, 1));
        } else if (seq > 0) {
            m = s.store().load(seq);
        } else {
            m = s.store().loadLast(last);
        }
        send(s, reply, m);
    }

    /** {@code DIRECT.GET.<stream>.<subject>}: the last message on the subject; no payload allowed. */
    private void getLast(Stream s, String prefix, String subject, String reply, byte[] payload) {
        if (reply == null || reply.isEmpty()) {
            return;
        }
        String key = subject.substring(Math.min(subject.length(), (prefix + PREFIX + s.name() + ".").length()));
        if ((payload != null && payload.length > 0) || key.isEmpty()) {
            answer(s, reply, BAD_REQUEST, null);
            return;
        }
        send(s, reply, s.store().loadLast(key));
    }

    /** The message with nats-server's Nats-Stream/-Subject/-Sequence/-Time-Stamp headers added, or a 404. */
    private void send(Stream s, String reply, StoredMessage m) {
        if (m == null) {
            answer(s, reply, NOT_FOUND, null);
            return;
        }
        long ts = m.timestampNanos();
        String add = "Nats-Stream: " + s.name() + "\r\nNats-Subject: " + m.subject() + "\r\nNats-Sequence: " + m.seq()
                + "\r\nNats-Time-Stamp: "
                + GoTime.rfc3339Nano(Instant.ofEpochSecond(Math.floorDiv(ts, 1_000_000_000L), Math.floorMod(ts, 1_000_000_000L)))
                + "\r\n\r\n";
        String hdr;
        byte[] orig = m.header();
        if (orig == null || orig.length == 0) {
            hdr = "NATS/1.0\r\n" + add;
        } else {
            String o = new String(orig, StandardCharsets.UTF_8);
            if (o.endsWith("\r\n\r\n")) {
                o = o.substring(0, o.length() - 2);
            }
            hdr = o + add;
        }
        answer(s, reply, hdr.getBytes(StandardCharsets.UTF_8), m.payload());
    }

    private void answer(Stream s, String reply, byte[] hdr, byte[] payload) {
        client.publish(s.account().account(), reply, null, hdr, payload);
    }

    /** Stops serving (at shutdown, after the API). */
    public void shutdown() {
        stop(() -> { }, 2, TimeUnit.SECONDS);
    }
}
