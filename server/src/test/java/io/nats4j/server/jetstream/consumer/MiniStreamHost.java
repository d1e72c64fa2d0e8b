package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.jetstream.store.MemoryStorage;
import io.nats4j.server.jetstream.store.StreamLimits;
import io.nats4j.server.jetstream.store.StreamState;
import io.nats4j.server.jetstream.store.StreamStore;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.sys.InternalClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A test-only stand-in for the stream side (the real one lives in package {@code jetstream}): one stream on memory
 * (or a given) storage in the global account, storing what is published on its subjects on one writer thread,
 * acknowledging with a PubAck, and answering the consumer API plus the few stream requests jnats makes
 * ({@code STREAM.NAMES} by subject, {@code STREAM.INFO}). Enough to drive the consumer package with jnats.
 */
final class MiniStreamHost implements StreamHandle, AutoCloseable {

    private final NatsServer server;
    private final Account account;
    private final String name;
    private final List<String> subjects;
    private final Retention retention;
    private final StreamStore store;
    final ConsumerRuntime runtime;
    final StreamConsumers consumers;
    private final ConsumerApi api;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> new Thread(r, "mini-stream-writer"));
    private final ExecutorService apiThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "mini-js-api"));
    private final InternalClient writerClient;
    private final InternalClient apiClient;
    private final List<Subscription> subs = new ArrayList<>();
    final Map<String, byte[]> saved;

    MiniStreamHost(NatsServer server, String name, List<String> subjects, Retention retention) {
        this(server, name, subjects, retention, new MemoryStorage().createStream(name, StreamLimits.NONE),
                new ConcurrentHashMap<>());
    }

    MiniStreamHost(NatsServer server, String name, List<String> subjects, Retention retention, StreamStore store,
                   Map<String, byte[]> saved) {
        this.server = server;
        this.account = server.globalAccount();
        this.name = name;
        this.subjects = subjects;
        this.retention = retention;
        this.store = store;
        this.saved = saved;
        this.runtime = new ConsumerRuntime(server.statistics(), server.logger());
        this.consumers = new StreamConsumers(this, runtime);
        this.api = new ConsumerApi((acc, s) -> s.equals(name) ? consumers : null);
        this.writerClient = new InternalClient(server.statistics());
        this.apiClient = new InternalClient(server.statistics());
        consumers.recover();
        for (String s : subjects) {
            sub(s, (subject, reply, headers, payload) -> writer.execute(() -> ingest(subject, reply, headers, payload)));
        }
        sub("$JS.API.>", (subject, reply, headers, payload) -> apiThread.execute(() -> api(subject, reply, payload)));
    }

    interface Handler {
        void on(String subject, String reply, byte[] headers, byte[] payload);
    }

    private void sub(String subject, Handler h) {
        InternalSubscriber owner = new InternalSubscriber() {
            @Override
            public long id() {
                return 999_999;
            }

            @Override
            public ConnectionKind kind() {
                return ConnectionKind.JETSTREAM;
            }

            @Override
            public void deliverInternal(Subscription sub, ClientConnection from, String subj, String reply,
                    byte[] headers, byte[] payload) {
                h.on(subj, reply, headers, payload);
            }
        };
        Subscription s = new Subscription(owner, subject, null, "mini".getBytes(StandardCharsets.US_ASCII));
        account.subscribe(s);
        subs.add(s);
    }

    private void ingest(String subject, String reply, byte[] headers, byte[] payload) {
        long seq = store.store(subject, headers, payload);
        if (retention == Retention.INTEREST && !consumers.interestIn(seq, subject)) {
            store.remove(seq);
        } else {
            consumers.stored(seq, subject);
        }
        if (reply != null && !reply.isEmpty()) {
            writerClient.publish(account, reply, null, null,
                    ("{\"stream\":\"" + name + "\",\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Publishes from the test straight into the store (no client), returning the sequence. */
    long storeDirect(String subject, String payload) throws Exception {
        return writer.submit(() -> {
            long seq = store.store(subject, null, payload.getBytes(StandardCharsets.UTF_8));
            consumers.stored(seq, subject);
            return seq;
        }).get(5, TimeUnit.SECONDS);
    }

    private void api(String subject, String reply, byte[] payload) {
        if (reply == null || reply.isEmpty()) {
            return;
        }
        byte[] resp;
        if (subject.startsWith(ConsumerApi.PREFIX)) {
            if (subject.startsWith("$JS.API.CONSUMER.MSG.NEXT.")) {
                return;
            }
            resp = api.handle(account, subject, payload);
        } else if (subject.startsWith("$JS.API.STREAM.NAMES")) {
            resp = ("{\"type\":\"io.nats.jetstream.api.v1.stream_names_response\",\"total\":1,\"offset\":0,"
                    + "\"limit\":1024,\"streams\":[\"" + name + "\"]}").getBytes(StandardCharsets.UTF_8);
        } else if (subject.equals("$JS.API.STREAM.INFO." + name)) {
            StreamState st = store.state();
            StringBuilder subj = new StringBuilder();
            for (String s : subjects) {
                subj.append(subj.length() == 0 ? "" : ",").append('"').append(s).append('"');
            }
            resp = ("{\"type\":\"io.nats.jetstream.api.v1.stream_info_response\",\"config\":{\"name\":\"" + name
                    + "\",\"subjects\":[" + subj + "],\"retention\":\"" + retention.name().toLowerCase()
                    + "\",\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,\"storage\":\"memory\","
                    + "\"discard\":\"old\",\"num_replicas\":1},\"created\":\"2024-01-01T00:00:00Z\",\"state\":{\"messages\":"
                    + st.msgs() + ",\"bytes\":" + st.bytes() + ",\"first_seq\":" + st.firstSeq() + ",\"last_seq\":"
                    + st.lastSeq() + ",\"consumer_count\":" + consumers.size() + "}}").getBytes(StandardCharsets.UTF_8);
        } else {
            resp = ("{\"type\":\"io.nats.jetstream.api.v1.error\",\"error\":{\"code\":400,\"err_code\":10003,"
                    + "\"description\":\"bad request\"}}").getBytes(StandardCharsets.UTF_8);
        }
        if (resp != null) {
            apiClient.publish(account, reply, null, null, resp);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Account account() {
        return account;
    }

    @Override
    public StreamStore store() {
        return store;
    }

    @Override
    public Retention retention() {
        return retention;
    }

    @Override
    public List<String> subjects() {
        return subjects;
    }

    @Override
    public void removeAcknowledged(long seq) {
        writer.execute(() -> store.remove(seq));
    }

    @Override
    public String serverName() {
        return server.serverName();
    }

    @Override
    public void saveConsumer(String consumer, byte[] definitionJson) {
        saved.put(consumer, definitionJson);
    }

    @Override
    public void forgetConsumer(String consumer) {
        saved.remove(consumer);
    }

    @Override
    public Map<String, byte[]> savedConsumers() {
        return saved;
    }

    /** Waits for the writer to run what it has queued. */
    void drain() throws Exception {
        writer.submit(() -> { }).get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        for (Subscription s : subs) {
            s.closed = true;
            account.unsubscribe(s);
        }
        consumers.close();
        writer.shutdown();
        apiThread.shutdown();
        runtime.close();
    }
}
