package io.nats4j.server.jetstream;

import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.StreamConfig.StorageType;
import io.nats4j.server.jetstream.events.JsAdvisories;
import io.nats4j.server.jetstream.store.Storage;
import io.nats4j.server.jetstream.store.StreamStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One account's JetStream (nats-server's {@code jsAccount}): its limits and its streams. Consumers live in
 * their streams (as {@link StreamListener}s and in the consumer package's own registry).
 *
 * <p>Threading: streams are created, updated and deleted on the API thread (one at a time); the map is
 * concurrent so that ingest, monitoring and consumers read it from anywhere.
 */
public final class JsAccount {

    private final JetStream jetStream;
    private volatile Account account;
    private volatile JsLimits limits;
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();

    JsAccount(JetStream jetStream, Account account, JsLimits limits) {
        this.jetStream = jetStream;
        this.account = account;
        this.limits = limits;
    }

    public String name() {
        return account.name();
    }

    /** The account (the same object across reloads; replaced only if the account was rebuilt). */
    public Account account() {
        return account;
    }

    void account(Account a) {
        this.account = a;
    }

    public JsLimits limits() {
        return limits;
    }

    void limits(JsLimits l) {
        this.limits = l;
    }

    public JetStream jetStream() {
        return jetStream;
    }

    /** The stream named {@code name}, or null. */
    public Stream stream(String name) {
        return streams.get(name);
    }

    /** Every stream, by name. */
    public List<Stream> streams() {
        List<Stream> l = new ArrayList<>(streams.values());
        l.sort(Comparator.comparing(Stream::name));
        return l;
    }

    public int streamCount() {
        return streams.size();
    }

    /** Bytes stored by this account's streams of one storage type. */
    public long usage(StorageType type) {
        long n = 0;
        for (Stream s : streams.values()) {
            if (s.config().storage() == type) {
                n += s.store().state().bytes();
            }
        }
        return n;
    }

    /** Bytes reserved by this account's streams of one storage type ({@code max_bytes} of each, when set). */
    public long reserved(StorageType type) {
        long n = 0;
        for (Stream s : streams.values()) {
            if (s.config().storage() == type && s.config().maxBytes() > 0) {
                n += s.config().maxBytes();
            }
        }
        return n;
    }

    /**
     * Ingest: may {@code bytes} more be stored under the account's memory/store limit? (Writer thread;
     * nats-server's {@code wouldExceedLimits}.)
     */
    boolean reserveIngest(StorageType type, long bytes) {
        long max = type == StorageType.MEMORY ? limits.maxMemory() : limits.maxStore();
        return max < 0 || usage(type) + bytes <= max;
    }

    // ------------------------------------------------------------------ lifecycle (API thread)

    /** Creates a stream with a checked configuration and starts its ingest. */
    public Stream createStream(StreamConfig config) {
        Storage storage = jetStream.storage(config.storage());
        StreamStore store = storage.createStream(JetStream.storeName(name(), config.name()), config.storeLimits());
        if (config.firstSeq() > 1) {
            store.compact(config.firstSeq()); // empty, continuing at first_seq (nats-server purges to it)
        }
        long created = JetStream.nowNanos();
        jetStream.persistConfig(this, config, created);
        Stream s = new Stream(jetStream, this, config, store, created);
        streams.put(config.name(), s);
        jetStream.streamStarting(s);
        s.start();
        jetStream.advisories().streamAction(account, config.name(), JsAdvisories.Action.CREATE);
        return s;
    }

    /** A stream recovered at start-up. */
    Stream recoverStream(StreamConfig config, StreamStore store, long created) {
        Stream s = new Stream(jetStream, this, config, store, created);
        streams.put(config.name(), s);
        s.onWriter(() -> {
            s.rebuildDedupe();
            return null;
        });
        jetStream.streamStarting(s);
        s.start();
        return s;
    }

    /**
     * A stream restored from a snapshot (API thread): {@code store} holds its messages and its consumers' states,
     * {@code consumers} their definitions ({@code {"created":..,"config":{..}}} by name), recovered with the stream
     * as after a restart.
     */
    public Stream restoreStream(StreamConfig config, StreamStore store, long created,
            java.util.Map<String, byte[]> consumers) {
        jetStream.persistConfig(this, config, created);
        jetStream.restoredConsumers(name(), config.name(), consumers);
        return recoverStream(config, store, created);
    }

    /** Applies an update (already checked). */
    public void updateStream(Stream s, StreamConfig next) throws Exception {
        jetStream.persistConfig(this, next, s.createdNanos());
        s.update(next);
        jetStream.advisories().streamAction(account, next.name(), JsAdvisories.Action.MODIFY);
    }

    /** Deletes a stream: ingest stops, listeners hear it, then its store and persisted config go. */
    public boolean deleteStream(String name) {
        Stream s = streams.remove(name);
        if (s == null) {
            return false;
        }
        s.close(true);
        jetStream.storage(s.config().storage()).deleteStream(JetStream.storeName(name(), name));
        jetStream.deleteConfig(this, name);
        // after the consumers' own delete advisories (sent when the stream closed), as nats-server orders them
        jetStream.advisories().streamAction(account, name, JsAdvisories.Action.DELETE);
        return true;
    }

    /** Server shutdown: streams close, their data stays. */
    void close() {
        for (Stream s : streams.values()) {
            s.close(false);
        }
        streams.clear();
    }
}
