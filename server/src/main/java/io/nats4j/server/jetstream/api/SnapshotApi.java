package io.nats4j.server.jetstream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.jetstream.JsAccount;
import io.nats4j.server.jetstream.JsLimits;
import io.nats4j.server.jetstream.Stream;
import io.nats4j.server.jetstream.StreamConfig;
import io.nats4j.server.jetstream.StreamConsumerDefinitions;
import io.nats4j.server.jetstream.StreamListener;
import io.nats4j.server.jetstream.store.AckPolicy;
import io.nats4j.server.jetstream.store.Storage;
import io.nats4j.server.jetstream.store.StreamSnapshot;
import io.nats4j.server.jetstream.store.StreamStore;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.sys.InternalService;
import io.nats4j.server.sys.Nuid;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code $JS.API.STREAM.SNAPSHOT.<stream>} and {@code $JS.API.STREAM.RESTORE.<stream>} with nats-server 2.10's
 * requests, answers, chunk and ack subjects and flow control; the content is nats4j's own format
 * ({@link StreamSnapshot}). The requests are checked on the API thread; the export, the chunks and the import run on
 * virtual threads and this service's thread ({@code nats4j-jssnapshot-*}), which alone publishes chunks and answers
 * and receives the chunk acks and the restore chunks.
 */
public final class SnapshotApi extends InternalService {

    static final String SNAPSHOT = "io.nats.jetstream.api.v1.stream_snapshot_response";
    static final String RESTORE = "io.nats.jetstream.api.v1.stream_restore_response";
    /** nats-server's defaultSnapshotChunkSize and defaultSnapshotWindowSize. */
    static final int DEFAULT_CHUNK_SIZE = 128 * 1024;
    static final long WINDOW_BYTES = 8L * 1024 * 1024;
    /** Below this a chunk size is raised to it (every chunk is one message and one queued task). */
    static final int MIN_CHUNK_SIZE = 1024;
    static final int MAX_CHUNK_SIZE = 8 * 1024 * 1024;
    /** nats-server's wait for the deliver subject's interest, and its wait for acks past the window. */
    static final long INTEREST_WAIT_MILLIS = 2_000;
    static final long ACK_WAIT_MILLIS = 10;
    /** A restore that receives nothing for this long is dropped (nats-server's activity interval). */
    static final long RESTORE_STALL_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final String STAGING_DIR = "__snapshots__";

    private final JetStream js;
    private final JsApi api;
    private final StreamApi streams;

    private SnapshotApi(JetStream js, JsApi api, StreamApi streams) {
        super(js.server(), "jssnapshot", DEFAULT_MAX_QUEUED);
        this.js = js;
        this.api = api;
        this.streams = streams;
    }

    static SnapshotApi register(JetStream js, JsApi api, StreamApi streams) {
        SnapshotApi s = new SnapshotApi(js, api, streams);
        api.register("STREAM.SNAPSHOT.*", SNAPSHOT, s::snapshot);
        api.register("STREAM.RESTORE.*", RESTORE, o -> o.put("deliver_subject", ""), s::restore);
        return s;
    }

    void shutdown() {
        stop(() -> { }, 2, TimeUnit.SECONDS);
    }

    private Path stagingFile(String prefix) throws IOException {
        Path dir = js.storeDir().resolve(STAGING_DIR);
        Files.createDirectories(dir);
        return Files.createTempFile(dir, prefix, "");
    }

    // ------------------------------------------------------------------ snapshot

    /** API thread: nats-server's jsStreamSnapshotRequest checks, in its order. */
    private void snapshot(ApiRequest r) {
        if (r.isEmpty()) {
            throw new ApiException(JsError.BAD_REQUEST);
        }
        Stream s = r.jsAccount().stream(r.arg(0));
        if (s == null) {
            throw new ApiException(JsError.STREAM_NOT_FOUND);
        }
        ObjectNode q = r.json();
        String deliver = text(q, "deliver_subject");
        int chunk = (int) number(q, "chunk_size");
        boolean noConsumers = bool(q, "no_consumers");
        bool(q, "jsck"); // RocksDB and memory keep no per-message checksums to verify: accepted, nothing to check
        if (!Subjects.isValidSubject(deliver)) {
            throw new ApiException(JsError.SNAPSHOT_DELIVER_SUBJECT_INVALID);
        }
        int chunkSize = chunk <= 0 ? DEFAULT_CHUNK_SIZE : Math.min(MAX_CHUNK_SIZE, Math.max(MIN_CHUNK_SIZE, chunk));
        Thread.ofVirtual().name("nats4j-snapshot-" + s.name()).start(() -> runSnapshot(r, s, deliver, chunkSize,
                noConsumers));
    }

    private void runSnapshot(ApiRequest r, Stream s, String deliver, int chunkSize, boolean noConsumers) {
        String who = "'" + s.account().name() + " > " + s.name() + "'";
        Path file;
        ObjectNode state = ApiRequest.MAPPER.createObjectNode();
        try {
            file = stagingFile("js-snapshot-");
        } catch (IOException e) {
            r.error(JsError.STREAM_SNAPSHOT.with("{err}", String.valueOf(e.getMessage())));
            return;
        }
        try {
            server.logger().notice("Starting snapshot for stream " + who);
            s.onWriter(() -> {
                try (OutputStream out = Files.newOutputStream(file)) {
                    StreamSnapshot.export(s.store(), definition(s), noConsumers ? List.of() : consumers(s), out);
                }
                StreamApi.stateJson(state, s, null, 0);
                return null;
            }).get();
        } catch (Exception e) {
            Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            server.logger().warn("Snapshot of stream " + who + " failed: " + c);
            deleteQuietly(file);
            r.error(JsError.STREAM_SNAPSHOT.with("{err}", String.valueOf(c.getMessage())));
            return;
        }
        ObjectNode o = r.newResponse();
        o.set("config", s.config().toJson());
        o.set("state", state);
        r.respond(o);
        try {
            sendChunks(r.account(), s.name(), deliver, chunkSize, file);
            server.logger().notice("Completed snapshot of " + Files.size(file) + " bytes for stream " + who);
        } catch (IOException | RuntimeException e) {
            server.logger().warn("Snapshot of stream " + who + " failed while sending: " + e);
        } finally {
            deleteQuietly(file);
        }
    }

    private static byte[] definition(Stream s) {
        ObjectNode def = ApiRequest.MAPPER.createObjectNode();
        def.put("created", s.createdNanos());
        def.set("config", s.config().toJson());
        return ApiRequest.bytes(def);
    }

    /** The stream's consumers with their stored state (on the stream's writer). */
    private static List<StreamSnapshot.ConsumerEntry> consumers(Stream s) throws IOException {
        Map<String, byte[]> defs = new TreeMap<>();
        for (StreamListener l : s.listeners()) {
            if (l instanceof StreamConsumerDefinitions d) {
                defs.putAll(d.consumerDefinitions());
            }
        }
        List<StreamSnapshot.ConsumerEntry> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : defs.entrySet()) {
            AckPolicy policy = ackPolicy(ApiRequest.MAPPER.readTree(e.getValue()));
            out.add(new StreamSnapshot.ConsumerEntry(e.getKey(), e.getValue(), policy,
                    s.store().consumer(e.getKey(), policy).state()));
        }
        return out;
    }

    private static AckPolicy ackPolicy(JsonNode definition) {
        return switch (definition.path("config").path("ack_policy").asText("none")) {
            case "all" -> AckPolicy.ALL;
            case "explicit" -> AckPolicy.EXPLICIT;
            default -> AckPolicy.NONE;
        };
    }

    /**
     * Sends the file in chunks to {@code deliver}, each with the reply {@code $JS.SNAPSHOT.ACK.<stream>.<id>.<size>.
     * <index>}; past 8 MiB unacknowledged it waits up to 10 ms for an ack before each chunk, and stops when the
     * deliver subject loses its interest (nats-server's streamSnapshot). Ends with an empty message.
     */
    private void sendChunks(Account account, String stream, String deliver, int chunkSize, Path file)
            throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INTEREST_WAIT_MILLIS);
        while (!hasInterest(account, deliver) && System.nanoTime() < deadline) {
            sleep(10);
        }
        String ackPrefix = "$JS.SNAPSHOT.ACK." + stream + "." + Nuid.next();
        AtomicLong outstanding = new AtomicLong();
        Object acked = new Object();
        Subscription ackSub = subscribe(account, ackPrefix + ".>", (a, from, subj, reply, h, p) -> {
            String[] t = subj.split("\\.");
            long size = t.length > 5 ? parseLong(t[5]) : 0;
            if (outstanding.addAndGet(-size) < WINDOW_BYTES) {
                synchronized (acked) {
                    acked.notifyAll();
                }
            }
        });
        try (InputStream in = Files.newInputStream(file)) {
            for (int index = 1; ; index++) {
                byte[] chunk = in.readNBytes(chunkSize);
                if (chunk.length == 0) {
                    break;
                }
                if (outstanding.get() > WINDOW_BYTES) {
                    synchronized (acked) {
                        if (outstanding.get() > WINDOW_BYTES) {
                            acked.wait(ACK_WAIT_MILLIS);
                        }
                    }
                    if (!hasInterest(account, deliver)) {
                        break;
                    }
                }
                String ackReply = ackPrefix + "." + chunk.length + "." + index;
                outstanding.addAndGet(chunk.length);
                submit(() -> client.publish(account, deliver, ackReply, null, chunk));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            submit(() -> {
                client.publish(account, deliver, null, null, new byte[0]);
                unsubscribe(account, ackSub);
            });
        }
    }

    private static boolean hasInterest(Account account, String subject) {
        return !account.match(subject).isEmpty();
    }

    // ------------------------------------------------------------------ restore

    /** API thread: nats-server's jsStreamRestoreRequest checks, in its order, then the chunk subscription. */
    private void restore(ApiRequest r) {
        if (r.isEmpty()) {
            throw new ApiException(JsError.BAD_REQUEST);
        }
        ObjectNode q = r.json();
        String name = r.arg(0);
        JsonNode c = q.get("config");
        ObjectNode cfgJson = c != null && c.isObject() ? ((ObjectNode) c).deepCopy() : ApiRequest.MAPPER.createObjectNode();
        if (c != null && !c.isNull() && !c.isObject()) {
            throw new ApiException(JsError.INVALID_JSON);
        }
        if (text(cfgJson, "name").isEmpty()) {
            cfgJson.put("name", name);
        }
        StreamConfig req;
        try {
            req = StreamConfig.parse(cfgJson);
        } catch (IllegalArgumentException e) {
            throw new ApiException(JsError.INVALID_JSON);
        }
        JsAccount a = r.jsAccount();
        JsLimits lim = a.limits();
        StreamConfig cfg = io.nats4j.server.jetstream.StreamConfigCheck.check(req,
                js.options().duplicateWindowLimitNanos, lim, StreamApi.otherConfigs(a, req.name()));
        if (lim.maxStreams() > 0 && a.streamCount() >= lim.maxStreams()) {
            throw new ApiException(JsError.MAXIMUM_STREAMS_LIMIT);
        }
        streams.checkBytes(a, cfg, 0);
        if (a.stream(cfg.name()) != null) {
            throw new ApiException(JsError.STREAM_NAME_EXIST_RESTORE_FAILED);
        }
        Path file;
        OutputStream out;
        try {
            file = stagingFile("js-restore-");
            out = Files.newOutputStream(file);
        } catch (IOException e) {
            throw new ApiException(JsError.TEMP_STORAGE_FAILED);
        }
        server.logger().notice("Starting restore for stream '" + a.name() + " > " + cfg.name() + "'");
        String subject = "$JS.SNAPSHOT.RESTORE." + cfg.name() + "." + Nuid.next();
        Restore rs = new Restore(r.account(), a, cfg, file, out);
        submit(() -> {
            rs.sub = subscribe(r.account(), subject, (acc, from, subj, reply, h, p) -> rs.chunk(reply, p));
            rs.lastActivity = System.nanoTime();
            rs.watchdog();
            ObjectNode o = r.newResponse();
            o.put("deliver_subject", subject);
            r.respond(o);
        });
    }

    /** One restore in progress; its fields are used on this service's thread only. */
    private final class Restore {
        final Account account;
        final JsAccount jsAccount;
        final StreamConfig cfg;
        final Path file;
        final OutputStream out;
        Subscription sub;
        long total;
        long lastActivity;
        boolean done;

        Restore(Account account, JsAccount jsAccount, StreamConfig cfg, Path file, OutputStream out) {
            this.account = account;
            this.jsAccount = jsAccount;
            this.cfg = cfg;
            this.file = file;
            this.out = out;
        }

        private String who() {
            return "'" + jsAccount.name() + " > " + cfg.name() + "'";
        }

        void chunk(String reply, byte[] payload) {
            if (done) {
                return;
            }
            lastActivity = System.nanoTime();
            if (reply == null || reply.isEmpty()) {
                abort("restore for stream " + who() + " requires reply subject for each chunk", null);
                return;
            }
            if (payload == null || payload.length == 0) {
                end();
                try {
                    out.close();
                } catch (IOException e) {
                    finish(reply, new ApiException(JsError.STREAM_RESTORE.with("{err}", String.valueOf(e.getMessage()))));
                    return;
                }
                Thread.ofVirtual().name("nats4j-restore-" + cfg.name()).start(() -> importSnapshot(reply));
                return;
            }
            total += payload.length;
            if (js.usage(StreamConfig.StorageType.FILE) + total > js.maxStore()) {
                abort("restore for stream " + who() + ": insufficient resources", reply);
                finish(reply, new ApiException(JsError.INSUFFICIENT_RESOURCES));
                return;
            }
            try {
                out.write(payload);
            } catch (IOException e) {
                abort("restore for stream " + who() + ": storage failure: " + e.getMessage(), reply);
                finish(reply, new ApiException(JsError.STREAM_RESTORE.with("{err}", "storage failure during restore")));
                return;
            }
            client.publish(account, reply, null, null, new byte[0]);
        }

        void watchdog() {
            schedule(() -> {
                if (done) {
                    return;
                }
                if (System.nanoTime() - lastActivity > RESTORE_STALL_NANOS) {
                    abort("restore for stream " + who() + " is stalled", null);
                } else {
                    watchdog();
                }
            }, 1, TimeUnit.SECONDS);
        }

        private void end() {
            done = true;
            unsubscribe(account, sub);
        }

        private void abort(String why, String reply) {
            server.logger().warn(Character.toUpperCase(why.charAt(0)) + why.substring(1));
            end();
            try {
                out.close();
            } catch (IOException e) {
                // the file goes anyway
            }
            deleteQuietly(file);
        }

        /** Virtual thread: the staged snapshot into a new store, then the stream on the API thread. */
        private void importSnapshot(String reply) {
            long start = System.nanoTime();
            Storage storage = js.storage(cfg.storage());
            String storeName = JetStream.storeName(jsAccount.name(), cfg.name());
            StreamStore store = null;
            try (StreamSnapshot.Reader rd = StreamSnapshot.Reader.open(Files.newInputStream(file))) {
                JsonNode def = ApiRequest.MAPPER.readTree(rd.header().streamDefinition());
                if (!cfg.name().equals(def.path("config").path("name").asText(""))) {
                    throw new ApiException(JsError.STREAM_RESTORE.with("{err}", "stream names do not match"));
                }
                long created = def.path("created").asLong(JetStream.nowNanos());
                if (storage.stream(storeName) != null) {
                    throw new ApiException(JsError.STREAM_NAME_EXIST_RESTORE_FAILED);
                }
                store = storage.createStream(storeName, cfg.storeLimits());
                rd.importMessages(store);
                Map<String, byte[]> defs = new TreeMap<>();
                for (StreamSnapshot.ConsumerEntry ce : rd.consumers()) {
                    store.consumer(ce.name(), ce.ackPolicy()).update(ce.state());
                    defs.put(ce.name(), ce.definition());
                }
                // the restored stream's own limits apply from now on (nats-server updates a changed config)
                store.updateLimits(cfg.storeLimits());
                StreamStore filled = store;
                api.execute(() -> register(reply, filled, created, defs, start));
            } catch (ApiException e) {
                fail(reply, store, storeName, e);
            } catch (IOException | RuntimeException e) {
                fail(reply, store, storeName,
                        new ApiException(JsError.STREAM_RESTORE.with("{err}", String.valueOf(e.getMessage()))));
            } finally {
                deleteQuietly(file);
            }
        }

        private void fail(String reply, StreamStore store, String storeName, ApiException e) {
            server.logger().warn("Restore failed for stream " + who() + ": " + e.error().description());
            if (store != null) {
                js.storage(cfg.storage()).deleteStream(storeName);
            }
            finish(reply, e);
        }

        /** API thread: the stream starts with its consumers, unless one of that name appeared meanwhile. */
        private void register(String reply, StreamStore store, long created, Map<String, byte[]> defs, long start) {
            if (jsAccount.stream(cfg.name()) != null) {
                fail(reply, store, JetStream.storeName(jsAccount.name(), cfg.name()),
                        new ApiException(JsError.STREAM_NAME_EXIST_RESTORE_FAILED));
                return;
            }
            Stream s;
            try {
                s = jsAccount.restoreStream(cfg, store, created, defs);
            } catch (RuntimeException e) {
                fail(reply, store, JetStream.storeName(jsAccount.name(), cfg.name()),
                        new ApiException(JsError.STREAM_RESTORE.with("{err}", String.valueOf(e.getMessage()))));
                return;
            }
            ObjectNode o = ApiRequest.MAPPER.createObjectNode();
            o.put("type", StreamApi.CREATE);
            streams.streamInfo(o, s, false, null, 0);
            server.logger().notice("Completed restore of " + total + " bytes for stream " + who() + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
            byte[] body = ApiRequest.bytes(o);
            submit(() -> client.publish(account, reply, null, null, body));
        }

        /** The last answer of a failed restore (nats-server's JSApiStreamCreateResponse with its error). */
        private void finish(String reply, ApiException e) {
            if (reply == null || reply.isEmpty()) {
                return;
            }
            ObjectNode o = ApiRequest.MAPPER.createObjectNode();
            o.put("type", StreamApi.CREATE);
            e.error().writeTo(o);
            api.countError();
            byte[] body = ApiRequest.bytes(o);
            submit(() -> client.publish(account, reply, null, null, body));
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String text(JsonNode q, String field) {
        JsonNode v = q.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new ApiException(JsError.INVALID_JSON);
        }
        return v.asText();
    }

    private static long number(JsonNode q, String field) {
        JsonNode v = q.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber()) {
            throw new ApiException(JsError.INVALID_JSON);
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode q, String field) {
        JsonNode v = q.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ApiException(JsError.INVALID_JSON);
        }
        return v.asBoolean();
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a staging file left behind goes with the next start's cleanup, or never matters
        }
    }
}
