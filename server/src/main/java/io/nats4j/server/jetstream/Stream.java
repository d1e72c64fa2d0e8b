package io.nats4j.server.jetstream;

import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.jetstream.api.ApiError;
import io.nats4j.server.jetstream.api.JsError;
import io.nats4j.server.jetstream.store.StoreException;
import io.nats4j.server.jetstream.store.StoredMessage;
import io.nats4j.server.jetstream.store.StreamStore;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.sys.InternalClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream of an account: its configuration, its {@link StreamStore}, its single writer, its ingest and the
 * {@link StreamListener}s (consumers) that hear what it stores.
 *
 * <h2>Single writer</h2>
 * Every mutation of the store runs on the stream's writer thread ({@code nats4j-js-<account>-<stream>}, ended
 * when idle): ingest batches, purges, message deletes, retention removals, limit updates. Other threads hand it
 * work with {@link #onWriter} and read the store directly (loads and state are safe on any thread that is not
 * an event loop... and on one too: they take only the store's read lock).
 *
 * <h2>Ingest and group commit</h2>
 * The stream subscribes to its subjects in its account with an {@link InternalSubscriber}. A delivery (on the
 * publisher's event loop) copies the message into the ingest queue and, when the queue is above
 * {@link #HIGH_WATER_MSGS} messages or {@link #HIGH_WATER_BYTES} bytes, asks the publishing connection to stop
 * reading until the queue is below half ({@link ClientConnection#holdBack}); nothing is ever dropped. The writer
 * takes up to {@link #MAX_BATCH} messages, checks each (sealed, expected headers, duplicates, size), appends
 * it to the store, then flushes once (one fsync for the batch), and only then tells the listeners, applies
 * interest/work-queue retention and sends the PubAcks. A publish without a reply, or on a {@code no_ack} stream, gets no PubAck.
 */
public final class Stream {

    /** The most messages per group commit (a batch is whatever is queued, up to this or {@link #MAX_BATCH_BYTES}). */
    public static final int MAX_BATCH = 4096;
    public static final long MAX_BATCH_BYTES = 8L * 1024 * 1024;
    /** The ingest queue above which publishers are held back. */
    public static final int HIGH_WATER_MSGS = 8192;
    public static final long HIGH_WATER_BYTES = 32L * 1024 * 1024;

    private final JetStream jetStream;
    private final JsAccount account;
    private final String name;
    private volatile StreamConfig config;
    private final StreamStore store;
    private final long createdNanos;
    private final ThreadPoolExecutor writer;
    private final CopyOnWriteArrayList<StreamListener> listeners = new CopyOnWriteArrayList<>();
    /** Publishes PubAcks; writer thread only. */
    private final InternalClient client;
    private final List<Subscription> subscriptions = new ArrayList<>();

    private final ConcurrentLinkedQueue<Inbound> inbound = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedMsgs = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final ClientConnection.Backlog backlog = new ClientConnection.Backlog() {
        @Override
        public boolean drained() {
            return closed || queuedMsgs.get() <= HIGH_WATER_MSGS / 2 && queuedBytes.get() <= HIGH_WATER_BYTES / 2;
        }
    };
    private volatile boolean closed;

    // writer-thread state
    private final LinkedHashMap<String, long[]> dedupe = new LinkedHashMap<>();
    private String lastMsgId = "";
    private long lastSeq;
    private final PubAcks acks;
    /** Interest retention: the sequences (and subjects) of the batch, looked at after its flush. */
    private final List<String> storedSubjects = new ArrayList<>();
    private long[] storedSeqs = new long[64];

    /**
     * A message waiting for the writer. {@code owned}: header and payload are copies made off the publisher's
     * buffers, which the store may keep as they are.
     */
    private record Inbound(String subject, String reply, byte[] header, byte[] payload, boolean owned) {
    }

    Stream(JetStream jetStream, JsAccount account, StreamConfig config, StreamStore store, long createdNanos) {
        this.jetStream = jetStream;
        this.account = account;
        this.name = config.name();
        this.config = config;
        this.store = store;
        this.createdNanos = createdNanos;
        this.client = new InternalClient(jetStream.server().statistics());
        String threadName = "nats4j-js-" + account.name() + "-" + name;
        this.writer = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        writer.allowCoreThreadTimeOut(true);
        this.lastSeq = store.state().lastSeq();
        this.acks = new PubAcks(name, jetStream.domain(), client);
    }

    // ------------------------------------------------------------------ accessors (stable API)

    public String name() {
        return name;
    }

    /** The current configuration (replaced as a whole by an update). */
    public StreamConfig config() {
        return config;
    }

    /** The messages. Loads and state on any thread; mutations only on the writer ({@link #onWriter}). */
    public StreamStore store() {
        return store;
    }

    public JsAccount account() {
        return account;
    }

    public JetStream jetStream() {
        return jetStream;
    }

    /** When the stream was created, epoch nanoseconds ({@code created} in stream info). */
    public long createdNanos() {
        return createdNanos;
    }

    public boolean isClosed() {
        return closed;
    }

    public void addListener(StreamListener l) {
        listeners.add(l);
    }

    public void removeListener(StreamListener l) {
        listeners.remove(l);
    }

    /** The listeners (consumers) now. */
    public List<StreamListener> listeners() {
        return List.copyOf(listeners);
    }

    /** Runs {@code work} on the stream's writer thread; the future completes with its result or exception. */
    public <T> CompletableFuture<T> onWriter(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                try {
                    f.complete(work.call());
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(new StoreException(StoreException.Kind.CLOSED));
        }
        return f;
    }

    /**
     * Interest and work-queue retention: a consumer acknowledged {@code seq}. On the writer, the message is
     * removed when no listener {@link StreamListener#needs} it any more. Any thread; no-op under limits
     * retention.
     */
    public void acknowledged(long seq) {
        if (!config.ackRemoves() || closed) {
            return;
        }
        onWriter(() -> {
            removeIfUnneeded(seq, null);
            return null;
        });
    }

    /**
     * Re-checks every stored message against the listeners (a consumer of an interest stream was deleted, so
     * messages only it needed can go). Any thread.
     */
    public void recheckInterest() {
        if (!config.ackRemoves() || closed) {
            return;
        }
        onWriter(() -> {
            long first = store.state().firstSeq();
            long last = store.state().lastSeq();
            for (long s = first; s <= last; s++) {
                removeIfUnneeded(s, null);
            }
            return null;
        });
    }

    /** Writer thread. */
    private void removeIfUnneeded(long seq, String subject) {
        String subj = subject;
        if (subj == null) {
            StoredMessage m = store.load(seq);
            if (m == null) {
                return;
            }
            subj = m.subject();
        }
        for (StreamListener l : listeners) {
            if (l.needs(this, seq, subj)) {
                return;
            }
        }
        if (store.remove(seq)) {
            long first = store.state().firstSeq();
            for (StreamListener l : listeners) {
                l.removed(this, seq, first);
            }
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /** Subscribes the stream's subjects (ingest) and starts its expiry timer. */
    void start() {
        subscribe();
        jetStream.scheduleExpiry(this);
    }

    private void subscribe() {
        Account a = account.account();
        for (String s : config.subjects()) {
            Subscription sub = new Subscription(ingest, s, null, ("js-" + name).getBytes(StandardCharsets.US_ASCII));
            a.subscribe(sub);
            subscriptions.add(sub);
        }
    }

    private void unsubscribe() {
        Account a = account.account();
        for (Subscription s : subscriptions) {
            s.closed = true;
            a.unsubscribe(s);
        }
        subscriptions.clear();
    }

    /** Applies an updated configuration (already checked): subjects, store limits. Waits for the writer. */
    void update(StreamConfig next) throws Exception {
        onWriter(() -> {
            store.updateLimits(next.storeLimits());
            return null;
        }).get(30, TimeUnit.SECONDS);
        synchronized (this) {
            if (!next.subjects().equals(config.subjects())) {
                unsubscribe();
                config = next;
                subscribe();
            } else {
                config = next;
            }
        }
        for (StreamListener l : listeners) {
            l.configChanged(this, next);
        }
    }

    /**
     * Stops ingest, tells the listeners, and waits for the writer to finish what is queued. The store is
     * closed (or deleted) by the caller.
     */
    void close(boolean deleted) {
        synchronized (this) {
            unsubscribe();
        }
        try {
            onWriter(() -> null).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        closed = true;
        for (StreamListener l : listeners) {
            try {
                l.closed(this, deleted);
            } catch (RuntimeException e) {
                jetStream.server().logger().error("JetStream stream listener failed on close: " + e);
            }
        }
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Messages waiting for the writer now. */
    public int queuedMessages() {
        return queuedMsgs.get();
    }

    // ------------------------------------------------------------------ ingest

    private final InternalSubscriber ingest = new InternalSubscriber() {
        private final long id = -3_000_000_000L - System.identityHashCode(Stream.this);

        @Override
        public long id() {
            return id;
        }

        @Override
        public boolean deliver(Subscription sub, ClientConnection from, Message msg) {
            if (closed || sub.closed) {
                return false;
            }
            Inbound in = new Inbound(msg.subjectString(), msg.replyString(),
                    msg.headerSize() > 0 ? msg.headerBytes() : null, msg.bodyBytes(), true);
            enqueue(in, from);
            return true;
        }

        @Override
        public void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply,
                byte[] headers, byte[] payload) {
            enqueue(new Inbound(subject, reply, headers, payload, false), from);
        }
    };

    private void enqueue(Inbound in, ClientConnection from) {
        inbound.add(in);
        int n = queuedMsgs.incrementAndGet();
        long b = queuedBytes.addAndGet(size(in));
        if (from != null && (n > HIGH_WATER_MSGS || b > HIGH_WATER_BYTES)) {
            from.holdBack(backlog);
        }
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                writer.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                drainScheduled.set(false);
            }
        }
    }

    private static long size(Inbound in) {
        return in.subject().length() + (in.header() == null ? 0 : in.header().length) + in.payload().length;
    }

    /**
     * Writer thread: one group-commit batch (everything queued, up to {@link #MAX_BATCH} messages or
     * {@link #MAX_BATCH_BYTES}), then again while more is queued.
     */
    private void drain() {
        long first = 0;
        long last = 0;
        boolean appended = false;
        int taken = 0;
        long takenBytes = 0;
        Inbound in;
        while (taken < MAX_BATCH && takenBytes < MAX_BATCH_BYTES && (in = inbound.poll()) != null) {
            taken++;
            takenBytes += size(in);
            if (closed) {
                continue;
            }
            StreamConfig cfg = config;
            boolean canRespond = !cfg.noAck() && in.reply() != null && !in.reply().isEmpty();
            ApiError refused = null;
            String msgId = null;
            String rollup = null;
            long dupSeq = 0;
            byte[] hdr = in.header();
            if (cfg.sealed()) {
                refused = JsError.STREAM_SEALED.error();
            } else if (hdr != null) {
                String expStream = Headers.get(hdr, "Nats-Expected-Stream");
                msgId = Headers.get(hdr, "Nats-Msg-Id");
                if (msgId != null && msgId.isEmpty()) {
                    msgId = null;
                }
                if (expStream != null && !expStream.isEmpty() && !expStream.equals(name)) {
                    refused = JsError.STREAM_NOT_MATCH.error();
                } else if (msgId != null && (dupSeq = duplicateOf(msgId)) > 0) {
                    // answered below
                } else {
                    refused = checkExpected(hdr, in.subject(), cfg);
                    if (refused == null) {
                        rollup = Headers.get(hdr, "Nats-Rollup");
                        if (rollup != null) {
                            if (!cfg.allowRollup() || cfg.denyPurge()) {
                                refused = JsError.STREAM_ROLLUP_FAILED.with("{err}", "rollup not permitted");
                            } else if (!rollup.equals("sub") && !rollup.equals("all")) {
                                refused = JsError.STREAM_ROLLUP_FAILED.with("{err}", "rollup value invalid: \"" + rollup + "\"");
                                canRespond = false; // nats-server drops it without an answer
                            }
                        }
                    }
                }
            }
            if (dupSeq > 0) {
                if (canRespond) {
                    acks.ok(in.reply(), dupSeq, true);
                }
                continue;
            }
            if (refused == null) {
                int total = (hdr == null ? 0 : hdr.length) + in.payload().length;
                if (cfg.maxMsgSize() >= 0 && total > cfg.maxMsgSize() && cfg.maxMsgSize() != 0) {
                    refused = JsError.STREAM_MESSAGE_EXCEEDS_MAXIMUM.error();
                } else if (hdr != null && hdr.length > 65535) {
                    refused = JsError.STREAM_HEADER_EXCEEDS_MAXIMUM.error();
                } else if (!account.reserveIngest(cfg.storage(), total + in.subject().length())) {
                    refused = JsError.ACCOUNT_RESOURCES_EXCEEDED.error();
                }
            }
            if (refused != null) {
                if (canRespond) {
                    acks.error(in.reply(), refused);
                }
                continue;
            }
            long seq;
            try {
                seq = in.owned() ? store.appendOwned(in.subject(), hdr, in.payload(), 0)
                        : store.append(in.subject(), hdr, in.payload(), 0);
            } catch (StoreException e) {
                if (canRespond) {
                    acks.error(in.reply(), JsError.STREAM_STORE_FAILED.with("{err}", e.getMessage()));
                }
                if (e.kind() != StoreException.Kind.MAX_MSGS && e.kind() != StoreException.Kind.MAX_BYTES
                        && e.kind() != StoreException.Kind.MAX_MSGS_PER_SUBJECT
                        && e.kind() != StoreException.Kind.MSG_TOO_LARGE) {
                    jetStream.server().logger().error("JetStream failed to store a msg on stream '" + account.name()
                            + " > " + name + "': " + e.getMessage());
                }
                continue;
            }
            appended = true;
            lastSeq = seq;
            if (first == 0) {
                first = seq;
            }
            last = seq;
            if (msgId != null) {
                rememberMsgId(msgId, seq);
            }
            lastMsgId = msgId == null ? "" : msgId;
            if (cfg.retention() == StreamConfig.Retention.INTEREST) {
                if (storedSubjects.size() == storedSeqs.length) {
                    storedSeqs = java.util.Arrays.copyOf(storedSeqs, storedSeqs.length * 2);
                }
                storedSeqs[storedSubjects.size()] = seq;
                storedSubjects.add(in.subject());
            }
            if (canRespond) {
                acks.ok(in.reply(), seq, false);
            }
            if (rollup != null) {
                // the rollup removes what came before it: flush what is appended, purge (durable itself), and
                // only then tell the listeners and send the acks of the batch so far (its own ack included)
                try {
                    store.flush();
                    long went = rollup.equals("all") ? store.purge(null, 0, 1) : store.purge(in.subject(), 0, 1);
                    if (went > 0) {
                        removedNotify(0);
                    }
                } catch (StoreException e) {
                    jetStream.server().logger().error("JetStream rollup failed on stream '" + account.name() + " > "
                            + name + "': " + e.getMessage());
                }
                flushBatch(first, last);
                first = 0;
                appended = false;
            }
        }
        // the counters go down once per batch (what they gate is a high-water mark, not an exact count)
        queuedMsgs.addAndGet(-taken);
        queuedBytes.addAndGet(-takenBytes);
        if (appended || !acks.isEmpty()) {
            flushBatch(first, last);
        }
        drainScheduled.set(false);
        if (!inbound.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            writer.execute(this::drain);
        }
    }

    /** Flushes the batch, tells the listeners, applies retention, then sends its acks (writer thread). */
    private void flushBatch(long first, long last) {
        List<String> subjects = storedSubjects;
        if (first > 0) {
            try {
                store.flush();
            } catch (StoreException e) {
                jetStream.server().logger().error("JetStream failed to flush stream '" + account.name() + " > "
                        + name + "': " + e.getMessage());
                undoBatch(first);
                subjects.clear();
                acks.failAll(account.account(), JsError.STREAM_STORE_FAILED.with("{err}", e.getMessage()));
                return;
            }
        }
        // listeners first, then retention, then the acks: a publisher that reads the stream right after its
        // PubAck sees what nats-server shows (an interest stream without interest keeps nothing)
        if (first > 0) {
            for (StreamListener l : listeners) {
                try {
                    l.stored(this, first, last);
                } catch (RuntimeException e) {
                    jetStream.server().logger().error("JetStream stream listener failed: " + e);
                }
            }
            // interest retention drops what no consumer wants; a work queue keeps it until a consumer acks it
            for (int i = 0; i < subjects.size(); i++) {
                removeIfUnneeded(storedSeqs[i], subjects.get(i));
            }
        }
        subjects.clear();
        acks.send(account.account()); // each publisher's loop woken once for the batch
    }

    /** Nats-Expected-Last-Sequence, -Last-Subject-Sequence, -Last-Msg-Id (writer thread). */
    private ApiError checkExpected(byte[] hdr, String subject, StreamConfig cfg) {
        String v = Headers.get(hdr, "Nats-Expected-Last-Subject-Sequence");
        if (v != null) {
            long want = parseSeq(v);
            if (want >= 0) {
                StoredMessage m = store.loadLast(subject);
                long have = m == null ? 0 : m.seq();
                if (have != want) {
                    return JsError.STREAM_WRONG_LAST_SEQUENCE.with("{seq}", have);
                }
            }
        }
        v = Headers.get(hdr, "Nats-Expected-Last-Sequence");
        if (v != null) {
            long want = parseSeq(v);
            if (want >= 0 && want != lastSeq) {
                return JsError.STREAM_WRONG_LAST_SEQUENCE.with("{seq}", lastSeq);
            }
        }
        v = Headers.get(hdr, "Nats-Expected-Last-Msg-Id");
        if (v != null && !v.isEmpty() && !v.equals(lastMsgId)) {
            return JsError.STREAM_WRONG_LAST_MSG_ID.with("{id}", lastMsgId);
        }
        return null;
    }

    private static long parseSeq(String v) {
        try {
            return Long.parseUnsignedLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The write of the batch from {@code first} failed: the store drops it, the stream forgets its ids (writer). */
    private void undoBatch(long first) {
        try {
            store.discardUnflushed();
        } catch (StoreException e) {
            jetStream.server().logger().error("JetStream could not drop the failed batch of '" + name + "': " + e);
        }
        dedupe.values().removeIf(v -> v[0] >= first);
        lastSeq = store.state().lastSeq();
        StoredMessage m = lastSeq > 0 ? store.load(lastSeq) : null;
        lastMsgId = m == null ? "" : java.util.Objects.requireNonNullElse(Headers.get(m.header(), "Nats-Msg-Id"), "");
    }

    /** The sequence of a message with this id inside the duplicate window, or 0. */
    private long duplicateOf(String msgId) {
        expireDedupe();
        long[] e = dedupe.get(msgId);
        return e == null ? 0 : e[0];
    }

    private void rememberMsgId(String msgId, long seq) {
        if (config.duplicateWindowNanos() <= 0) {
            return;
        }
        dedupe.remove(msgId);
        dedupe.put(msgId, new long[] {seq, System.nanoTime()});
    }

    private void expireDedupe() {
        long window = config.duplicateWindowNanos();
        long now = System.nanoTime();
        for (Iterator<Map.Entry<String, long[]>> it = dedupe.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue()[1] > window) {
                it.remove();
            } else {
                break;
            }
        }
    }

    /** Rebuilds the duplicate window from the stored messages (after a restart). Writer thread. */
    void rebuildDedupe() {
        long window = config.duplicateWindowNanos();
        if (window <= 0) {
            return;
        }
        long nowWall = JetStream.nowNanos();
        long nowMono = System.nanoTime();
        // only messages with a header inside the window can carry an id: the index knows which (no load per message)
        for (long s : store.seqsWithHeaderSince(nowWall - window)) {
            StoredMessage m = store.load(s);
            if (m == null || nowWall - m.timestampNanos() > window) {
                continue;
            }
            String id = Headers.get(m.header(), "Nats-Msg-Id");
            if (id != null && !id.isEmpty()) {
                dedupe.remove(id);
                dedupe.put(id, new long[] {s, nowMono - (nowWall - m.timestampNanos())});
                lastMsgId = id;
            }
        }
    }

    /**
     * Writer thread: tells the listeners that messages went (a purge or a delete done by the API through
     * {@link #onWriter}); {@code seq} is the one removed, or 0 for several.
     */
    public void removedNotify(long seq) {
        long first = store.state().firstSeq();
        for (StreamListener l : listeners) {
            l.removed(this, seq, first);
        }
    }

    /** Writer thread: removes expired messages (max_age). */
    void expire() {
        if (closed) {
            return;
        }
        long went = store.expire();
        if (went > 0) {
            long first = store.state().firstSeq();
            for (StreamListener l : listeners) {
                l.removed(this, 0, first);
            }
        }
    }

    @Override
    public String toString() {
        return "Stream{" + account.name() + " > " + name + "}";
    }
}
