package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.consumer.ConsumerConfig.AckPolicyConfig;
import io.nats4j.server.jetstream.store.ConsumerState;
import io.nats4j.server.jetstream.store.ConsumerStore;
import io.nats4j.server.jetstream.store.StoredMessage;
import io.nats4j.server.jetstream.store.StreamState;
import io.nats4j.server.jetstream.store.SubjectState;
import io.nats4j.server.subject.InterestListener;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One consumer of a stream (nats-server's {@code consumer}): picks the next message, delivers it to the deliver
 * subject (push) or to a waiting pull request, tracks pending acks and redeliveries, and persists its state
 * through its {@link ConsumerStore}.
 *
 * <h2>Threading</h2>
 * Everything that reads or changes the delivery state runs on the consumer's {@link SerialExecutor} (a virtual
 * thread at a time, never an event loop): acks, pull requests and flow-control replies arrive as internal
 * subscriptions (copied on the publisher's thread, then queued), "message stored" signals come from the stream's
 * writer, timers from the runtime's timer thread. The only state read from other threads is what
 * {@link #needsAck} reads for interest retention: {@link #pending} (a concurrent map) and the volatile floors;
 * a delivery adds to {@code pending} before it moves {@link #sseq}, so another reader never sees a message in
 * flight as acknowledged.
 */
public final class Consumer {

    static final String ACK_PREFIX = "$JS.ACK.";
    static final String FC_PREFIX = "$JS.FC.";
    static final String NEXT_PREFIX = "$JS.API.CONSUMER.MSG.NEXT.";
    /** nats-server's JsFlowControlMaxPending. */
    static final long FLOW_CONTROL_MAX_PENDING = 32L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StreamConsumers owner;
    private final StreamHandle stream;
    private final ConsumerRuntime rt;
    private final Account account;
    final String name;
    private volatile ConsumerConfig cfg;
    private final ConsumerStore store;
    private final SerialExecutor exec;
    private final DeliveryPublisher pub;
    private final long createdNanos;
    private final List<String> filters;
    private final String ackPrefix;

    // --- delivery state: consumer thread only, except where volatile/concurrent (needsAck) ---
    /** Next stream sequence to look at. */
    private volatile long sseq = 1;
    /** Next consumer (delivery) sequence. */
    private long dseq = 1;
    private long adflr;
    private volatile long asflr;
    /** Pending acks by stream sequence. */
    private final ConcurrentSkipListMap<Long, ConsumerState.Pending> pending = new ConcurrentSkipListMap<>();
    /** Redeliveries so far by stream sequence (deliveries - 1). */
    private final HashMap<Long, Long> rdc = new HashMap<>();
    /** Stream sequences waiting to be redelivered, in order. */
    private final LinkedHashSet<Long> rdq = new LinkedHashSet<>();
    /** deliver_policy last_per_subject: the sequences still to deliver first. */
    private final ArrayDeque<Long> lss = new ArrayDeque<>();
    private final ArrayDeque<WaitingRequest> waiting = new ArrayDeque<>();
    /** Messages matching the filters at or after sseq, up to {@link #npf}. */
    private long npc;
    private long npf;
    private long lastDeliveredWall;
    private long lastAckWall;
    /** For pull consumers' inactivity: last request (System.nanoTime()). */
    private long lastRequestNanos = System.nanoTime();
    private long lastDeliveryNanos = System.nanoTime();
    /** Push: is there interest on the deliver subject. */
    private volatile boolean active;
    private volatile boolean closed;
    private long inactiveSinceNanos = System.nanoTime();
    /** Replay original: the stored time and wall time of the previous delivery. */
    private long replayLastStoredNanos;
    private long replayLastWallNanos;
    // flow control
    private long pbytes;
    private long maxpb;
    private String fcid = "";
    private long fcsz;
    // timers
    private ScheduledFuture<?> timer;
    private long timerAtNanos;
    private final List<Subscription> subs = new ArrayList<>();
    /** State changed since the last write to the store. */
    private boolean dirty;
    private boolean flushScheduled;
    /**
     * How long a state change that no client waits for (a delivery, an ack without reply) may stay unwritten, so
     * that one write covers many: nats-server writes its consumer state asynchronously as well.
     */
    static final long STATE_WRITE_DELAY_MS = 25;
    /** Reply subjects of acks to answer after the next state write. */
    private final List<String> ackReplies = new ArrayList<>();
    private InterestListener interestListener;
    /** Push: the (subject, queue) interests that match the deliver subject, kept by the interest listener. */
    private final java.util.Set<String> interest = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Random4 random = new Random4();

    Consumer(StreamConsumers owner, StreamHandle stream, ConsumerRuntime rt, String name, ConsumerConfig cfg,
             ConsumerStore store, long createdNanos) {
        this.owner = owner;
        this.stream = stream;
        this.rt = rt;
        this.account = stream.account();
        this.name = name;
        this.cfg = cfg;
        this.store = store;
        this.createdNanos = createdNanos;
        this.filters = cfg.filters();
        this.exec = new SerialExecutor(rt.workers,
                e -> rt.log.error("JetStream consumer '" + account.name() + " > " + stream.name() + " > " + name
                        + "' error: " + e), this::flushState);
        this.pub = new DeliveryPublisher(rt.stats);
        this.ackPrefix = ACK_PREFIX + stream.name() + "." + name + ".";
        if (cfg.flowControl) {
            maxpb = FLOW_CONTROL_MAX_PENDING / 16;
        }
    }

    public String name() {
        return name;
    }

    public ConsumerConfig config() {
        return cfg;
    }

    boolean isDurable() {
        return cfg.isDurable();
    }

    /** The consumer's thread, for the stream side's work on it. */
    java.util.concurrent.Executor executor() {
        return exec;
    }

    // ------------------------------------------------------------------ start, stop

    /** Picks the starting position (or restores the stored state) and subscribes. On the caller's thread. */
    void start(boolean recovered) {
        ConsumerState st = store.state();
        if (recovered && (st.deliveredStream() > 0 || st.deliveredConsumer() > 0 || st.ackFloorStream() > 0)) {
            applyState(st);
        } else {
            selectStartingSeq();
            store.setStarting(sseq);
        }
        recountPending();
        subscribe();
        if (cfg.isPush()) {
            inactiveSinceNanos = System.nanoTime();
            // the listener hears the existing interest first, then every change, under the index's lock: the set
            // it keeps is exact, where a match right after the event could still read a cached "no interest"
            interestListener = (subject, queue, weight) -> {
                if (subject.equals(cfg.deliverSubject) || Subjects.subjectMatches(cfg.deliverSubject, subject)) {
                    String key = queue == null ? subject : subject + " " + queue;
                    if (weight > 0) {
                        interest.add(key);
                    } else {
                        interest.remove(key);
                    }
                    exec.execute(this::checkInterest);
                }
            };
            account.addInterestListener(interestListener);
        }
        exec.execute(() -> {
            checkInterest();
            armTimer(System.nanoTime() + firstTimerDelay());
            pump();
        });
    }

    private long firstTimerDelay() {
        long d = Long.MAX_VALUE;
        if (cfg.heartbeatNanos > 0) {
            d = cfg.heartbeatNanos;
        }
        if (inactiveThreshold() > 0) {
            d = Math.min(d, inactiveThreshold());
        }
        return d == Long.MAX_VALUE ? TimeUnit.SECONDS.toNanos(1) : d;
    }

    private void applyState(ConsumerState st) {
        sseq = st.deliveredStream() + 1;
        dseq = st.deliveredConsumer() + 1;
        adflr = st.ackFloorConsumer();
        asflr = st.ackFloorStream();
        pending.putAll(st.pending());
        rdc.putAll(st.redelivered());
        // everything still pending when the server stopped is redelivered at once
        long now = JsTime.nowNanos();
        for (Map.Entry<Long, ConsumerState.Pending> e : st.pending().entrySet()) {
            if (e.getValue().timestampNanos() + cfg.ackWaitNanos <= now) {
                rdq.add(e.getKey());
            }
        }
    }

    private void subscribe() {
        ConsumerInbox onAck = new ConsumerInbox((subject, reply, payload) ->
                exec.execute(() -> processAck(subject, reply, payload)));
        addSub(onAck, ackPrefix + ">");
        // the v2 form: $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.>
        addSub(onAck, ACK_PREFIX + "*.*." + stream.name() + "." + name + ".>");
        if (!cfg.isPush()) {
            addSub(new ConsumerInbox((subject, reply, payload) -> {
                if (reply != null && !reply.isEmpty()) {
                    exec.execute(() -> processNextRequest(reply, payload));
                }
            }), NEXT_PREFIX + stream.name() + "." + name);
        } else {
            addSub(new ConsumerInbox((subject, reply, payload) -> {
                if (reply != null && !reply.isEmpty()) {
                    exec.execute(() -> sendStatus(reply, "NATS/1.0 409 Consumer is push based\r\n\r\n"));
                }
            }), NEXT_PREFIX + stream.name() + "." + name);
            if (cfg.flowControl) {
                addSub(new ConsumerInbox((subject, reply, payload) ->
                        exec.execute(() -> processFlowControl(subject))), FC_PREFIX + stream.name() + "." + name + ".*");
            }
        }
    }

    private void addSub(ConsumerInbox owner, String subject) {
        Subscription s = new Subscription(owner, subject, null, ("js-" + name).getBytes(StandardCharsets.US_ASCII));
        account.subscribe(s);
        subs.add(s);
    }

    /** Stops delivering and unsubscribes; {@code deleteState} removes the stored state for good. */
    CompletableFuture<Void> stop(boolean deleteState, boolean notifyWaiting) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        exec.execute(() -> {
            try {
                if (!closed) {
                    if (!deleteState) {
                        writeState();
                    }
                    closed = true;
                    for (Subscription s : subs) {
                        s.closed = true;
                        account.unsubscribe(s);
                    }
                    subs.clear();
                    if (interestListener != null) {
                        account.removeInterestListener(interestListener);
                    }
                    if (timer != null) {
                        timer.cancel(false);
                    }
                    if (notifyWaiting) {
                        for (WaitingRequest wr : waiting) {
                            sendStatus(wr.reply, "NATS/1.0 409 Consumer Deleted\r\n\r\n");
                        }
                    }
                    waiting.clear();
                    pub.flush();
                    if (deleteState) {
                        store.delete();
                    }
                }
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    boolean closed() {
        return closed;
    }

    // ------------------------------------------------------------------ starting position, num pending

    private void selectStartingSeq() {
        StreamState st = stream.store().state();
        long first = st.msgs() == 0 ? st.lastSeq() + 1 : st.firstSeq();
        long last = st.lastSeq();
        long s;
        switch (cfg.deliverPolicy) {
            case ALL -> s = first;
            case LAST -> {
                if (filters.isEmpty()) {
                    s = st.msgs() == 0 ? last + 1 : last;
                } else {
                    long l = 0;
                    for (String f : filters) {
                        StoredMessage m = stream.store().loadLast(f);
                        if (m != null) {
                            l = Math.max(l, m.seq());
                        }
                    }
                    s = l == 0 ? last + 1 : l;
                }
            }
            case NEW -> s = last + 1;
            case BY_START_SEQUENCE -> s = Math.max(first, Math.min(cfg.optStartSeq, last + 1));
            case BY_START_TIME -> {
                long t = cfg.optStartTime.getEpochSecond() * 1_000_000_000L + cfg.optStartTime.getNano();
                s = last + 1;
                for (long q = first; q <= last; ) {
                    StoredMessage m = stream.store().loadNext(null, q);
                    if (m == null) {
                        break;
                    }
                    if (m.timestampNanos() >= t) {
                        s = m.seq();
                        break;
                    }
                    q = m.seq() + 1;
                }
            }
            case LAST_PER_SUBJECT -> {
                TreeSet<Long> seqs = new TreeSet<>();
                for (String f : filters.isEmpty() ? List.of(">") : filters) {
                    for (SubjectState ss : stream.store().subjectsState(f).values()) {
                        seqs.add(ss.last());
                    }
                }
                lss.addAll(seqs);
                s = seqs.isEmpty() ? last + 1 : seqs.first();
            }
            default -> s = first;
        }
        sseq = Math.max(1, s);
        dseq = 1;
        adflr = 0;
        asflr = sseq - 1;
    }

    /** Recounts num_pending from the store (nats-server's streamNumPending). Consumer thread or start. */
    private void recountPending() {
        StreamState st = stream.store().state();
        long last = st.lastSeq();
        if (!lss.isEmpty()) {
            long n = 0;
            long max = 0;
            for (long q : lss) {
                if (q <= last && stream.store().load(q) != null) {
                    n++;
                }
                max = Math.max(max, q);
            }
            npc = n + countFrom(max + 1, last);
        } else {
            npc = countFrom(sseq, last);
        }
        npf = last;
    }

    private long countFrom(long from, long last) {
        if (from > last) {
            return 0;
        }
        if (filters.isEmpty()) {
            StreamState st = stream.store().state();
            if (from <= st.firstSeq()) {
                return Math.min(st.msgs(), st.msgs());
            }
            return walk(null, from, last);
        }
        long n = 0;
        for (String f : filters) {
            SubjectState fs = stream.store().filteredState(f);
            if (fs.msgs() == 0 || from > fs.last()) {
                continue;
            }
            n += from <= fs.first() ? fs.msgs() : walk(f, from, last);
        }
        return n;
    }

    private long walk(String filter, long from, long last) {
        long n = 0;
        for (long q = from; q <= last; ) {
            StoredMessage m = stream.store().loadNext(filter, q);
            if (m == null || m.seq() > last) {
                break;
            }
            n++;
            q = m.seq() + 1;
        }
        return n;
    }

    boolean matches(String subject) {
        if (filters.isEmpty()) {
            return true;
        }
        for (String f : filters) {
            if (Subjects.subjectMatches(subject, f)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ signals from the stream

    /** The stream stored {@code seq} on {@code subject}: any thread. */
    void stored(long seq, String subject) {
        exec.execute(() -> {
            if (closed) {
                return;
            }
            if (seq > npf) {
                if (seq >= sseq && matches(subject)) {
                    npc++;
                }
                npf = seq;
            }
            pump();
        });
    }

    /** The stream stored and flushed {@code first..last}: any thread (the stream's writer). */
    void storedRange(long first, long last) {
        exec.execute(() -> {
            if (closed) {
                return;
            }
            long from = Math.max(Math.max(first, npf + 1), sseq);
            if (from <= last) {
                if (filters.isEmpty()) {
                    npc += last - from + 1;
                } else {
                    for (String f : filters) {
                        npc += walk(f, from, last);
                    }
                }
            }
            npf = Math.max(npf, last);
            pump();
        });
    }

    /** The stream removed {@code seq} (0: several, a purge) and starts at {@code firstSeq} now. */
    void removed(long seq, long firstSeq) {
        if (seq > 0 && seq < sseq) {
            return; // already delivered: a pending one is dropped when its redelivery finds it gone
        }
        streamChanged();
    }

    /** Something changed in the stream (purge, removal): recount, and deliver what can be. */
    void streamChanged() {
        exec.execute(() -> {
            if (closed) {
                return;
            }
            StreamState st = stream.store().state();
            long first = st.msgs() == 0 ? st.lastSeq() + 1 : st.firstSeq();
            if (sseq < first) {
                sseq = first;
            }
            if (asflr < first - 1) {
                asflr = first - 1;
                pending.headMap(first).clear();
            }
            recountPending();
            pump();
        });
    }

    // ------------------------------------------------------------------ delivery

    private record Next(StoredMessage msg, boolean redelivery, boolean fromLss) {
    }

    private void pump() {
        if (closed) {
            return;
        }
        while (!closed) {
            if (cfg.isPush()) {
                // flow control: stop past the window until the client answers (nats-server's maxpb)
                if (!active || (cfg.flowControl && pbytes > maxpb)) {
                    return;
                }
            } else if (waiting.isEmpty()) {
                return;
            }
            Next next = peekNext();
            if (next == null) {
                if (!cfg.isPush()) {
                    processWaiting(true);
                }
                return;
            }
            if (cfg.replayPolicy == ConsumerConfig.ReplayPolicy.ORIGINAL && !next.redelivery && replayDelay(next.msg)) {
                return;
            }
            String target;
            WaitingRequest wr = null;
            if (cfg.isPush()) {
                target = cfg.deliverSubject;
            } else {
                wr = nextWaiting(size(next.msg));
                if (wr == null) {
                    return;
                }
                target = wr.reply;
            }
            deliver(next, target);
            if (wr != null) {
                wr.n--;
                wr.d++;
                if (wr.n <= 0) {
                    waiting.remove(wr);
                    if (wr.b > 0) {
                        sendStatus(wr.reply, "NATS/1.0 409 Batch Completed\r\nNats-Pending-Messages: " + wr.n
                                + "\r\nNats-Pending-Bytes: " + wr.b + "\r\n\r\n");
                    }
                }
            }
        }
    }

    /** Replay original: waits (on a timer) until as long after the previous message as it was stored. */
    private boolean replayDelay(StoredMessage m) {
        if (replayLastStoredNanos == 0) {
            return false;
        }
        long gap = m.timestampNanos() - replayLastStoredNanos;
        long due = replayLastWallNanos + gap;
        long now = System.nanoTime();
        if (gap > 0 && due > now) {
            armTimer(due);
            return true;
        }
        return false;
    }

    private static long size(StoredMessage m) {
        return m.subject().length() + m.header().length + m.payload().length;
    }

    private Next peekNext() {
        // redeliveries first
        for (Iterator<Long> it = rdq.iterator(); it.hasNext(); ) {
            long q = it.next();
            if (!pending.containsKey(q)) {
                it.remove();
                continue;
            }
            long dc = rdc.getOrDefault(q, 0L) + 2;
            if (cfg.maxDeliver > 0 && dc > cfg.maxDeliver) {
                it.remove();
                ConsumerState.Pending p = pending.remove(q);
                floorsAfterRemoval(p);
                continue;
            }
            StoredMessage m = stream.store().load(q);
            if (m == null) {
                it.remove();
                ConsumerState.Pending p = pending.remove(q);
                floorsAfterRemoval(p);
                continue;
            }
            return new Next(m, true, false);
        }
        if (cfg.ackPolicy != AckPolicyConfig.NONE && cfg.maxAckPending > 0 && pending.size() >= cfg.maxAckPending) {
            return null;
        }
        while (!lss.isEmpty()) {
            long q = lss.peekFirst();
            StoredMessage m = stream.store().load(q);
            if (m != null) {
                return new Next(m, false, true);
            }
            lss.pollFirst();
        }
        StoredMessage best = null;
        if (filters.isEmpty()) {
            best = stream.store().loadNext(null, sseq);
        } else {
            for (String f : filters) {
                StoredMessage m = stream.store().loadNext(f, sseq);
                if (m != null && (best == null || m.seq() < best.seq())) {
                    best = m;
                }
            }
        }
        return best == null ? null : new Next(best, false, false);
    }

    private void floorsAfterRemoval(ConsumerState.Pending p) {
        if (pending.isEmpty() && p != null) {
            adflr = dseq - 1;
            asflr = sseq - 1;
        }
    }

    private void deliver(Next next, String target) {
        StoredMessage m = next.msg;
        long seq = m.seq();
        long dc;
        long cs = dseq++;
        long now = JsTime.nowNanos();
        if (next.redelivery) {
            rdq.remove(seq);
            long r = rdc.getOrDefault(seq, 0L) + 1;
            rdc.put(seq, r);
            dc = r + 1;
        } else {
            dc = 1;
            if (next.fromLss) {
                lss.pollFirst();
            }
            if (seq > npf) {
                npf = seq;
            } else if (npc > 0) {
                npc--;
            }
        }
        AckPolicyConfig ap = cfg.ackPolicy;
        if (ap != AckPolicyConfig.NONE) {
            pending.put(seq, new ConsumerState.Pending(cs, now));
        }
        if (!next.redelivery) {
            sseq = Math.max(sseq, seq + 1);
        }
        if (ap == AckPolicyConfig.NONE) {
            adflr = cs;
            asflr = seq;
        }
        dirty = true;
        lastDeliveredWall = now;
        lastDeliveryNanos = System.nanoTime();
        replayLastStoredNanos = m.timestampNanos();
        replayLastWallNanos = lastDeliveryNanos;
        String reply = ackPrefix + dc + "." + seq + "." + cs + "." + m.timestampNanos() + "." + npc;
        byte[] hdr = m.header();
        byte[] payload = m.payload();
        if (cfg.headersOnly) {
            hdr = headersOnly(hdr, payload.length);
            payload = null;
        }
        pub.publish(account, target, m.subject(), reply, hdr, payload);
        if (cfg.flowControl) {
            long sz = size(m) + reply.length();
            pbytes += sz;
            if (fcid.isEmpty() && pbytes > maxpb / 2) {
                sendFlowControl();
            } else if (!fcid.isEmpty() && pbytes - fcsz >= maxpb) {
                fcsz += sz;
            }
        }
        if (ap != AckPolicyConfig.NONE) {
            ensureTimer(System.nanoTime() + ackWaitFor(dc) + 1_000_000);
        }
        if (ap == AckPolicyConfig.NONE && stream.retention() != StreamHandle.Retention.LIMITS) {
            owner.acked(this, seq, seq);
        }
    }

    static byte[] headersOnly(byte[] hdr, int size) {
        String h = hdr == null || hdr.length == 0 ? "NATS/1.0\r\n"
                : new String(hdr, 0, hdr.length - 2, StandardCharsets.ISO_8859_1);
        return (h + "Nats-Msg-Size: " + size + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private long ackWaitFor(long dc) {
        List<Long> bo = cfg.backoffNanos;
        if (!bo.isEmpty()) {
            int i = (int) Math.min(Math.max(dc - 1, 0), bo.size() - 1);
            return bo.get(i);
        }
        return cfg.ackWaitNanos;
    }

    private void sendStatus(String subject, String header) {
        pub.publish(account, subject, subject, null, header.getBytes(StandardCharsets.ISO_8859_1), null);
    }

    private void sendFlowControl() {
        String reply = FC_PREFIX + stream.name() + "." + name + "." + random.next();
        fcsz = pbytes;
        fcid = reply;
        pub.publish(account, cfg.deliverSubject, cfg.deliverSubject, reply,
                "NATS/1.0 100 FlowControl Request\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), null);
    }

    private void processFlowControl(String subject) {
        if (closed || !subject.equals(fcid)) {
            return;
        }
        if (maxpb < FLOW_CONTROL_MAX_PENDING) {
            maxpb = Math.min(maxpb * 2, FLOW_CONTROL_MAX_PENDING);
        }
        pbytes = Math.max(0, pbytes - fcsz);
        fcid = "";
        fcsz = 0;
        pump();
    }

    private void sendIdleHeartbeat(String subject) {
        StringBuilder h = new StringBuilder("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: ").append(dseq - 1)
                .append("\r\nNats-Last-Stream: ").append(sseq - 1).append("\r\n");
        if (!fcid.isEmpty()) {
            h.append("Nats-Consumer-Stalled: ").append(fcid).append("\r\n");
        }
        h.append("\r\n");
        pub.publish(account, subject, subject, null, h.toString().getBytes(StandardCharsets.ISO_8859_1), null);
    }

    // ------------------------------------------------------------------ push interest

    private void checkInterest() {
        if (closed || !cfg.isPush()) {
            return;
        }
        boolean now = !interest.isEmpty();
        if (now == active) {
            return;
        }
        active = now;
        if (now) {
            pump();
        } else {
            inactiveSinceNanos = System.nanoTime();
            if (inactiveThreshold() > 0) {
                ensureTimer(System.nanoTime() + inactiveThreshold());
            }
        }
    }

    boolean pushBound() {
        return cfg.isPush() && active;
    }

    private long inactiveThreshold() {
        return cfg.inactiveThresholdNanos;
    }

    // ------------------------------------------------------------------ pull requests

    private void processNextRequest(String reply, byte[] payload) {
        if (closed) {
            return;
        }
        if (cfg.isPush()) {
            sendStatus(reply, "NATS/1.0 409 Consumer is push based\r\n\r\n");
            return;
        }
        long now = System.nanoTime();
        lastRequestNanos = now;
        int batch = 1;
        long maxBytes = 0;
        boolean noWait = false;
        long expires = 0;
        long hb = 0;
        String body = payload == null ? "" : new String(payload, StandardCharsets.UTF_8).trim();
        if (!body.isEmpty()) {
            if (body.charAt(0) == '{') {
                try {
                    JsonNode n = JSON.readTree(body);
                    batch = n.path("batch").asInt(0);
                    expires = n.path("expires").asLong(0);
                    maxBytes = n.path("max_bytes").asLong(0);
                    noWait = n.path("no_wait").asBoolean(false);
                    hb = n.path("idle_heartbeat").asLong(0);
                    if (hb > 0 && hb * 2 > expires) {
                        sendStatus(reply, "NATS/1.0 400 Bad Request - heartbeat value too large\r\n\r\n");
                        return;
                    }
                } catch (java.io.IOException e) {
                    sendStatus(reply, "NATS/1.0 400 Bad Request - " + goJsonError(e) + "\r\n\r\n");
                    return;
                }
            } else {
                try {
                    batch = Integer.parseInt(body);
                } catch (NumberFormatException e) {
                    batch = 1;
                }
            }
        }
        ConsumerConfig c = cfg;
        if (c.maxRequestBatch > 0 && batch > c.maxRequestBatch) {
            sendStatus(reply, "NATS/1.0 409 Exceeded MaxRequestBatch of " + c.maxRequestBatch + "\r\n\r\n");
            return;
        }
        if (expires > 0 && c.maxRequestExpiresNanos > 0 && expires > c.maxRequestExpiresNanos) {
            sendStatus(reply, "NATS/1.0 409 Exceeded MaxRequestExpires of " + GoDuration.format(c.maxRequestExpiresNanos)
                    + "\r\n\r\n");
            return;
        }
        if (maxBytes > 0 && c.maxRequestMaxBytes > 0 && maxBytes > c.maxRequestMaxBytes) {
            sendStatus(reply, "NATS/1.0 409 Exceeded MaxRequestMaxBytes of " + c.maxRequestMaxBytes + "\r\n\r\n");
            return;
        }
        if (waiting.size() >= c.maxWaiting) {
            processWaiting(false);
        }
        if (noWait) {
            long msgsPending = npc + rdq.size();
            if (msgsPending == 0 && expires == 0) {
                sendStatus(reply, "NATS/1.0 404 No Messages\r\n\r\n");
                return;
            }
            if (msgsPending > 0) {
                long batchPending = processWaiting(false);
                if (msgsPending < batchPending) {
                    sendStatus(reply, "NATS/1.0 408 Requests Pending\r\n\r\n");
                    return;
                }
            }
        }
        if (waiting.size() >= c.maxWaiting) {
            sendStatus(reply, "NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n");
            return;
        }
        WaitingRequest wr = new WaitingRequest(reply, batch, maxBytes, noWait, expires > 0 ? now + expires : 0, hb, now);
        waiting.add(wr);
        if (wr.expiresNanos > 0) {
            ensureTimer(wr.expiresNanos);
        }
        if (wr.nextHeartbeatNanos > 0) {
            ensureTimer(wr.nextHeartbeatNanos);
        }
        pump();
        if (noWait && waiting.contains(wr) && wr.d == 0 && npc + rdq.size() == 0 && expires == 0) {
            waiting.remove(wr);
            sendStatus(reply, "NATS/1.0 404 No Messages\r\n\r\n");
        }
    }

    private static String goJsonError(java.io.IOException e) {
        return "invalid character in request";
    }

    /** The next request that can take a message of {@code size} bytes, or null (nats-server's nextWaiting). */
    private WaitingRequest nextWaiting(long size) {
        long now = System.nanoTime();
        while (!waiting.isEmpty()) {
            WaitingRequest wr = waiting.peekFirst();
            if (wr.b > 0) {
                if (size <= wr.b) {
                    wr.b -= size;
                    if (wr.b == 0) {
                        wr.n = 1;
                    }
                } else {
                    sendStatus(wr.reply, "NATS/1.0 409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: " + wr.n
                            + "\r\nNats-Pending-Bytes: " + wr.b + "\r\n\r\n");
                    waiting.pollFirst();
                    continue;
                }
            }
            if (wr.expiresNanos == 0 || now < wr.expiresNanos) {
                if (DeliveryPublisher.hasInterest(account, wr.reply)) {
                    return wr;
                }
            } else {
                sendStatus(wr.reply, timeout(wr));
            }
            waiting.pollFirst();
        }
        return null;
    }

    private static String timeout(WaitingRequest wr) {
        return "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: " + wr.n + "\r\nNats-Pending-Bytes: " + wr.b
                + "\r\n\r\n";
    }

    /**
     * Expires requests, drops those without interest, sends request heartbeats (nats-server's processWaiting);
     * at the end of the stream ({@code eos}) a no_wait request that got something is done. Returns the messages
     * the remaining requests still want.
     */
    private long processWaiting(boolean eos) {
        long now = System.nanoTime();
        long batchPending = 0;
        for (Iterator<WaitingRequest> it = waiting.iterator(); it.hasNext(); ) {
            WaitingRequest wr = it.next();
            if ((eos && wr.noWait && wr.d > 0) || (wr.expiresNanos > 0 && now >= wr.expiresNanos)) {
                sendStatus(wr.reply, timeout(wr));
                it.remove();
                continue;
            }
            if (eos && wr.noWait && wr.d == 0 && wr.expiresNanos == 0) {
                sendStatus(wr.reply, "NATS/1.0 404 No Messages\r\n\r\n");
                it.remove();
                continue;
            }
            if (!DeliveryPublisher.hasInterest(account, wr.reply)) {
                it.remove();
                continue;
            }
            batchPending += wr.n;
            if (wr.nextHeartbeatNanos > 0 && now >= wr.nextHeartbeatNanos) {
                sendIdleHeartbeat(wr.reply);
                wr.nextHeartbeatNanos = now + wr.heartbeatNanos;
            }
        }
        return batchPending;
    }

    // ------------------------------------------------------------------ acks

    private void processAck(String subject, String reply, byte[] payload) {
        if (closed) {
            return;
        }
        AckSubject a = AckSubject.parse(subject);
        if (a == null || !a.stream().equals(stream.name()) || !a.consumer().equals(name)) {
            return;
        }
        String body = payload == null ? "" : new String(payload, StandardCharsets.UTF_8);
        boolean replyToAck = reply != null && !reply.isEmpty();
        // nats-server answers an ack of an ack-none consumer on a limits stream with nothing
        boolean silent = cfg.ackPolicy == AckPolicyConfig.NONE && stream.retention() == StreamHandle.Retention.LIMITS;
        if (body.isEmpty() || body.equals("+ACK") || body.equals("+OK")) {
            replyToAck &= !silent;
            ackMsg(a.streamSeq(), a.consumerSeq());
        } else if (body.startsWith("+NXT")) {
            ackMsg(a.streamSeq(), a.consumerSeq());
            replyToAck = false;
            if (reply != null && !reply.isEmpty()) {
                processNextRequest(reply, body.substring(4).getBytes(StandardCharsets.UTF_8));
            }
        } else if (body.startsWith("-NAK")) {
            nak(a, body.substring(4).trim());
        } else if (body.equals("+WPI")) {
            ConsumerState.Pending p = pending.get(a.streamSeq());
            if (p != null) {
                long now = JsTime.nowNanos();
                pending.put(a.streamSeq(), new ConsumerState.Pending(p.consumerSeq(), now));
                dirty = true;
            }
        } else if (body.startsWith("+TERM")) {
            replyToAck &= !silent;
            ackMsg(a.streamSeq(), a.consumerSeq());
        }
        if (replyToAck) {
            ackReplies.add(reply); // answered once the state is written (flushState)
        }
    }

    private void nak(AckSubject a, String arg) {
        long seq = a.streamSeq();
        if (a.consumerSeq() <= adflr || a.consumerSeq() >= dseq) {
            return;
        }
        ConsumerState.Pending p = pending.get(seq);
        if (p == null) {
            return;
        }
        if (!arg.isEmpty()) {
            long delay = -1;
            try {
                if (arg.charAt(0) == '{') {
                    delay = JSON.readTree(arg).path("delay").asLong(0);
                } else {
                    delay = GoDuration.parse(arg);
                }
            } catch (Exception e) {
                rt.log.warn("JetStream consumer '" + account.name() + " > " + stream.name() + " > " + name
                        + "' bad NAK delay value: \"" + arg + "\"");
            }
            if (delay >= 0) {
                rdq.remove(seq);
                long ts = JsTime.nowNanos() - cfg.ackWaitNanos + delay;
                pending.put(seq, new ConsumerState.Pending(p.consumerSeq(), ts));
                dirty = true;
                ensureTimer(System.nanoTime() + delay + 1_000_000);
                return;
            }
        }
        rdq.add(seq);
        pump();
    }

    private void ackMsg(long seq, long cseq) {
        AckPolicyConfig ap = cfg.ackPolicy;
        if (ap == AckPolicyConfig.NONE) {
            return;
        }
        long low = seq;
        long high = seq;
        if (ap == AckPolicyConfig.EXPLICIT) {
            ConsumerState.Pending p = pending.remove(seq);
            if (p == null) {
                rdq.remove(seq);
                return;
            }
            boolean wasFull = cfg.maxAckPending > 0 && pending.size() + 1 >= cfg.maxAckPending;
            rdc.remove(seq);
            rdq.remove(seq);
            long d = p.consumerSeq();
            if (pending.isEmpty()) {
                adflr = dseq - 1;
                asflr = sseq - 1;
            } else if (d == adflr + 1) {
                adflr = d;
                asflr = seq;
                Map.Entry<Long, ConsumerState.Pending> nx = pending.firstEntry();
                if (nx != null && nx.getValue().consumerSeq() > 0) {
                    adflr = nx.getValue().consumerSeq() - 1;
                    asflr = nx.getKey() - 1;
                }
            }
            dirty = true;
            if (wasFull) {
                pump();
            }
        } else {
            if (cseq <= adflr || seq <= asflr) {
                return;
            }
            boolean wasFull = cfg.maxAckPending > 0 && pending.size() >= cfg.maxAckPending;
            low = asflr + 1;
            adflr = cseq;
            asflr = seq;
            pending.headMap(seq, true).clear();
            rdc.keySet().removeIf(q -> q <= seq);
            rdq.removeIf(q -> q <= seq);
            dirty = true;
            if (wasFull) {
                pump();
            }
        }
        lastAckWall = JsTime.nowNanos();
        if (stream.retention() != StreamHandle.Retention.LIMITS) {
            owner.acked(this, low, high);
        }
    }

    /**
     * Writes the consumer's state once for everything its thread did since the last write (group commit: one
     * store write, one fsync in file storage), then answers the acks that asked for a reply: an answered ack is
     * on disk. Called by the serial executor at the end of each batch of tasks.
     */
    private void flushState() {
        pub.flush();
        if (ackReplies.isEmpty() && dirty && !closed) {
            // nobody waits for this state: write it a little later, together with what follows
            if (!flushScheduled) {
                flushScheduled = true;
                try {
                    rt.timers.schedule(() -> exec.execute(() -> {
                        flushScheduled = false;
                        writeState();
                    }), STATE_WRITE_DELAY_MS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    flushScheduled = false;
                    writeState();
                }
            }
            return;
        }
        writeState();
    }

    private void writeState() {
        if (dirty && !closed) {
            dirty = false;
            store.update(new ConsumerState(dseq - 1, sseq - 1, adflr, asflr, new java.util.TreeMap<>(pending),
                    new java.util.TreeMap<>(rdc)));
        }
        if (!ackReplies.isEmpty()) {
            for (String r : ackReplies) {
                pub.publish(account, r, r, null, null, null);
            }
            ackReplies.clear();
            pub.flush();
        }
    }

    /**
     * Does this consumer still need message {@code seq} (interest retention)? Any thread: reads the concurrent
     * pending map and the volatile floors.
     */
    boolean needsAck(long seq, String subject) {
        if (subject != null && !matches(subject)) {
            return false;
        }
        if (seq <= asflr) {
            return false;
        }
        if (cfg.ackPolicy != AckPolicyConfig.EXPLICIT) {
            return true;
        }
        if (seq >= sseq) {
            return true;
        }
        return pending.containsKey(seq);
    }

    // ------------------------------------------------------------------ timers

    private void ensureTimer(long atNanos) {
        if (closed) {
            return;
        }
        if (timer != null && !timer.isDone() && timerAtNanos <= atNanos) {
            return;
        }
        armTimer(atNanos);
    }

    private void armTimer(long atNanos) {
        if (timer != null) {
            timer.cancel(false);
        }
        timerAtNanos = atNanos;
        long delay = Math.max(0, atNanos - System.nanoTime());
        try {
            timer = rt.timers.schedule(() -> exec.execute(this::onTimer), delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            timer = null;
        }
    }

    private void onTimer() {
        if (closed) {
            return;
        }
        timer = null;
        long now = System.nanoTime();
        long next = now + TimeUnit.SECONDS.toNanos(1);
        // redeliveries after ack wait (nats-server's checkPending)
        if (!pending.isEmpty()) {
            long wall = JsTime.nowNanos();
            List<Long> expired = new ArrayList<>();
            for (Map.Entry<Long, ConsumerState.Pending> e : pending.entrySet()) {
                long q = e.getKey();
                long dc = rdc.getOrDefault(q, 0L) + 1;
                long due = e.getValue().timestampNanos() + ackWaitFor(dc);
                if (due <= wall) {
                    if (!rdq.contains(q)) {
                        expired.add(q);
                    }
                } else {
                    next = Math.min(next, now + (due - wall) + 1_000_000);
                }
            }
            rdq.addAll(expired);
        }
        if (cfg.isPush()) {
            if (cfg.heartbeatNanos > 0) {
                if (active && now - lastDeliveryNanos >= cfg.heartbeatNanos - 1_000_000) {
                    sendIdleHeartbeat(cfg.deliverSubject);
                    lastDeliveryNanos = now;
                }
                next = Math.min(next, lastDeliveryNanos + cfg.heartbeatNanos);
            }
            if (!active && inactiveThreshold() > 0) {
                if (now - inactiveSinceNanos >= inactiveThreshold()) {
                    owner.deleteInactive(this);
                    return;
                }
                next = Math.min(next, inactiveSinceNanos + inactiveThreshold());
            }
        } else {
            processWaiting(false);
            for (WaitingRequest wr : waiting) {
                if (wr.expiresNanos > 0) {
                    next = Math.min(next, wr.expiresNanos);
                }
                if (wr.nextHeartbeatNanos > 0) {
                    next = Math.min(next, wr.nextHeartbeatNanos);
                }
            }
            if (inactiveThreshold() > 0 && waiting.isEmpty()) {
                if (now - lastRequestNanos >= inactiveThreshold()) {
                    owner.deleteInactive(this);
                    return;
                }
                next = Math.min(next, lastRequestNanos + inactiveThreshold());
            } else if (inactiveThreshold() > 0) {
                lastRequestNanos = now;
            }
        }
        armTimer(Math.max(next, now + 1_000_000));
        pump();
    }

    // ------------------------------------------------------------------ config update, info

    /** Applies an allowed update (checked by the caller). */
    CompletableFuture<Void> update(ConsumerConfig n) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        exec.execute(() -> {
            cfg = n;
            done.complete(null);
            pump();
        });
        return done;
    }

    /** The {@code ConsumerInfo} JSON, computed on the consumer's thread. */
    CompletableFuture<ObjectNode> info() {
        CompletableFuture<ObjectNode> f = new CompletableFuture<>();
        exec.execute(() -> {
            try {
                f.complete(infoNow());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private ObjectNode infoNow() {
        if (!closed) {
            recountPending();
        }
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("stream_name", stream.name());
        o.put("name", name);
        o.put("created", JsTime.formatNanos(createdNanos));
        o.set("config", cfg.toJson());
        ObjectNode d = o.putObject("delivered");
        d.put("consumer_seq", dseq - 1);
        d.put("stream_seq", sseq - 1);
        if (lastDeliveredWall != 0) {
            d.put("last_active", JsTime.formatNanos(lastDeliveredWall));
        }
        ObjectNode af = o.putObject("ack_floor");
        af.put("consumer_seq", adflr);
        af.put("stream_seq", asflr);
        if (lastAckWall != 0) {
            af.put("last_active", JsTime.formatNanos(lastAckWall));
        }
        o.put("num_ack_pending", pending.size());
        o.put("num_redelivered", rdc.size());
        if (!cfg.isPush()) {
            processWaiting(false);
        }
        o.put("num_waiting", waiting.size());
        o.put("num_pending", npc);
        o.putObject("cluster").put("leader", stream.serverName());
        if (pushBound()) {
            o.put("push_bound", true);
        }
        o.put("ts", JsTime.format(Instant.now()));
        return o;
    }

    /** Four random base-62 characters, as nats-server's flow-control reply suffix. */
    private static final class Random4 {
        private static final String DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

        String next() {
            long n = ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
            char[] c = new char[4];
            for (int i = 0; i < 4; i++) {
                c[i] = DIGITS.charAt((int) (n % 62));
                n /= 62;
            }
            return new String(c);
        }
    }
}
