package io.nats4j.server.subject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;

/**
 * The subject index (nats-server's "sublist"): a trie of subject tokens where every level has its
 * literal tokens in a map and dedicated {@code *} and {@code >} branches. Each node keeps plain
 * subscriptions apart from queue subscriptions, which are grouped by queue name.
 *
 * <h2>Threading and locks</h2>
 * <ul>
 *   <li>{@link #lock} (a {@link StampedLock}) guards the trie: {@link #insert}/{@link #remove} take
 *       it for writing; a match that misses the cache walks the trie under the read lock.</li>
 *   <li>The shared result cache ({@link ResultCache}) is read without any lock. It is written either
 *       under the write lock (insert/remove update or drop affected entries) or under the read lock
 *       plus {@link #cacheLock} (a match storing its fresh result). Holding the read lock while
 *       storing means no insert/remove can slip between computing a result and caching it.</li>
 *   <li>Lock order: {@code lock} before {@code cacheLock}.</li>
 *   <li>{@link #generation()} is bumped under the write lock after the trie and cache are updated,
 *       so a per-connection {@link MatchCache} that saw generation {@code g} holds results at least
 *       as new as {@code g}.</li>
 * </ul>
 *
 * <p>A match on a subject present in the shared cache, through {@link #match(byte[], int, int)},
 * allocates nothing.
 */
public final class Sublist {

    /** nats-server {@code slCacheMax}: cached subjects before a sweep. */
    public static final int DEFAULT_CACHE_MAX = 1024;
    /** nats-server {@code slCacheSweep}: cached subjects kept by a sweep. */
    public static final int DEFAULT_CACHE_SWEEP = 512;

    /** Monitoring counters (nats-server {@code SublistStats}). */
    public record Stats(long numSubs, int numCache, long numInserts, long numRemoves, long numMatches,
            long cacheHits) {
        /** Cache hits / matches, 0 when nothing was matched yet. */
        public double cacheHitRate() {
            return numMatches == 0 ? 0.0 : (double) cacheHits / numMatches;
        }
    }

    private static final class Level {
        final TokenMap<Node> nodes = new TokenMap<>();
        Node pwc;
        Node fwc;

        boolean isEmpty() {
            return nodes.size() == 0 && pwc == null && fwc == null;
        }
    }

    private static final class QueueGroup {
        final LinkedHashSet<Subscription> subs = new LinkedHashSet<>();
        /** Snapshot of {@link #subs}; null when stale. Rebuilt by readers (idempotent), cleared by writers. */
        volatile Subscription[] list;

        Subscription[] list() {
            Subscription[] l = list;
            if (l == null) {
                l = subs.toArray(new Subscription[0]);
                list = l;
            }
            return l;
        }
    }

    private static final class Node {
        Level next;
        final LinkedHashSet<Subscription> psubs = new LinkedHashSet<>();
        /** Snapshot of {@link #psubs}; null when stale. Shared with results, never written into. */
        volatile Subscription[] plist;
        LinkedHashMap<String, QueueGroup> qsubs;

        Subscription[] plist() {
            Subscription[] l = plist;
            if (l == null) {
                l = psubs.toArray(new Subscription[0]);
                plist = l;
            }
            return l;
        }

        boolean isEmpty() {
            return psubs.isEmpty() && (qsubs == null || qsubs.isEmpty()) && (next == null || next.isEmpty());
        }
    }

    private final StampedLock lock = new StampedLock();
    private final Object cacheLock = new Object();
    private final Level root = new Level();
    /** Null when caching is off. */
    private final ResultCache cache;

    private volatile long generation;
    /** Guarded by the write lock; volatile for readers of counters. */
    private volatile long count;
    private volatile long inserts;
    private volatile long removes;
    private final LongAdder matches = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    /** First/last interest by (subject, queue); guarded by the write lock. */
    private final InterestCounts interest = new InterestCounts();

    /** A sublist with nats-server's cache bounds. */
    public Sublist() {
        this(DEFAULT_CACHE_MAX);
    }

    /** @param cacheMax cached subjects before a sweep to half of it; 0 turns the cache off */
    public Sublist(int cacheMax) {
        if (cacheMax < 0) {
            throw new IllegalArgumentException("cacheMax < 0: " + cacheMax);
        }
        this.cache = cacheMax == 0 ? null : new ResultCache(cacheMax, Math.max(1, cacheMax / 2));
    }

    // ---------------------------------------------------------------- insert / remove

    /**
     * Adds a subscription. Inserting the same object twice is a no-op.
     *
     * @throws IllegalArgumentException if the subject or queue name is invalid
     */
    public void insert(Subscription sub) {
        if (sub.subject == null || !Subjects.isValidSublistSubject(sub.subject)) {
            throw new IllegalArgumentException("invalid subject: " + sub.subject);
        }
        if (sub.queue != null && sub.queue.isEmpty()) {
            throw new IllegalArgumentException("invalid queue name: " + sub.queue);
        }
        byte[] subject = sub.subject.getBytes(StandardCharsets.UTF_8);
        boolean literal = Subjects.isLiteral(subject, 0, subject.length);
        long stamp = lock.writeLock();
        try {
            Level l = root;
            Node n = null;
            int start = 0;
            int end = subject.length;
            while (true) {
                int te = Bytes.indexOf(subject, Subjects.SEP, start, end);
                int tl = te - start;
                if (tl == 1 && subject[start] == Subjects.PWC) {
                    n = l.pwc;
                    if (n == null) {
                        n = l.pwc = new Node();
                    }
                } else if (tl == 1 && subject[start] == Subjects.FWC) {
                    n = l.fwc;
                    if (n == null) {
                        n = l.fwc = new Node();
                    }
                } else {
                    int h = Bytes.hash(subject, start, tl);
                    n = l.nodes.get(subject, start, tl, h);
                    if (n == null) {
                        n = new Node();
                        l.nodes.put(Arrays.copyOfRange(subject, start, te), h, n);
                    }
                }
                if (te == end) {
                    break;
                }
                if (n.next == null) {
                    n.next = new Level();
                }
                l = n.next;
                start = te + 1;
            }
            if (sub.queue == null) {
                if (!n.psubs.add(sub)) {
                    return;
                }
                n.plist = null;
            } else {
                if (n.qsubs == null) {
                    n.qsubs = new LinkedHashMap<>();
                }
                QueueGroup g = n.qsubs.computeIfAbsent(sub.queue, q -> new QueueGroup());
                if (!g.subs.add(sub)) {
                    return;
                }
                g.list = null;
            }
            count++;
            inserts++;
            interest.added(sub);
            if (cache != null) {
                if (literal) {
                    cache.addToEntry(subject, sub);
                } else {
                    cache.addToMatching(subject, sub);
                }
            }
            generation++;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Removes a subscription; false if it was not in the index. */
    public boolean remove(Subscription sub) {
        long stamp = lock.writeLock();
        try {
            boolean removed = removeLocked(sub, true);
            if (removed) {
                generation++;
            }
            return removed;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Removes many subscriptions under one write lock (a closing connection). Large batches clear the
     * shared cache instead of updating it per subscription.
     */
    public void removeAll(Collection<Subscription> subs) {
        if (subs.isEmpty()) {
            return;
        }
        boolean perSubCache = subs.size() <= 64;
        long stamp = lock.writeLock();
        try {
            boolean any = false;
            for (Subscription s : subs) {
                any |= removeLocked(s, perSubCache);
            }
            if (any) {
                if (!perSubCache && cache != null) {
                    cache.clear();
                }
                generation++;
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Write lock held. */
    private boolean removeLocked(Subscription sub, boolean updateCache) {
        if (sub.subject == null || !Subjects.isValidSublistSubject(sub.subject)) {
            return false;
        }
        byte[] subject = sub.subject.getBytes(StandardCharsets.UTF_8);
        int depth = Subjects.numTokens(subject, 0, subject.length);
        Level[] levels = new Level[depth];
        Node[] nodes = new Node[depth];
        int[] tokStart = new int[depth];
        int[] tokLen = new int[depth];
        Level l = root;
        int start = 0;
        int end = subject.length;
        for (int d = 0; d < depth; d++) {
            if (l == null) {
                return false;
            }
            int te = Bytes.indexOf(subject, Subjects.SEP, start, end);
            int tl = te - start;
            Node n;
            if (tl == 1 && subject[start] == Subjects.PWC) {
                n = l.pwc;
            } else if (tl == 1 && subject[start] == Subjects.FWC) {
                n = l.fwc;
            } else {
                n = l.nodes.get(subject, start, tl, Bytes.hash(subject, start, tl));
            }
            if (n == null) {
                return false;
            }
            levels[d] = l;
            nodes[d] = n;
            tokStart[d] = start;
            tokLen[d] = tl;
            l = n.next;
            start = te + 1;
        }
        Node n = nodes[depth - 1];
        if (sub.queue == null) {
            if (!n.psubs.remove(sub)) {
                return false;
            }
            n.plist = null;
        } else {
            QueueGroup g = n.qsubs == null ? null : n.qsubs.get(sub.queue);
            if (g == null || !g.subs.remove(sub)) {
                return false;
            }
            g.list = null;
            if (g.subs.isEmpty()) {
                n.qsubs.remove(sub.queue);
                if (n.qsubs.isEmpty()) {
                    n.qsubs = null;
                }
            }
        }
        // prune empty nodes bottom-up so that removing the last sub leaves no trie garbage
        for (int d = depth - 1; d >= 0; d--) {
            Node nd = nodes[d];
            if (nd.next != null && nd.next.isEmpty()) {
                nd.next = null;
            }
            if (!nd.isEmpty()) {
                break;
            }
            Level lv = levels[d];
            if (lv.pwc == nd) {
                lv.pwc = null;
            } else if (lv.fwc == nd) {
                lv.fwc = null;
            } else {
                lv.nodes.remove(subject, tokStart[d], tokLen[d], Bytes.hash(subject, tokStart[d], tokLen[d]));
            }
        }
        count--;
        removes++;
        interest.removed(sub);
        if (updateCache && cache != null) {
            if (Subjects.isLiteral(subject, 0, subject.length)) {
                cache.remove(subject, 0, subject.length);
            } else {
                cache.removeMatching(subject);
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- interest

    /**
     * Adds a listener of first/last interest; it first hears the interest that exists already, under the same
     * lock, so it misses no change and sees none twice.
     */
    public void addInterestListener(InterestListener l) {
        long stamp = lock.writeLock();
        try {
            interest.addListener(l);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    public void removeInterestListener(InterestListener l) {
        long stamp = lock.writeLock();
        try {
            interest.removeListener(l);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Subscriptions of this server's own connections on {@code subject} (members, for a queue group). */
    public int interestWeight(String subject, String queue) {
        long stamp = lock.readLock();
        try {
            return interest.weight(subject, queue);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    // ---------------------------------------------------------------- match

    /** Matches a literal subject. Allocates the subject's bytes; prefer the byte form on hot paths. */
    public SublistResult match(String subject) {
        byte[] b = subject.getBytes(StandardCharsets.UTF_8);
        return match(b, 0, b.length);
    }

    /**
     * Matches the literal subject {@code buf[off, off+len)}. A subject with an empty token yields
     * {@link SublistResult#EMPTY}. A hit in the shared cache allocates nothing.
     */
    public SublistResult match(byte[] buf, int off, int len) {
        matches.increment();
        ResultCache c = cache;
        int hash = 0;
        if (c != null) {
            hash = Bytes.hash(buf, off, len);
            SublistResult r = c.get(buf, off, len, hash);
            if (r != null) {
                cacheHits.increment();
                return r;
            }
        }
        return matchSlow(buf, off, len, hash);
    }

    private SublistResult matchSlow(byte[] buf, int off, int len, int hash) {
        if (!hasNoEmptyToken(buf, off, len)) {
            return SublistResult.EMPTY;
        }
        long stamp = lock.readLock();
        try {
            Collector col = new Collector();
            matchLevel(root, buf, off, off + len, col);
            SublistResult r = col.result();
            if (cache != null) {
                byte[] key = Arrays.copyOfRange(buf, off, off + len);
                synchronized (cacheLock) {
                    cache.put(key, hash, r);
                }
            }
            return r;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private static boolean hasNoEmptyToken(byte[] buf, int off, int len) {
        if (len <= 0 || buf[off] == Subjects.SEP || buf[off + len - 1] == Subjects.SEP) {
            return false;
        }
        for (int i = off + 1, end = off + len; i < end; i++) {
            if (buf[i] == Subjects.SEP && buf[i - 1] == Subjects.SEP) {
                return false;
            }
        }
        return true;
    }

    /** Read (or write) lock held. Tokens are {@code buf[start, end)}, none empty. */
    private static void matchLevel(Level l, byte[] buf, int start, int end, Collector col) {
        Node n = null;
        Node pwc = null;
        int pos = start;
        while (pos < end) {
            if (l == null) {
                return;
            }
            int te = Bytes.indexOf(buf, Subjects.SEP, pos, end);
            if (l.fwc != null) {
                col.add(l.fwc);
            }
            pwc = l.pwc;
            if (pwc != null && pwc.next != null && te < end) {
                matchLevel(pwc.next, buf, te + 1, end, col);
            }
            n = l.nodes.size() == 0 ? null : l.nodes.get(buf, pos, te - pos, Bytes.hash(buf, pos, te - pos));
            l = n == null ? null : n.next;
            pos = te + 1;
        }
        if (n != null) {
            col.add(n);
        }
        if (pwc != null) {
            col.add(pwc);
        }
    }

    /** Gathers a result; reuses a node's snapshot array when only one node contributes. */
    private static final class Collector {
        Subscription[] firstP;
        ArrayList<Subscription> moreP;
        ArrayList<Subscription[]> groups;

        void add(Node n) {
            if (!n.psubs.isEmpty()) {
                Subscription[] p = n.plist();
                if (firstP == null) {
                    firstP = p;
                } else {
                    if (moreP == null) {
                        moreP = new ArrayList<>(firstP.length + p.length);
                        moreP.addAll(Arrays.asList(firstP));
                    }
                    moreP.addAll(Arrays.asList(p));
                }
            }
            if (n.qsubs != null) {
                if (groups == null) {
                    groups = new ArrayList<>(n.qsubs.size());
                }
                for (Map.Entry<String, QueueGroup> e : n.qsubs.entrySet()) {
                    Subscription[] members = e.getValue().list();
                    int slot = -1;
                    for (int i = 0; i < groups.size(); i++) {
                        if (groups.get(i)[0].queue.equals(e.getKey())) {
                            slot = i;
                            break;
                        }
                    }
                    if (slot < 0) {
                        groups.add(members);
                    } else {
                        Subscription[] g = groups.get(slot);
                        Subscription[] merged = Arrays.copyOf(g, g.length + members.length);
                        System.arraycopy(members, 0, merged, g.length, members.length);
                        groups.set(slot, merged);
                    }
                }
            }
        }

        SublistResult result() {
            Subscription[] p = moreP != null ? moreP.toArray(new Subscription[0])
                    : firstP != null ? firstP : new Subscription[0];
            Subscription[][] q = groups == null ? new Subscription[0][] : groups.toArray(new Subscription[0][]);
            return SublistResult.of(p, q);
        }
    }

    // ---------------------------------------------------------------- counters

    /** Bumped by every insert and remove that changed the index (and by a removeAll batch). */
    public long generation() {
        return generation;
    }

    /** Subscriptions in the index. */
    public int count() {
        return (int) count;
    }

    /** Subjects in the shared result cache. */
    public int cacheSize() {
        return cache == null ? 0 : cache.size();
    }

    public Stats stats() {
        return new Stats(count, cacheSize(), inserts, removes, matches.sum(), cacheHits.sum());
    }

    /**
     * Fan-out of the cached results, as nats-server's SublistStats computes it: receivers per cached subject
     * (plain subscriptions plus one per queue group), the largest and the total over the cache entries.
     */
    public record Fanout(int max, long total, int entries) {
        public double average() {
            return total == 0 ? 0.0 : (double) total / entries;
        }
    }

    /** The cache's current fan-out (a racy walk, for monitoring). */
    public Fanout fanout() {
        if (cache == null) {
            return new Fanout(0, 0, 0);
        }
        int[] max = {0};
        long[] total = {0};
        int[] entries = {0};
        cache.forEachResult(r -> {
            int n = r.psubs.length + r.qsubs.length;
            entries[0]++;
            total[0] += n;
            max[0] = Math.max(max[0], n);
        });
        return new Fanout(max[0], total[0], entries[0]);
    }

    /** Every subscription in the index (a snapshot taken under the read lock, for monitoring). */
    public java.util.List<Subscription> all() {
        java.util.List<Subscription> out = new java.util.ArrayList<>();
        long stamp = lock.readLock();
        try {
            collect(root, out);
        } finally {
            lock.unlockRead(stamp);
        }
        return out;
    }

    /** Trie nodes (for tests: an empty index has none). */
    int nodeCount() {
        long stamp = lock.readLock();
        try {
            return countNodes(root);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private static void collect(Level l, java.util.List<Subscription> out) {
        if (l == null) {
            return;
        }
        l.nodes.forEachValue(node -> collectNode(node, out));
        if (l.pwc != null) {
            collectNode(l.pwc, out);
        }
        if (l.fwc != null) {
            collectNode(l.fwc, out);
        }
    }

    private static void collectNode(Node node, java.util.List<Subscription> out) {
        out.addAll(node.psubs);
        if (node.qsubs != null) {
            for (QueueGroup g : node.qsubs.values()) {
                out.addAll(g.subs);
            }
        }
        collect(node.next, out);
    }

    private static int countNodes(Level l) {
        if (l == null) {
            return 0;
        }
        int[] n = {0};
        l.nodes.forEachValue(node -> n[0] += 1 + countNodes(node.next));
        if (l.pwc != null) {
            n[0] += 1 + countNodes(l.pwc.next);
        }
        if (l.fwc != null) {
            n[0] += 1 + countNodes(l.fwc.next);
        }
        return n[0];
    }
}
