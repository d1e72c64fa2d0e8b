package io.nats4j.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * JetStream load scenarios against one server with JetStream enabled, over raw sockets (no client library, so the
 * generator costs little): asynchronous publish with a window of acks, synchronous publish latency, pull consumer
 * fetch with explicit acks, push consumer delivery, KV put and get, and storing for the restart scenario. Each
 * method makes its own stream on a fresh server and returns its metrics. Used by {@link JsCompare}.
 */
final class JsLoad {

    /** Outstanding publish acks per publisher (nats.go's and nats.java's default async window). */
    static final int WINDOW = 256;
    static final int FETCH_BATCH = 500;
    /** Pull requests kept outstanding (about): more than one, so the consumer never waits for the next. */
    static final int OUTSTANDING = Integer.getInteger("js.fetch.outstanding", 2);
    static final int MAX_ACK_PENDING = 20_000;
    private static final String NEXT_REQUEST = "{\"batch\":" + FETCH_BATCH + ",\"expires\":30000000000}";
    private static final long DRAIN_NS = TimeUnit.SECONDS.toNanos(120);

    record Result(Map<String, Double> metrics, List<String> errors) {
    }

    private final String host;
    private final int port;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    JsLoad(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /**
     * One scenario against a running server with JetStream:
     * {@code JsLoad HOST:PORT SCENARIO [SECONDS] [MSGS]}, SCENARIO one of JsCompare's names (not js-restart).
     */
    public static void main(String[] args) throws Exception {
        String[] hp = args[0].split(":");
        JsLoad load = new JsLoad(hp[0], Integer.parseInt(hp[1]));
        long nanos = (long) (Double.parseDouble(args.length > 2 ? args[2] : "5") * 1e9);
        long n = Long.parseLong(args.length > 3 ? args[3] : "100000");
        JsCompare.Scenario sc = JsCompare.scenarios().stream().filter(x -> x.name().equals(args[1])).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario " + args[1]));
        Result r = switch (sc.kind()) {
            case PUB_ASYNC -> load.asyncPublish("PUB", sc.pubs(), sc.size(), 50_000_000, nanos);
            case SYNC -> load.syncPublish(sc.size(), nanos);
            case FETCH -> load.pullFetch(n, sc.size());
            case PUSH -> load.pushConsume(n, sc.size());
            case KV_PUT -> load.kvPut(sc.size(), nanos);
            case KV_GET -> load.kvGet(sc.size(), nanos);
            default -> throw new IllegalArgumentException("not runnable alone: " + sc.name());
        };
        System.out.println(sc.name() + " " + r.metrics() + (r.errors().isEmpty() ? "" : " errors " + r.errors()));
        System.exit(0);
    }

    private Result result(Map<String, Double> m) {
        return new Result(m, List.copyOf(errors));
    }

    static String streamConfig(String name, String subjects) {
        return "{\"name\":\"" + name + "\",\"subjects\":[\"" + subjects + "\"],\"retention\":\"limits\","
                + "\"storage\":\"file\",\"num_replicas\":1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,"
                + "\"max_msg_size\":-1,\"max_consumers\":-1,\"discard\":\"old\"}";
    }

    void createStream(String name, String subjects) throws IOException {
        try (JsRequester api = new JsRequester(host, port, "setup")) {
            api.requestOk("$JS.API.STREAM.CREATE." + name, streamConfig(name, subjects));
        }
    }

    // ---- asynchronous publish ----------------------------------------------------------------------

    /** One publisher with up to {@link #WINDOW} acks outstanding: a writer (the caller's thread) and a reader. */
    private final class AsyncPublisher {
        final JsConnection conn;
        final byte[] frame;
        volatile long acked;
        volatile Thread waiter;
        volatile boolean stop;
        long sent;
        long errorsSeen;
        final Thread reader;

        AsyncPublisher(int i, String subject, byte[] payload) throws IOException {
            conn = JsConnection.open(host, port, "jspub" + i);
            String inbox = "_INBOX.jspub" + i;
            byte[] head = ("PUB " + subject + " " + inbox + " " + payload.length + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            frame = new byte[head.length + payload.length + 2];
            System.arraycopy(head, 0, frame, 0, head.length);
            System.arraycopy(payload, 0, frame, head.length, payload.length);
            frame[frame.length - 2] = '\r';
            frame[frame.length - 1] = '\n';
            conn.handler(m -> {
                if (m.payloadHasError() || m.status() != 0) {
                    if (errorsSeen++ == 0) {
                        errors.add("publish ack: " + (m.status() != 0 ? m.headers().trim() : m.payload()));
                    }
                }
                acked = acked + 1;
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            });
            conn.write("SUB " + inbox + " 1\r\n");
            if (!conn.ping(10, TimeUnit.SECONDS)) {
                throw new IOException("publisher: no PONG");
            }
            reader = Thread.ofPlatform().name("jspub-reader-" + i).daemon().start(() -> {
                try {
                    while (!stop && conn.readOnce()) {
                        // the handler counts
                    }
                } catch (IOException e) {
                    if (!stop) {
                        errors.add("publisher reader: " + e);
                    }
                }
            });
        }

        /** Publishes until {@code total} or the deadline, then waits for every ack. */
        void run(long total, long deadlineNanos) throws IOException {
            waiter = Thread.currentThread();
            while (sent < total && System.nanoTime() - deadlineNanos < 0) {
                long room = WINDOW - (sent - acked);
                if (room <= 0) {
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                long n = Math.min(room, total - sent);
                synchronized (conn) {
                    for (long k = 0; k < n; k++) {
                        conn.write(frame, 0, frame.length);
                    }
                    conn.flush();
                }
                sent += n;
            }
            long drain = System.nanoTime() + DRAIN_NS;
            while (acked < sent && System.nanoTime() - drain < 0) {
                LockSupport.parkNanos(200_000);
            }
            if (acked < sent) {
                errors.add("publisher: " + (sent - acked) + " acks missing");
            }
        }

        void close() {
            stop = true;
            conn.close();
        }
    }

    /**
     * {@code pubs} publishers, each on its own subject of stream {@code stream}, {@code size}-byte payloads, window
     * of {@link #WINDOW}; stops at {@code msgsEach} per publisher or the deadline. Returns acked messages per second.
     */
    Result asyncPublish(String stream, int pubs, int size, long msgsEach, long durationNanos) throws Exception {
        createStream(stream, "js." + stream + ".>");
        double[] rate = publishAll(stream, pubs, size, msgsEach, durationNanos);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("msgs/s", rate[0]);
        m.put("MB/s", rate[0] * size / 1e6);
        return result(m);
    }

    /** Publishes with {@code pubs} async publishers; returns {acked msgs/s, acked msgs}. */
    double[] publishAll(String stream, int pubs, int size, long msgsEach, long durationNanos) throws Exception {
        byte[] payload = Proto.payload(size);
        List<AsyncPublisher> ps = new ArrayList<>();
        try {
            for (int i = 0; i < pubs; i++) {
                ps.add(new AsyncPublisher(i, "js." + stream + "." + i, payload));
            }
            long t0 = System.nanoTime();
            long deadline = t0 + durationNanos;
            List<Thread> ts = new ArrayList<>();
            for (AsyncPublisher p : ps) {
                ts.add(Thread.ofPlatform().name("jspub").start(() -> {
                    try {
                        p.run(msgsEach, deadline);
                    } catch (IOException e) {
                        errors.add("publisher: " + e);
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            long nanos = System.nanoTime() - t0;
            long acked = ps.stream().mapToLong(p -> p.acked).sum();
            return new double[] {acked / (nanos / 1e9), acked};
        } finally {
            ps.forEach(AsyncPublisher::close);
        }
    }

    // ---- synchronous publish, KV -------------------------------------------------------------------

    /** One publish at a time, each waiting for its ack: round-trip latency and rate. */
    Result syncPublish(int size, long durationNanos) throws Exception {
        createStream("SYNC", "js.sync.>");
        byte[] payload = Proto.payload(size);
        return timedRequests(i -> "js.sync.x", payload, durationNanos, "publishes/s");
    }

    private static final String KV_CONFIG = "{\"name\":\"KV_B\",\"subjects\":[\"$KV.B.>\"],\"retention\":\"limits\","
            + "\"max_consumers\":-1,\"max_msgs_per_subject\":1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,"
            + "\"max_msg_size\":-1,\"storage\":\"file\",\"discard\":\"new\",\"num_replicas\":1,"
            + "\"duplicate_window\":120000000000,\"allow_rollup_hdrs\":true,\"deny_delete\":true,\"allow_direct\":true}";
    static final int KV_KEYS = 1000;

    /** KV put as a client does it (a publish to {@code $KV.<bucket>.<key>} waiting for its ack), 1,000 keys. */
    Result kvPut(int size, long durationNanos) throws Exception {
        try (JsRequester api = new JsRequester(host, port, "setup")) {
            api.requestOk("$JS.API.STREAM.CREATE.KV_B", KV_CONFIG);
        }
        return timedRequests(i -> "$KV.B.k" + (i % KV_KEYS), Proto.payload(size), durationNanos, "puts/s");
    }

    /** KV get of 1,000 keys by direct get ({@code $JS.API.DIRECT.GET.KV_B.$KV.B.<key>}), as clients do. */
    Result kvGet(int size, long durationNanos) throws Exception {
        try (JsRequester api = new JsRequester(host, port, "setup")) {
            api.requestOk("$JS.API.STREAM.CREATE.KV_B", KV_CONFIG);
            byte[] v = Proto.payload(size);
            for (int i = 0; i < KV_KEYS; i++) {
                if (!api.requestRaw("$KV.B.k" + i, v, TimeUnit.SECONDS.toNanos(10))) {
                    throw new IOException("kv put of key " + i + " timed out");
                }
            }
        }
        return timedRequests(i -> "$JS.API.DIRECT.GET.KV_B.$KV.B.k" + (i % KV_KEYS), new byte[0], durationNanos,
                "gets/s");
    }

    private Result timedRequests(java.util.function.LongFunction<String> subject, byte[] payload, long durationNanos,
                                 String rateName) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long count = 0;
        long bad = 0;
        try (JsRequester r = new JsRequester(host, port, "jsreq")) {
            // warm-up (not recorded): the first requests pay for lazy initialisation on both servers
            for (int i = 0; i < 500; i++) {
                r.requestRaw(subject.apply(i), payload, TimeUnit.SECONDS.toNanos(10));
            }
            long t0 = System.nanoTime();
            long end = t0 + durationNanos;
            long i = 0;
            while (System.nanoTime() - end < 0) {
                long s = System.nanoTime();
                if (!r.requestRaw(subject.apply(i++), payload, TimeUnit.SECONDS.toNanos(10))) {
                    errors.add("request timed out");
                    break;
                }
                h.recordValue(Math.min(System.nanoTime() - s, h.getHighestTrackableValue()));
                count++;
                if (r.lastStatus() >= 400 || r.lastPayload().startsWith("{\"error\"")) {
                    if (bad++ == 0) {
                        errors.add("answer: " + r.lastStatus() + " " + r.lastPayload());
                    }
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("p50 us", h.getValueAtPercentile(50) / 1e3);
            m.put("p99 us", h.getValueAtPercentile(99) / 1e3);
            m.put(rateName, count / secs);
            return result(m);
        }
    }

    // ---- consumers -------------------------------------------------------------------------------

    /** Stores {@code n} messages of {@code size} bytes in stream {@code stream} (4 publishers, not timed). */
    void fill(String stream, long n, int size) throws Exception {
        createStream(stream, "js." + stream + ".>");
        double[] r = publishAll(stream, 4, size, (n + 3) / 4, TimeUnit.MINUTES.toNanos(30));
        if ((long) r[1] < n) {
            throw new IOException("stored only " + (long) r[1] + " of " + n);
        }
    }

    /**
     * A durable pull consumer fetches {@code n} stored messages in batches of {@link #FETCH_BATCH} (two requests
     * outstanding) and acks each one ({@code +ACK} without reply); timed from the first request until the
     * consumer reports no ack pending.
     */
    Result pullFetch(long n, int size) throws Exception {
        fill("FETCH", n, size);
        try (JsRequester api = new JsRequester(host, port, "setup")) {
            api.requestOk("$JS.API.CONSUMER.DURABLE.CREATE.FETCH.C", "{\"stream_name\":\"FETCH\",\"config\":{"
                    + "\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"all\","
                    + "\"max_ack_pending\":" + MAX_ACK_PENDING + ",\"max_waiting\":512}}");
            long[] received = {0};
            long[] requested = {0};
            try (JsConnection c = JsConnection.open(host, port, "jsfetch")) {
                c.handler(m -> {
                    int st = m.status();
                    if (st != 0) {
                        if (st == 408 || st == 409) {
                            requested[0] -= pendingMessages(m.headers());
                        }
                        return;
                    }
                    received[0]++;
                    replyEmpty(c, m);
                });
                c.write("SUB _INBOX.fetch.* 1\r\n");
                c.ping(10, TimeUnit.SECONDS);
                long t0 = System.nanoTime();
                long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
                long k = 0;
                while (received[0] < n && System.nanoTime() - deadline < 0) {
                    while (requested[0] < n && requested[0] - received[0] < (long) OUTSTANDING * FETCH_BATCH) {
                        c.write("PUB $JS.API.CONSUMER.MSG.NEXT.FETCH.C _INBOX.fetch." + (k++) + " "
                                + NEXT_REQUEST.length() + "\r\n" + NEXT_REQUEST + "\r\n");
                        requested[0] += FETCH_BATCH;
                    }
                    synchronized (c) {
                        c.flush();
                    }
                    if (!c.readOnce()) {
                        errors.add("fetch: connection closed");
                        break;
                    }
                }
                synchronized (c) {
                    c.flush();
                }
                waitNoAckPending(api, "FETCH", "C", n);
                return consumed("fetch", received[0], n, size, t0);
            }
        }
    }

    private static long pendingMessages(String headers) {
        int i = headers.indexOf("Nats-Pending-Messages:");
        if (i < 0) {
            return 0;
        }
        int e = headers.indexOf('\r', i);
        return Long.parseLong(headers.substring(i + 22, e < 0 ? headers.length() : e).trim());
    }

    /** A durable push consumer delivers {@code n} stored messages; each acked; timed until no ack is pending. */
    Result pushConsume(long n, int size) throws Exception {
        fill("PUSH", n, size);
        try (JsRequester api = new JsRequester(host, port, "setup");
             JsConnection c = JsConnection.open(host, port, "jspush")) {
            long[] received = {0};
            c.handler(m -> {
                if (m.status() == 0) {
                    received[0]++;
                }
                replyEmpty(c, m); // an ack, or the answer to a flow-control request
            });
            c.write("SUB deliver.push 1\r\n");
            c.ping(10, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            api.requestOk("$JS.API.CONSUMER.DURABLE.CREATE.PUSH.P", "{\"stream_name\":\"PUSH\",\"config\":{"
                    + "\"durable_name\":\"P\",\"deliver_subject\":\"deliver.push\",\"ack_policy\":\"explicit\","
                    + "\"deliver_policy\":\"all\",\"max_ack_pending\":" + MAX_ACK_PENDING + "}}");
            long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
            while (received[0] < n && System.nanoTime() - deadline < 0) {
                if (!c.readOnce()) {
                    errors.add("push: connection closed");
                    break;
                }
                synchronized (c) {
                    c.flush();
                }
            }
            waitNoAckPending(api, "PUSH", "P", n);
            return consumed("push", received[0], n, size, t0);
        }
    }

    private static final byte[] EMPTY_PUB_HEAD = "PUB ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_PUB_TAIL = " 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** An empty message to {@code m}'s reply subject (an ack without reply), if it has one; on the reader. */
    private static void replyEmpty(JsConnection c, JsConnection.Msg m) throws IOException {
        if (m.replyStart >= 0) {
            c.write(EMPTY_PUB_HEAD, 0, EMPTY_PUB_HEAD.length);
            c.write(m.line, m.replyStart, m.replyEnd - m.replyStart);
            c.write(EMPTY_PUB_TAIL, 0, EMPTY_PUB_TAIL.length);
        }
    }

    /** The result of a consume scenario timed from {@code t0}; a shortfall is an error. */
    private Result consumed(String what, long received, long n, int size, long t0) {
        double secs = (System.nanoTime() - t0) / 1e9;
        if (received < n) {
            errors.add(what + ": received " + received + " of " + n);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("msgs/s", received / secs);
        m.put("MB/s", received * (double) size / secs / 1e6);
        return result(m);
    }

    private void waitNoAckPending(JsRequester api, String stream, String consumer, long n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - deadline < 0) {
            JsonNode info = api.requestOk("$JS.API.CONSUMER.INFO." + stream + "." + consumer, "");
            if (info.path("num_ack_pending").asLong(-1) == 0 && info.path("ack_floor").path("stream_seq").asLong() >= n) {
                return;
            }
            Thread.sleep(1);
        }
        errors.add("consumer " + consumer + ": acks still pending after 60 s");
    }

    /** The stream's message count and last sequence (STREAM.INFO), or null while the server does not answer it. */
    static long[] streamState(JsRequester api, String stream) throws IOException {
        JsonNode n = api.request("$JS.API.STREAM.INFO." + stream, "");
        if (n.has("error")) {
            return null;
        }
        return new long[] {n.path("state").path("messages").asLong(), n.path("state").path("last_seq").asLong()};
    }
}
