package io.nats4j.server.subject;

import io.nats4j.server.connection.ConnectionKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The interest of one subject index by (subject, queue), and the listeners that hear its first and last
 * interest ({@link InterestListener}). Guarded by the {@link Sublist}'s write lock: updated only when a
 * subscription really entered or left the index, so a subscription removed twice (auto-unsubscribe racing
 * a close) counts once.
 */
final class InterestCounts {

    private record Key(String subject, String queue) {
    }

    private final Map<Key, int[]> counts = new HashMap<>();
    /** Replaced as a whole; read under the write lock. */
    private List<InterestListener> listeners = List.of();

    /** True for subscriptions that are this server's own interest (not held for a route or a gateway). */
    private static boolean counted(Subscription s) {
        ConnectionKind k = s.owner.kind();
        return k != ConnectionKind.ROUTER && k != ConnectionKind.GATEWAY && s.owner.forwardsInterest();
    }

    void added(Subscription s) {
        if (!counted(s)) {
            return;
        }
        int[] c = counts.computeIfAbsent(new Key(s.subject, s.queue), k -> new int[1]);
        c[0]++;
        if (s.queue != null || c[0] == 1) {
            fire(s.subject, s.queue, s.queue == null ? 1 : c[0]);
        }
    }

    void removed(Subscription s) {
        if (!counted(s)) {
            return;
        }
        Key key = new Key(s.subject, s.queue);
        int[] c = counts.get(key);
        if (c == null) {
            return;
        }
        c[0]--;
        if (c[0] == 0) {
            counts.remove(key);
        }
        if (s.queue != null || c[0] == 0) {
            fire(s.subject, s.queue, s.queue == null ? 0 : c[0]);
        }
    }

    /** Adds a listener and tells it the interest that exists already (one event per subject and queue). */
    void addListener(InterestListener l) {
        List<InterestListener> next = new ArrayList<>(listeners);
        next.add(l);
        listeners = List.copyOf(next);
        for (Map.Entry<Key, int[]> e : counts.entrySet()) {
            Key k = e.getKey();
            l.interestChanged(k.subject(), k.queue(), k.queue() == null ? 1 : e.getValue()[0]);
        }
    }

    void removeListener(InterestListener l) {
        List<InterestListener> next = new ArrayList<>(listeners);
        next.remove(l);
        listeners = List.copyOf(next);
    }

    /** The current weight: subscriptions on a plain subject, or members of a queue group. */
    int weight(String subject, String queue) {
        int[] c = counts.get(new Key(subject, queue));
        return c == null ? 0 : c[0];
    }

    private void fire(String subject, String queue, int weight) {
        for (InterestListener l : listeners) {
            l.interestChanged(subject, queue, weight);
        }
    }
}
