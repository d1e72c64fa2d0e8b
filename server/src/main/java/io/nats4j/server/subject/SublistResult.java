package io.nats4j.server.subject;

/**
 * The subscriptions that a literal subject reaches: plain subscriptions and, apart, one array per
 * queue group (every member of a group has the same queue name; a message goes to one of them).
 *
 * <p>Immutable once published: results are shared between threads and cached, so nobody may write
 * into the arrays. A subscription appears at most once per result unless it was reached through
 * two different trie paths, which cannot happen for one {@link Subscription} object (it has one
 * subject).
 */
public final class SublistResult {

    private static final Subscription[] NO_SUBS = new Subscription[0];
    private static final Subscription[][] NO_QSUBS = new Subscription[0][];

    /** The shared result for "no interest". */
    public static final SublistResult EMPTY = new SublistResult(NO_SUBS, NO_QSUBS);

    /** Plain subscriptions; never null; do not modify. */
    public final Subscription[] psubs;
    /** One non-empty array per queue group; never null; do not modify. */
    public final Subscription[][] qsubs;

    SublistResult(Subscription[] psubs, Subscription[][] qsubs) {
        this.psubs = psubs;
        this.qsubs = qsubs;
    }

    public static SublistResult of(Subscription[] psubs, Subscription[][] qsubs) {
        if (psubs.length == 0 && qsubs.length == 0) {
            return EMPTY;
        }
        return new SublistResult(psubs.length == 0 ? NO_SUBS : psubs, qsubs.length == 0 ? NO_QSUBS : qsubs);
    }

    public boolean isEmpty() {
        return psubs.length == 0 && qsubs.length == 0;
    }

    /** Plain subscriptions plus queue members. */
    public int size() {
        int n = psubs.length;
        for (Subscription[] q : qsubs) {
            n += q.length;
        }
        return n;
    }

    /** A copy of this result with {@code sub} added (to its queue group if it has one). */
    SublistResult with(Subscription sub) {
        if (sub.queue == null) {
            Subscription[] np = java.util.Arrays.copyOf(psubs, psubs.length + 1);
            np[psubs.length] = sub;
            return new SublistResult(np, qsubs);
        }
        for (int i = 0; i < qsubs.length; i++) {
            if (qsubs[i][0].queue.equals(sub.queue)) {
                Subscription[] g = qsubs[i];
                Subscription[] ng = java.util.Arrays.copyOf(g, g.length + 1);
                ng[g.length] = sub;
                Subscription[][] nq = qsubs.clone();
                nq[i] = ng;
                return new SublistResult(psubs, nq);
            }
        }
        Subscription[][] nq = java.util.Arrays.copyOf(qsubs, qsubs.length + 1);
        nq[qsubs.length] = new Subscription[] {sub};
        return new SublistResult(psubs, nq);
    }

    @Override
    public String toString() {
        return "SublistResult{psubs=" + psubs.length + ", qgroups=" + qsubs.length + "}";
    }
}
