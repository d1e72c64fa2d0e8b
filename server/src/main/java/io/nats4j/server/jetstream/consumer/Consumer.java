package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.consumer.ConsumerConfig.AckPolicyConfig;
import io.nats4j.server.jetstream.store.ConsumerState;
import io.nats4j.server.jetstream.store.ConsumerStore;
import io.nats4j.server.jetstream.store.StoredMessage;
import io.nats4j.server.jetstream.store.StreamState;
import io.nats4j.server.subject.InterestListener;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One consumer of a stream (nats-server's {@code consumer}): picks the next message, delivers it to the deliver
 * subject (push) or to a waiting pull request, tracks pending acks and redeliveries, and persists its state
 * through its {@link ConsumerStore}. Its roles beside it: {@link DeliveryState} (sequences, pending, ack rules),
 * {@link StreamPosition} (starting sequence, {@code num_pending}), {@link PullRequests} (the waiting queue),
 * {@link PushFlowControl}.
 *
 * <h2>Threading</h2>
 * Everything that reads or changes the delivery state runs on the consumer's {@link SerialExecutor} (a virtual
 * thread at a time, never an event loop): acks, pull requests and flow-control replies arrive as internal
 * subscriptions (copied on the publisher's thread, then queued), "message stored" signals come from the stream's
 * writer, timers from the runtime's timer thread. The only state read from other threads is what
 * {@link #needsAck} reads for interest retention (see {@link DeliveryState}).
 */
public final class Consumer {

    static final String ACK_PREFIX = "$JS.ACK.";
    static final String FC_PREFIX = "$JS.FC.";
    static final String NEXT_PREFIX = "$JS.API.CONSUMER.MSG.NEXT.";

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
    private final byte[] ackPrefixBytes;
    private final DeliveryState st = new DeliveryState();
    private final StreamPosition position;
    private final PullRequests requests;
    private final PushFlowControl flow;
    private final ConsumerAcks acks;
    /** Push only: {@code rate_limit_bps}, or null. */
    private DeliveryRateLimit rateLimit;

    private long lastDeliveryNanos = System.nanoTime();
    /** Push: is there interest on the deliver subject. */
    private volatile boolean active;
    private volatile boolean closed;
    private long inactiveSinceNanos = System.nanoTime();
    /** Replay original: the stored time and wall time of the previous delivery. */
    private long replayLastStoredNanos;
    private long replayLastWallNanos;
    // timers
    private ScheduledFuture<?> timer;
    private long timerAtNanos;
    private final List<Subscription> subs = new ArrayList<>();
    private InterestListener interestListener;
    /** Push: the (subject, queue) interests that match the deliver subject, kept by the interest listener. */
    private final java.util.Set<String> interest = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
                        + "' error: " + e), this::batchEnd);
        this.pub = new DeliveryPublisher(rt.stats);
        this.ackPrefix = ACK_PREFIX + stream.name() + "." + name + ".";
        this.ackPrefixBytes = ackPrefix.getBytes(StandardCharsets.UTF_8);
        this.position = new StreamPosition(stream, filters);
        this.requests = new PullRequests(this, account);
        this.flow = new PushFlowControl(FC_PREFIX + stream.name() + "." + name + ".");
        this.acks = new ConsumerAcks(this, st, stream, store, pub, rt);
        this.rateLimit = cfg.isPush() ? DeliveryRateLimit.of(cfg.rateLimitBps, stream.maxMessageBytes()) : null;
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
        ConsumerState s = store.state();
        if (recovered && (s.deliveredStream() > 0 || s.deliveredConsumer() > 0 || s.ackFloorStream() > 0)) {
            st.apply(s, cfg.ackWaitNanos);
        } else {
            position.selectStart(cfg, st);
            store.setStarting(st.sseq);
        }
        position.recount(st);
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

    private void subscribe() {
        ConsumerInbox onAck = new ConsumerInbox((subject, reply, payload) ->
                exec.execute(() -> acks.onAck(subject, reply, payload)));
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
                        acks.writeState();
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
                    requests.clear(notifyWaiting);
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

    /** Messages waiting to go: not delivered yet plus redeliveries due. Consumer thread. */
    long msgsPending() {
        return st.msgsPending();
    }

    // ------------------------------------------------------------------ signals from the stream

    /** The stream stored {@code seq} on {@code subject}: any thread. */
    void stored(long seq, String subject) {
        exec.execute(() -> {
            if (closed) {
                return;
            }
            if (seq > st.npf) {
                if (seq >= st.sseq && matches(subject)) {
                    st.npc++;
                }
                st.npf = seq;
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
            position.countStored(st, first, last);
            pump();
        });
    }

    /** The stream removed {@code seq} (0: several, a purge) and starts at {@code firstSeq} now. */
    void removed(long seq, long firstSeq) {
        if (seq > 0 && seq < st.sseq) {
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
            StreamState ss = stream.store().state();
            st.streamStartsAt(ss.msgs() == 0 ? ss.lastSeq() + 1 : ss.firstSeq());
            position.recount(st);
            pump();
        });
    }

    // ------------------------------------------------------------------ delivery

    private record Next(StoredMessage msg, boolean redelivery, boolean fromLss) {
    }

    void pump() {
        if (closed) {
            return;
        }
        while (!closed) {
            if (cfg.isPush()) {
                // flow control: stop past the window until the client answers (nats-server's maxpb)
                if (!active || (cfg.flowControl && flow.blocked())) {
                    return;
                }
            } else if (requests.isEmpty()) {
                return;
            }
            Next next = peekNext();
            if (next == null) {
                if (!cfg.isPush()) {
                    requests.process(true);
                }
                return;
            }
            if (cfg.replayPolicy == ConsumerConfig.ReplayPolicy.ORIGINAL && !next.redelivery && replayDelay(next.msg)) {
                return;
            }
            if (rateLimit != null) {
                long now = System.nanoTime();
                long wait = rateLimit.waitNanos(now, size(next.msg) + ackPrefix.length() + 48);
                if (wait > 0) {
                    ensureTimer(now + wait);
                    return;
                }
            }
            String target;
            WaitingRequest wr = null;
            if (cfg.isPush()) {
                target = cfg.deliverSubject;
            } else {
                wr = requests.next(size(next.msg));
                if (wr == null) {
                    return;
                }
                target = wr.reply;
            }
            deliver(next, target);
            if (wr != null) {
                requests.delivered(wr);
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
        for (Iterator<Long> it = st.rdq.iterator(); it.hasNext(); ) {
            long q = it.next();
            if (!st.pending.containsKey(q)) {
                it.remove();
                continue;
            }
            long dc = st.rdc.getOrDefault(q, 0L) + 2;
            if (cfg.maxDeliver > 0 && dc > cfg.maxDeliver) {
                it.remove();
                st.dropPending(q);
                if (dc == cfg.maxDeliver + 1) {
                    acks.maxDeliveries(q, dc - 1);
                }
                continue;
            }
            StoredMessage m = stream.store().load(q);
            if (m == null) {
                it.remove();
                st.dropPending(q);
                continue;
            }
            return new Next(m, true, false);
        }
        if (cfg.ackPolicy != AckPolicyConfig.NONE && cfg.maxAckPending > 0 && st.pending.size() >= cfg.maxAckPending) {
            return null;
        }
        while (!st.lss.isEmpty()) {
            long q = st.lss.peekFirst();
            StoredMessage m = stream.store().load(q);
            if (m != null) {
                return new Next(m, false, true);
            }
            st.lss.pollFirst();
        }
        StoredMessage best = null;
        if (filters.isEmpty()) {
            best = stream.store().loadNext(null, st.sseq);
        } else {
            for (String f : filters) {
                StoredMessage m = stream.store().loadNext(f, st.sseq);
                if (m != null && (best == null || m.seq() < best.seq())) {
                    best = m;
                }
            }
        }
        return best == null ? null : new Next(best, false, false);
    }

    private void deliver(Next next, String target) {
        StoredMessage m = next.msg;
        long seq = m.seq();
        AckPolicyConfig ap = cfg.ackPolicy;
        long cs = st.dseq;
        long dc = st.delivered(seq, next.redelivery, next.fromLss, ap == AckPolicyConfig.NONE, JsTime.nowNanos());
        lastDeliveryNanos = System.nanoTime();
        replayLastStoredNanos = m.timestampNanos();
        replayLastWallNanos = lastDeliveryNanos;
        byte[] hdr = m.header();
        byte[] payload = m.payload();
        if (cfg.headersOnly) {
            hdr = headersOnly(hdr, payload.length);
            payload = null;
        }
        int replyLength = pub.publishWithAck(account, target, m.subject(), ackPrefixBytes, dc, seq, cs,
                m.timestampNanos(), st.npc, hdr, payload);
        if (cfg.flowControl) {
            String fc = flow.delivered(size(m) + replyLength);
            if (fc != null) {
                pub.publish(account, cfg.deliverSubject, cfg.deliverSubject, fc, PushFlowControl.REQUEST, null);
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

    void sendStatus(String subject, String header) {
        pub.publish(account, subject, subject, null, header.getBytes(StandardCharsets.ISO_8859_1), null);
    }

    private void processFlowControl(String subject) {
        if (!closed && flow.answered(subject)) {
            pump();
        }
    }

    void sendIdleHeartbeat(String subject) {
        StringBuilder h = new StringBuilder("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: ").append(st.dseq - 1)
                .append("\r\nNats-Last-Stream: ").append(st.sseq - 1).append("\r\n");
        String stalled = flow.outstanding();
        if (!stalled.isEmpty()) {
            h.append("Nats-Consumer-Stalled: ").append(stalled).append("\r\n");
        }
        h.append("\r\n");
        pub.publish(account, subject, subject, null, h.toString().getBytes(StandardCharsets.ISO_8859_1), null);
    }

    void processNextRequest(String reply, byte[] payload) {
        if (!closed) {
            requests.onRequest(reply, payload);
        }
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

    // ------------------------------------------------------------------ acks

    /** The end of a batch of the consumer's work: flush deliveries, write the state (group commit). */
    private void batchEnd() {
        acks.flushState();
    }

    /** Consumer {@code low..high} acknowledged (interest and work-queue retention). */
    void acked(long low, long high) {
        owner.acked(this, low, high);
    }

    /**
     * Does this consumer still need message {@code seq} (interest retention)? Any thread: reads the concurrent
     * pending map and the volatile floors.
     */
    boolean needsAck(long seq, String subject) {
        if (subject != null && !matches(subject)) {
            return false;
        }
        return st.needsAck(seq, cfg.ackPolicy == AckPolicyConfig.EXPLICIT);
    }

    // ------------------------------------------------------------------ timers

    void ensureTimer(long atNanos) {
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
        if (!st.pending.isEmpty()) {
            long wall = JsTime.nowNanos();
            List<Long> expired = new ArrayList<>();
            for (Map.Entry<Long, ConsumerState.Pending> e : st.pending.entrySet()) {
                long q = e.getKey();
                long dc = st.rdc.getOrDefault(q, 0L) + 1;
                long due = e.getValue().timestampNanos() + ackWaitFor(dc);
                if (due <= wall) {
                    if (!st.rdq.contains(q) && !acks.reachedMaxDeliveries(q, dc)) {
                        expired.add(q);
                    }
                } else {
                    next = Math.min(next, now + (due - wall) + 1_000_000);
                }
            }
            st.rdq.addAll(expired);
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
            requests.process(false);
            for (WaitingRequest wr : requests.all()) {
                if (wr.expiresNanos > 0) {
                    next = Math.min(next, wr.expiresNanos);
                }
                if (wr.nextHeartbeatNanos > 0) {
                    next = Math.min(next, wr.nextHeartbeatNanos);
                }
            }
            if (inactiveThreshold() > 0 && requests.isEmpty()) {
                if (now - requests.lastRequestNanos >= inactiveThreshold()) {
                    owner.deleteInactive(this);
                    return;
                }
                next = Math.min(next, requests.lastRequestNanos + inactiveThreshold());
            } else if (inactiveThreshold() > 0) {
                requests.lastRequestNanos = now;
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
            if (n.rateLimitBps != cfg.rateLimitBps) {
                rateLimit = n.isPush() ? DeliveryRateLimit.of(n.rateLimitBps, stream.maxMessageBytes()) : null;
            }
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
            position.recount(st);
        }
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("stream_name", stream.name());
        o.put("name", name);
        o.put("created", JsTime.formatNanos(createdNanos));
        o.set("config", cfg.toJson());
        st.putInfo(o);
        if (!cfg.isPush()) {
            requests.process(false);
        }
        o.put("num_waiting", requests.size());
        o.put("num_pending", st.npc);
        o.putObject("cluster").put("leader", stream.serverName());
        if (pushBound()) {
            o.put("push_bound", true);
        }
        o.put("ts", JsTime.format(Instant.now()));
        return o;
    }
}
