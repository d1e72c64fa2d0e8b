package io.nats4j.server.auth;

import io.nats4j.server.connection.ImportRelay;
import io.nats4j.server.subject.InterestListener;
import io.nats4j.server.subject.Sublist;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A subject namespace. Every connection belongs to exactly one account and messages never leave it except
 * through exports and imports: an import is an internal subscription ({@link ImportRelay}) in the account a
 * message starts in, which re-publishes it into the other account. Without configured accounts everyone is
 * in {@link #GLOBAL}.
 */
public final class Account {

    /** nats-server's name for the default account. */
    public static final String GLOBAL = "$G";
    /** Prefix of the reply subjects that carry service responses back across accounts. */
    public static final String SERVICE_REPLY_PREFIX = "_R_.";
    /** nats-server's default response threshold of a service export. */
    public static final Duration DEFAULT_RESPONSE_THRESHOLD = Duration.ofMinutes(2);

    private static final String ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final byte[] ALPHANUM_BYTES = ALPHANUM.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Random characters after the prefix of a mapped service reply ({@code _R_.<prefix>.<token>}). */
    private static final int REPLY_TOKEN_LENGTH = 10;
    private static final long DEFAULT_RESPONSE_THRESHOLD_NANOS = DEFAULT_RESPONSE_THRESHOLD.toNanos();

    private final String name;
    private final Sublist sublist;
    private final AtomicInteger connections = new AtomicInteger();
    /** Replaced as a whole (operator mode claim updates), so readers need no lock. */
    private volatile List<AccountConfig.Export> exports = List.of();
    /** -1 = unlimited. Changed by account JWT updates while clients connect. */
    private volatile int maxConnections = -1;
    private volatile int maxSubscriptions = -1;
    private volatile int maxPayload = -1;
    /** Set when a config reload removed the account (its object is never reused after that). */
    private volatile boolean removed;

    // service responses leaving this (exporting) account: created with the first service import
    private volatile String replyPrefix;
    private volatile byte[] replyPrefixBytes;
    private final ConcurrentHashMap<ResponseKey, PendingResponse> responses = new ConcurrentHashMap<>();

    /**
     * A request that crossed into this account through a service import and awaits its response(s);
     * {@code reply} is the requester's own reply subject.
     */
    private record PendingResponse(Account requester, byte[] reply, AccountConfig.ResponseType type, long expiresNanos) {
    }

    public Account(String name) {
        this(name, true);
    }

    /** @param sublistCache false for nats-server's {@code disable_sublist_cache} */
    public Account(String name, boolean sublistCache) {
        this(name, sublistCache ? new Sublist() : new Sublist(0));
    }

    /**
     * An account over an existing subject index: a config reload rebuilds the accounts and hands each one
     * that still exists its old sublist, so the subscriptions of connected clients (and internal ones) stay.
     */
    public Account(String name, Sublist sublist) {
        this.name = name;
        this.sublist = sublist;
    }

    /** This account's JetStream limits from config or its JWT; null when it has none configured. */
    private volatile io.nats4j.server.jetstream.JsLimits jetStreamLimits;

    public io.nats4j.server.jetstream.JsLimits jetStreamLimits() {
        return jetStreamLimits;
    }

    public void jetStreamLimits(io.nats4j.server.jetstream.JsLimits limits) {
        this.jetStreamLimits = limits;
    }

    public String name() {
        return name;
    }

    /**
     * The account's subject index, for reading (statistics, monitoring, a connection's match cache): every
     * subscription enters and leaves it through {@link #subscribe} and {@link #unsubscribe}, so that interest
     * listeners hear every change.
     */
    public Sublist sublist() {
        return sublist;
    }

    // ---------------------------------------------------------------- subscriptions and interest

    /**
     * Adds a subscription of any kind (client, internal, import relay, peer) to the account. Listeners hear the
     * first interest in its subject (and queue). Any thread.
     *
     * @throws IllegalArgumentException if the subject or queue name is invalid
     */
    public void subscribe(Subscription sub) {
        sublist.insert(sub);
    }

    /** Removes a subscription; false when it was not there (removed already). Any thread. */
    public boolean unsubscribe(Subscription sub) {
        return sublist.remove(sub);
    }

    /** Removes many subscriptions at once (a closing connection). Any thread. */
    public void unsubscribeAll(java.util.Collection<Subscription> subs) {
        sublist.removeAll(subs);
    }

    /**
     * Adds a listener of first/last interest per (subject, queue) in this account, with queue weights. It
     * hears the interest that exists already first. See {@link InterestListener} for what it may do.
     */
    public void addInterestListener(InterestListener l) {
        sublist.addInterestListener(l);
    }

    public void removeInterestListener(InterestListener l) {
        sublist.removeInterestListener(l);
    }

    /** The current interest in {@code subject} (members, with a {@code queue}); 0 when none. */
    public int interestWeight(String subject, String queue) {
        return sublist.interestWeight(subject, queue);
    }

    /** The subscriptions matching {@code subject[off, off + len)} (the index's shared cache). Any thread. */
    public SublistResult match(byte[] subject, int off, int len) {
        return sublist.match(subject, off, len);
    }

    public SublistResult match(String subject) {
        return sublist.match(subject);
    }

    public int connectionCount() {
        return connections.get();
    }

    public void addConnection() {
        connections.incrementAndGet();
    }

    /** Adds a connection unless the account's max_connections is reached. */
    public boolean tryAddConnection() {
        while (true) {
            int n = connections.get();
            if (maxConnections >= 0 && n >= maxConnections) {
                return false;
            }
            if (connections.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void removeConnection() {
        connections.decrementAndGet();
    }

    void limits(int maxConnections, int maxSubscriptions, int maxPayload) {
        this.maxConnections = maxConnections;
        this.maxSubscriptions = maxSubscriptions;
        this.maxPayload = maxPayload;
    }

    /** The account's subscription limit per connection; -1 = none. */
    public int maxSubscriptions() {
        return maxSubscriptions;
    }

    /** The account's payload limit; -1 = none (the server's applies). */
    public int maxPayload() {
        return maxPayload;
    }

    // ---------------------------------------------------------------- exports

    /** Replaces every export (an account JWT update). */
    void replaceExports(List<AccountConfig.Export> next) {
        exports = List.copyOf(next);
    }

    /** The account's connection limit; -1 = none. */
    public int maxConnections() {
        return maxConnections;
    }

    /** The export that covers an import of {@code subject} by {@code importer}, or null when not authorized. */
    AccountConfig.Export exportFor(boolean service, String subject, String importer) {
        return exportFor(exports, service, subject, importer);
    }

    /** The export of {@code exports} that covers an import of {@code subject} by {@code importer}, or null. */
    static AccountConfig.Export exportFor(List<AccountConfig.Export> exports, boolean service, String subject,
            String importer) {
        for (AccountConfig.Export e : exports) {
            if (e.service() != service || !Subjects.isSubsetMatch(subject, e.subject())) {
                continue;
            }
            if (e.accounts() == null || e.accounts().isEmpty() || e.accounts().contains(importer)) {
                return e;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * A config reload removed this account: its object stays with the clients still in it until they are
     * closed (as they are by the reload), and is never handed out again.
     */
    void markRemoved() {
        removed = true;
    }

    /** True once a config reload removed the account. */
    public boolean isRemoved() {
        return removed;
    }

    // ---------------------------------------------------------------- service responses

    /**
     * {@link #mapReply} for a request that enters this account from {@code requester} other than through a
     * configured import (the JetStream API of a clustered server without JetStream): the {@code _R_} subject to
     * use here; a singleton response on it goes back to {@code reply} in {@code requester}.
     */
    public String mapServiceReply(Account requester, String reply) {
        byte[] r = reply.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ImportRelay.Destination d = new ImportRelay.Destination();
        mapReply(requester, r, 0, r.length, AccountConfig.ResponseType.SINGLETON, DEFAULT_RESPONSE_THRESHOLD, d);
        return new String(d.reply(), d.replyOffset(), d.replyLength(), java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Records a request that enters this account from {@code requester} with reply subject {@code reply}
     * and returns the reply subject to use in this account ({@code _R_.<prefix>.<random>}).
     */
    void mapReply(Account requester, byte[] reply, int replyOff, int replyLen, AccountConfig.ResponseType type,
            Duration threshold, ImportRelay.Destination out) {
        if (replyPrefixBytes == null) {
            ensureResponseListener();
        }
        byte[] prefix = replyPrefixBytes;
        int len = prefix.length + REPLY_TOKEN_LENGTH;
        byte[] b = out.replyBuffer(len);
        System.arraycopy(prefix, 0, b, 0, prefix.length);
        // 10 characters of 62 (59.5 bits) from one random long; like nats-server's, not a secret: the
        // responders in this account see the subject anyway
        long bits = ThreadLocalRandom.current().nextLong() >>> 1;
        for (int i = prefix.length; i < len; i++) {
            b[i] = ALPHANUM_BYTES[(int) (bits % ALPHANUM_BYTES.length)];
            bits /= ALPHANUM_BYTES.length;
        }
        out.replyLength(len);
        long ttl = threshold == null || threshold.isZero() ? DEFAULT_RESPONSE_THRESHOLD_NANOS : threshold.toNanos();
        responses.put(ResponseKey.copyOf(b, 0, len), new PendingResponse(requester,
                java.util.Arrays.copyOfRange(reply, replyOff, replyOff + replyLen), type, System.nanoTime() + ttl));
    }

    private String ensureResponseListener() {
        String p = replyPrefix;
        if (p != null) {
            return p;
        }
        synchronized (responses) {
            if (replyPrefix == null) {
                StringBuilder sb = new StringBuilder(SERVICE_REPLY_PREFIX);
                for (int i = 0; i < 6; i++) {
                    sb.append(ALPHANUM.charAt(RandomBytes.secure().nextInt(ALPHANUM.length())));
                }
                String prefix = sb.append('.').toString();
                subscribe(new Subscription(new ResponseListener(), prefix + ">", null, new byte[0]));
                replyPrefixBytes = prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                replyPrefix = prefix;
            }
            return replyPrefix;
        }
    }

    /** Drops response mappings whose threshold passed (called by the server's housekeeping). */
    public void expireResponses(long nowNanos) {
        if (!responses.isEmpty()) {
            responses.values().removeIf(r -> nowNanos - r.expiresNanos > 0);
        }
    }

    /** Carries a response published in this account back to the requesting account. */
    private final class ResponseListener extends ImportRelay {
        @Override
        public boolean relay(byte[] subj, int subjOff, int subjLen, byte[] reply, int replyOff, int replyLen,
                Destination out) {
            ResponseKey key = out.probe().view(subj, subjOff, subjLen);
            PendingResponse r = responses.get(key);
            if (r == null) {
                return false;
            }
            if (System.nanoTime() - r.expiresNanos > 0) {
                responses.remove(key, r);
                return false;
            }
            if (r.type == AccountConfig.ResponseType.SINGLETON) {
                responses.remove(key, r);
            }
            out.target(r.requester);
            out.subject(r.reply, 0, r.reply.length);
            out.noReply();
            return true;
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
