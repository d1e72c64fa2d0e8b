package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.jetstream.consumer.ConsumerConfig.AckPolicyConfig;
import io.nats4j.server.jetstream.consumer.ConsumerConfig.DeliverPolicy;
import io.nats4j.server.jetstream.events.JsAdvisories;
import io.nats4j.server.jetstream.store.ConsumerStore;
import io.nats4j.server.jetstream.store.StoredMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The consumers of one stream: create (with nats-server 2.10's checks and actions), update, info, delete,
 * recovery, the stream's "message stored" signal, and the interest/workqueue retention decisions. One per stream;
 * the stream side creates it and calls {@link #stored} after each message it stores.
 *
 * <p>Threading: create/delete/info are called on the JetStream API's thread (they may block, never an event
 * loop) and are serialized by {@code this}; {@link #stored} is called on the stream's writer and only queues.
 */
public final class StreamConsumers {

    /** What a create request may do (nats-server's ConsumerAction). */
    public enum Action { CREATE_OR_UPDATE, UPDATE, CREATE }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long API_WAIT_SECONDS = 10;

    private final StreamHandle stream;
    private final ConsumerRuntime rt;
    private final ConcurrentSkipListMap<String, Consumer> consumers = new ConcurrentSkipListMap<>();

    public StreamConsumers(StreamHandle stream, ConsumerRuntime rt) {
        this.stream = stream;
        this.rt = rt;
    }

    public StreamHandle stream() {
        return stream;
    }

    /** Consumer names in order. */
    public List<String> names() {
        return new ArrayList<>(consumers.keySet());
    }

    public int size() {
        return consumers.size();
    }

    public Consumer get(String name) {
        return consumers.get(name);
    }

    /**
     * Creates or updates a consumer; returns its info JSON. Throws {@link ConsumerError} with nats-server's error.
     */
    public synchronized ObjectNode create(ConsumerConfig cfg, Action action) {
        if (cfg.maxAckPending == 0) {
            cfg.maxAckPending = stream.defaultMaxAckPending();
        }
        if (cfg.inactiveThresholdNanos == 0) {
            cfg.inactiveThresholdNanos = stream.defaultInactiveThresholdNanos();
        }
        ConsumerConfigCheck.setDefaults(cfg, stream.accountMaxAckPending());
        if (!cfg.isDurable() && cfg.inactiveThresholdNanos <= 0) {
            cfg.inactiveThresholdNanos = ConsumerConfigCheck.DEFAULT_INACTIVE_THRESHOLD_NANOS;
        }
        ConsumerConfigCheck.check(cfg, stream);
        String cname = cfg.isDurable() ? cfg.durable : cfg.name;
        if (!cname.isEmpty()) {
            Consumer existing = consumers.get(cname);
            if (existing != null) {
                if (action == Action.CREATE && !cfg.equals(existing.config())) {
                    throw ConsumerError.alreadyExists();
                }
                if (stream.retention() == StreamHandle.Retention.WORKQUEUE && !partitionUnique(cname, cfg.filters())) {
                    throw ConsumerError.wqNotUnique();
                }
                try {
                    ConsumerConfigCheck.checkUpdate(existing.config(), cfg);
                } catch (ConsumerError e) {
                    throw e;
                }
                if (!cfg.equals(existing.config())) {
                    if (!cfg.filters().equals(existing.config().filters())) {
                        // a new filter changes what the consumer delivers: nats-server restarts its position logic
                        // in place; here the consumer keeps its position and applies the new filter from now
                        replaceConsumer(existing, cfg);
                    } else {
                        await(existing.update(cfg));
                    }
                    save(existing.name, cfg, createdOf(existing));
                }
                return info(consumers.get(cname));
            }
        }
        if (action == Action.UPDATE) {
            throw ConsumerError.doesNotExist();
        }
        int maxc = stream.maxConsumers();
        if (maxc > 0 && consumers.size() >= maxc) {
            throw ConsumerError.maximumConsumers();
        }
        if (stream.retention() == StreamHandle.Retention.WORKQUEUE && !cfg.direct) {
            if (cfg.ackPolicy != AckPolicyConfig.EXPLICIT) {
                throw ConsumerError.wqRequiresExplicitAck();
            }
            if (!consumers.isEmpty()) {
                List<String> f = cfg.filters();
                if (f.isEmpty()) {
                    throw ConsumerError.wqMultipleUnfiltered();
                }
                if (!partitionUnique(cname, f)) {
                    throw ConsumerError.wqNotUnique();
                }
            }
            if (cfg.deliverPolicy != DeliverPolicy.ALL) {
                throw ConsumerError.wqNotDeliverAll();
            }
        }
        String name;
        if (cfg.isDurable()) {
            if (cfg.durable.length() > ConsumerConfigCheck.MAX_NAME_LENGTH) {
                throw ConsumerError.nameTooLong(ConsumerConfigCheck.MAX_NAME_LENGTH);
            }
            name = cfg.durable;
        } else if (!cfg.name.isEmpty()) {
            name = cfg.name;
        } else {
            do {
                name = randomName();
            } while (consumers.containsKey(name));
            cfg.name = name;
        }
        if (!ConsumerConfigCheck.isValidName(name)) {
            throw ConsumerError.badDurableName();
        }
        long created = JsTime.nowNanos();
        Consumer c = open(name, cfg, created, false);
        save(name, cfg, created);
        stream.advisories().consumerAction(stream.account(), stream.name(), name, JsAdvisories.Action.CREATE);
        return info(c);
    }

    private final Map<String, Long> created = new java.util.concurrent.ConcurrentHashMap<>();

    private long createdOf(Consumer c) {
        return created.getOrDefault(c.name, JsTime.nowNanos());
    }

    private Consumer open(String name, ConsumerConfig cfg, long createdNanos, boolean recovered) {
        ConsumerStore cs;
        try {
            cs = stream.store().consumer(name, cfg.ackPolicy.store());
        } catch (RuntimeException e) {
            throw ConsumerError.storeFailed(String.valueOf(e.getMessage()));
        }
        Consumer c = new Consumer(this, stream, rt, name, cfg, cs, createdNanos);
        consumers.put(name, c);
        created.put(name, createdNanos);
        c.start(recovered);
        return c;
    }

    private void replaceConsumer(Consumer existing, ConsumerConfig cfg) {
        await(existing.stop(false, false));
        consumers.remove(existing.name);
        open(existing.name, cfg, createdOf(existing), true);
    }

    private void save(String name, ConsumerConfig cfg, long createdNanos) {
        ObjectNode def = JsonNodeFactory.instance.objectNode();
        def.put("created", createdNanos);
        def.set("config", cfg.toJson());
        stream.saveConsumer(name, def.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** By name, each consumer's definition ({@code {"created":..,"config":{..}}}), as it is saved: for snapshots. */
    public Map<String, byte[]> definitions() {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        for (Consumer c : consumers.values()) {
            ObjectNode def = JsonNodeFactory.instance.objectNode();
            def.put("created", createdOf(c));
            def.set("config", c.config().toJson());
            out.put(c.name, def.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Recovers the consumers the stream side persisted (at start, before any delivery). */
    public synchronized void recover() {
        for (Map.Entry<String, byte[]> e : stream.savedConsumers().entrySet()) {
            try {
                JsonNode def = JSON.readTree(e.getValue());
                ConsumerConfig cfg = ConsumerConfig.fromJson(def.get("config"));
                long createdNanos = def.path("created").asLong(JsTime.nowNanos());
                open(e.getKey(), cfg, createdNanos, true);
            } catch (IOException | RuntimeException ex) {
                rt.log.warn("JetStream consumer '" + stream.name() + " > " + e.getKey() + "' not recovered: " + ex);
            }
        }
    }

    private boolean partitionUnique(String name, List<String> filters) {
        for (Consumer c : consumers.values()) {
            if (c.name.equals(name)) {
                continue;
            }
            List<String> other = c.config().filters();
            if (other.isEmpty()) {
                return false;
            }
            for (String a : filters) {
                for (String b : other) {
                    if (ConsumerConfigCheck.collide(a, b)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static String randomName() {
        String digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            sb.append(digits.charAt(ThreadLocalRandom.current().nextInt(digits.length())));
        }
        return sb.toString();
    }

    /** Info JSON of consumer {@code name}, or throws consumer not found. */
    public ObjectNode info(String name) {
        Consumer c = consumers.get(name);
        if (c == null) {
            throw ConsumerError.consumerNotFound();
        }
        return info(c);
    }

    private ObjectNode info(Consumer c) {
        return await(c.info());
    }

    /** Deletes consumer {@code name} and its state; false when there is none. */
    public synchronized boolean delete(String name) {
        Consumer c = consumers.remove(name);
        if (c == null) {
            return false;
        }
        await(c.stop(true, true));
        created.remove(name);
        stream.forgetConsumer(name);
        stream.advisories().consumerAction(stream.account(), stream.name(), name, JsAdvisories.Action.DELETE);
        afterConsumerGone();
        return true;
    }

    /** An inactive ephemeral (or a durable with inactive_threshold) goes: called on its own thread. */
    void deleteInactive(Consumer c) {
        Thread.ofVirtual().name("nats4j-consumer-delete").start(() -> {
            synchronized (this) {
                if (consumers.get(c.name) == c) {
                    delete(c.name);
                }
            }
        });
    }

    /** Stops every consumer, keeping their state (stream closed, server shutdown). */
    public synchronized void close() {
        for (Consumer c : consumers.values()) {
            await(c.stop(false, false));
        }
        consumers.clear();
    }

    /** The stream is deleted: every consumer goes with its state. */
    public synchronized void deleteAll() {
        for (Consumer c : consumers.values()) {
            await(c.stop(true, true));
            stream.forgetConsumer(c.name);
            stream.advisories().consumerAction(stream.account(), stream.name(), c.name, JsAdvisories.Action.DELETE);
        }
        consumers.clear();
    }

    // ------------------------------------------------------------------ stream signals and retention

    /** The stream stored {@code seq}: the "message stored" hook. Quick; on the stream's writer. */
    public void stored(long seq, String subject) {
        for (Consumer c : consumers.values()) {
            c.stored(seq, subject);
        }
    }

    /** The stream stored and flushed messages {@code firstSeq..lastSeq} (one batch). */
    public void storedRange(long firstSeq, long lastSeq) {
        for (Consumer c : consumers.values()) {
            c.storedRange(firstSeq, lastSeq);
        }
    }

    /** The stream removed message {@code seq} (0: several) and its first sequence is now {@code firstSeq}. */
    public void removed(long seq, long firstSeq) {
        for (Consumer c : consumers.values()) {
            c.removed(seq, firstSeq);
        }
    }

    /** The stream removed messages (purge, limits, delete): consumers recount and move past what is gone. */
    public void streamChanged() {
        for (Consumer c : consumers.values()) {
            c.streamChanged();
        }
    }

    /**
     * Interest retention: does any consumer still need message {@code seq} on {@code subject}? A message nobody
     * needs is not kept (nats-server removes it at once).
     */
    public boolean interestIn(long seq, String subject) {
        for (Consumer c : consumers.values()) {
            if (!c.closed() && c.needsAck(seq, subject)) {
                return true;
            }
        }
        return false;
    }

    /** Consumer {@code by} acknowledged stream messages {@code low..high}: removes those no one needs any more. */
    void acked(Consumer by, long low, long high) {
        StreamHandle.Retention r = stream.retention();
        if (r == StreamHandle.Retention.LIMITS) {
            return;
        }
        for (long q = Math.max(low, 1); q <= high; ) {
            StoredMessage m = stream.store().loadNext(null, q);
            if (m == null || m.seq() > high) {
                break;
            }
            if (r == StreamHandle.Retention.WORKQUEUE || !interestIn(m.seq(), m.subject())) {
                stream.removeAcknowledged(m.seq());
            }
            q = m.seq() + 1;
        }
    }

    /** After a consumer left an interest stream: messages only it needed go. */
    private void afterConsumerGone() {
        if (stream.retention() == StreamHandle.Retention.INTEREST) {
            stream.recheckInterest();
        }
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(API_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("consumer did not answer in " + API_WAIT_SECONDS + " s");
        }
    }
}
