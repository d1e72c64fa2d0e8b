package io.nats4j.server.connection;

import io.nats4j.server.auth.ClientPermissions;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.protocol.ProtocolParser;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's subscriptions: {@code SUB} and {@code UNSUB} (permissions, subject check, the subscription limit,
 * auto-unsubscribe), removal, and the set kept after close for monitoring. Subscriptions enter and leave the
 * account's index only through the account (its interest listeners hear every change).
 *
 * <p>Threading: SUB/UNSUB on the connection's loop; removal also from publishers' threads (auto-unsubscribe
 * reached), hence the concurrent map; a subscription is removed from the index only by whoever removed it
 * from the map.
 */
final class ClientSubscriptions {

    private final ClientConnection conn;
    private final ServerLogger log;
    private final ConcurrentHashMap<String, Subscription> subs = new ConcurrentHashMap<>();
    /** The subscriptions at close, kept for the closed-connections list of /connz. */
    private volatile List<Subscription> atClose;
    /** The subscription limit per connection; 0 or less = none (event loop only). */
    int maxSubs;
    /** A user JWT allows no subscriptions at all (its subs limit is 0). */
    boolean noSubscriptions;

    ClientSubscriptions(ClientConnection conn, ServerLogger log) {
        this.conn = conn;
        this.log = log;
    }

    void onSub(ProtocolParser p) {
        byte[] l = p.line();
        int n = p.argCount();
        String subject = new String(l, p.argOffset(0), p.argLength(0), StandardCharsets.UTF_8);
        String queue = n == 3 ? new String(l, p.argOffset(1), p.argLength(1), StandardCharsets.UTF_8) : null;
        byte[] sid = new byte[p.argLength(n - 1)];
        System.arraycopy(l, p.argOffset(n - 1), sid, 0, sid.length);
        if (log.isTraceEnabled()) {
            log.trace(conn.prefix() + "<<- [SUB " + subject + (queue == null ? "" : " " + queue) + " "
                    + new String(sid, StandardCharsets.US_ASCII) + "]");
        }
        ClientPermissions perms = conn.perms();
        if (perms != null && !perms.canSubscribe(subject, queue)) {
            log.error(conn.prefix() + "Subscription Violation - User \"" + conn.user() + "\", Subject \"" + subject + "\""
                    + (queue == null ? "" : ", Queue: \"" + queue + "\"") + ", SID " + new String(sid, StandardCharsets.US_ASCII));
            conn.queueErr("Permissions Violation for Subscription to \"" + subject + "\""
                    + (queue == null ? "" : " using queue \"" + queue + "\""));
            return;
        }
        String sidKey = new String(sid, StandardCharsets.US_ASCII);
        if ((noSubscriptions || (maxSubs > 0 && subs.size() >= maxSubs)) && !subs.containsKey(sidKey)) {
            log.error(conn.prefix() + "Maximum Subscriptions Exceeded (max " + (noSubscriptions ? 0 : maxSubs) + ")");
            conn.queueErr("maximum subscriptions exceeded");
            return;
        }
        // as nats-server: after the limit, and only what its sublist refuses (empty tokens, '>' not last); a sid
        // already in use keeps its subscription and the new subject is never looked at (+OK, no -ERR)
        if (!subs.containsKey(sidKey) && !Subjects.isValidSublistSubject(subject)) {
            conn.queueErr("Invalid Subject");
            return;
        }
        Subscription sub = new Subscription(conn, subject, queue, sid);
        if (subs.putIfAbsent(sidKey, sub) == null) {
            conn.account().subscribe(sub);
        }
        conn.queueOk();
    }

    void onUnsub(ProtocolParser p) {
        byte[] l = p.line();
        String sidKey = new String(l, p.argOffset(0), p.argLength(0), StandardCharsets.US_ASCII);
        // nats-server: a maximum that does not parse as a size (-1) removes the subscription now, like none
        int max = p.argCount() == 2 ? ProtocolParser.parseSize(l, p.argOffset(1), p.argLength(1)) : 0;
        if (log.isTraceEnabled()) {
            log.trace(conn.prefix() + "<<- [UNSUB " + sidKey + (max > 0 ? " " + max : "") + "]");
        }
        Subscription sub = subs.get(sidKey);
        if (sub != null) {
            boolean removeNow;
            synchronized (conn.outbound.lock) {
                if (max > 0 && sub.delivered < max) {
                    sub.maxMsgs = max;
                    removeNow = false;
                } else {
                    removeNow = true;
                }
            }
            if (removeNow) {
                remove(sub);
            }
        }
        conn.queueOk();
    }

    /** Removes {@code sub} from the connection and its account, once. Any thread. */
    void remove(Subscription sub) {
        if (subs.remove(sub.sidString(), sub)) {
            sub.closed = true;
            conn.account().unsubscribe(sub);
        }
    }

    /** A reload changed the permissions: removes (and reports) the subscriptions they deny now. Event loop. */
    void dropDenied(ClientPermissions np) {
        for (Subscription sub : new ArrayList<>(subs.values())) {
            if (!np.canSubscribe(sub.subject, sub.queue)) {
                remove(sub);
                log.error(conn.prefix() + "Removed subscription on \"" + sub.subject + "\" after a config reload: permissions changed");
                conn.queueOutsideRead(("-ERR 'Permissions Violation for Subscription to \"" + sub.subject + "\"'\r\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** At or over the limit (nats-server's subsAtLimit after new account limits). */
    boolean atLimit() {
        return (maxSubs > 0 && subs.size() >= maxSubs) || (noSubscriptions && !subs.isEmpty());
    }

    /** The connection closes: every subscription leaves the account; the set is kept for monitoring. */
    void closeAll() {
        List<Subscription> all = new ArrayList<>(subs.values());
        atClose = all;
        subs.clear();
        for (Subscription s : all) {
            s.closed = true;
        }
        if (conn.account() != null && !all.isEmpty()) {
            conn.account().unsubscribeAll(all);
        }
    }

    int count() {
        List<Subscription> closed = atClose;
        return closed != null ? closed.size() : subs.size();
    }

    /** A snapshot; after close, the ones there were at close. Any thread. */
    List<Subscription> snapshot() {
        List<Subscription> closed = atClose;
        return closed != null ? closed : new ArrayList<>(subs.values());
    }
}
