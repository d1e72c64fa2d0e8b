package io.nats4j.server.cluster;

import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.FlowReceiver;
import io.nats4j.server.connection.PeerConnection;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.InterestListener;
import io.nats4j.server.subject.MatchCache;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.subject.SublistResult;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One route in one account: the owner of the subscriptions the other server asked for there ({@code RS+}), the
 * listener of this server's interest there (sent as {@code RS+}/{@code RS-}), and the target of the fan-out,
 * which hands it each matching message once ({@code RMSG}/{@code HMSG} with the account's name). A client
 * producer waits for the route's backlog through it ({@link FlowReceiver}) as for a client's.
 */
final class RouteAccount implements PeerConnection, InterestListener, FlowReceiver {

    final RouteConnection route;
    final Account account;
    final byte[] name;
    /** The peer's interest here, by "subject" or "subject queue" (as its RS+/RS- name it). The route's loop only. */
    final Map<String, Subscription> remoteSubs = new HashMap<>();
    /** Queue weights the peer announced, by the same key (monitoring). The route's loop only. */
    final Map<String, Integer> weights = new HashMap<>();
    /**
     * Subjects routed here lately and their matches (the route's loop): a routed message is matched as a client's
     * publish is, without the account's shared cache (a hash, a lookup and its synchronisation per message).
     */
    private final MatchCache matchCache = new MatchCache();
    /** Listening to this server's interest in the account: from the route's registration on (the route's loop). */
    boolean listening;

    RouteAccount(RouteConnection route, Account account) {
        this.route = route;
        this.account = account;
        this.name = account.name().getBytes(StandardCharsets.US_ASCII);
    }

    /** The account's subscriptions matching {@code msg}'s subject. The route's loop. */
    SublistResult match(Message msg) {
        return matchCache.match(account.sublist(), msg.subjectArray(), msg.subjectOffset(), msg.subjectLength());
    }

    @Override
    public long id() {
        return route.id();
    }

    @Override
    public ConnectionKind kind() {
        return ConnectionKind.ROUTER;
    }

    @Override
    public boolean deliverRemote(Message msg, Subscription[] subs, int count) {
        return route.sendMessage(name, msg, subs, count);
    }

    @Override
    public void flushFrom(EventLoop publisherLoop) {
        route.flushFrom(publisherLoop);
    }

    /** This server's interest here changed: RS+ (with the queue weight) or RS-. Under the account's index lock. */
    @Override
    public void interestChanged(String subject, String queue, int weight) {
        route.sendInterest(name, subject, queue, weight);
    }

    @Override
    public boolean overStallThreshold() {
        return route.outbound.overStallThreshold();
    }

    @Override
    public boolean overPaceThreshold() {
        return route.outbound.overPaceThreshold();
    }

    @Override
    public long bytesWritten() {
        return route.outbound.bytesWritten();
    }

    @Override
    public long pendingBytes() {
        return route.outbound.pendingBytes();
    }

    @Override
    public long maxPending() {
        return route.cluster().maxPending();
    }

    @Override
    public boolean isClosed() {
        return route.isClosed();
    }

    /**
     * The peer's RS+ for {@code key} ("subject" or "subject queue"): a subscription of this route in the account,
     * or a queue weight update of one it holds. True when a subscription was added. The route's loop.
     */
    boolean remoteSub(String key, String subject, String queue, int weight) {
        if (queue != null) {
            weights.put(key, weight);
        }
        if (remoteSubs.containsKey(key)) {
            return false;
        }
        Subscription sub = new Subscription(this, subject, queue, key.getBytes(StandardCharsets.US_ASCII));
        remoteSubs.put(key, sub);
        account.subscribe(sub);
        return true;
    }

    /** The peer's RS- for {@code key}. The route's loop. */
    void remoteUnsub(String key) {
        Subscription sub = remoteSubs.remove(key);
        weights.remove(key);
        if (sub != null) {
            account.unsubscribe(sub);
        }
    }

    /** The peer's subscriptions in {@code accounts} as {account, subject, queue} rows, listed on the route's loop. */
    static java.util.List<String[]> snapshot(EventLoop loop, java.util.Collection<RouteAccount> accounts) {
        if (loop == null) {
            return java.util.List.of();
        }
        java.util.concurrent.CompletableFuture<java.util.List<String[]>> f = new java.util.concurrent.CompletableFuture<>();
        loop.execute(() -> {
            java.util.List<String[]> out = new java.util.ArrayList<>();
            for (RouteAccount ra : accounts) {
                ra.listRemoteSubscriptions(out);
            }
            f.complete(out);
        });
        try {
            return f.get(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            return java.util.List.of();
        }
    }

    /** Adds the peer's subscriptions in this account as {account, subject, queue} rows (the route's loop). */
    void listRemoteSubscriptions(java.util.List<String[]> out) {
        for (Subscription s : remoteSubs.values()) {
            out.add(new String[] {account.name(), s.subject, s.queue});
        }
    }
}
