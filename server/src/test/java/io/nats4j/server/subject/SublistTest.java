package io.nats4j.server.subject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.connection.MatchOnly;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SublistTest {

    static final MatchOnly OWNER = () -> 1L;
    private int nextSid;

    private Subscription sub(String subject) {
        return new Subscription(OWNER, subject, null, Integer.toString(++nextSid).getBytes(StandardCharsets.US_ASCII));
    }

    private Subscription qsub(String subject, String queue) {
        return new Subscription(OWNER, subject, queue, Integer.toString(++nextSid).getBytes(StandardCharsets.US_ASCII));
    }

    private static Set<Subscription> plain(SublistResult r) {
        return new HashSet<>(Arrays.asList(r.psubs));
    }

    private static Set<Subscription> set(Subscription... subs) {
        return new HashSet<>(Arrays.asList(subs));
    }

    @Test
    void literalSubscriptionMatchesOnlyItsSubject() {
        Sublist sl = new Sublist();
        Subscription s = sub("foo.bar");
        sl.insert(s);
        assertEquals(set(s), plain(sl.match("foo.bar")));
        assertSame(SublistResult.EMPTY, sl.match("foo.baz"));
        assertSame(SublistResult.EMPTY, sl.match("foo"));
        assertSame(SublistResult.EMPTY, sl.match("foo.bar.baz"));
        assertEquals(1, sl.count());
    }

    @Test
    void wildcardsMatchLikeNatsServer() {
        Sublist sl = new Sublist();
        Subscription fooStar = sub("foo.*");
        Subscription fooGt = sub("foo.>");
        Subscription gt = sub(">");
        Subscription starBar = sub("*.bar");
        Subscription fooStarBar = sub("foo.*.bar");
        Subscription star = sub("*");
        for (Subscription s : List.of(fooStar, fooGt, gt, starBar, fooStarBar, star)) {
            sl.insert(s);
        }
        assertEquals(set(gt, star), plain(sl.match("foo")), "foo.> must not match foo");
        assertEquals(set(fooStar, fooGt, gt, starBar), plain(sl.match("foo.bar")));
        assertEquals(set(fooGt, gt, fooStarBar), plain(sl.match("foo.x.bar")));
        assertEquals(set(fooGt, gt), plain(sl.match("foo.x.baz")));
        assertEquals(set(gt, starBar), plain(sl.match("baz.bar")));
        assertEquals(set(gt), plain(sl.match("a.b.c.d.e")));
        assertEquals(set(gt, star), plain(sl.match("x")));
    }

    @Test
    void subjectsWithEmptyTokensMatchNothing() {
        Sublist sl = new Sublist();
        sl.insert(sub(">"));
        assertSame(SublistResult.EMPTY, sl.match("foo..bar"));
        assertSame(SublistResult.EMPTY, sl.match(".foo"));
        assertSame(SublistResult.EMPTY, sl.match("foo."));
        assertSame(SublistResult.EMPTY, sl.match(""));
    }

    @Test
    void whiteSpaceInsideTokensIsAcceptedAsNatsServersSublistDoes() {
        // the protocol parser splits at space, tab, CR and LF; nats-server's sublist takes any other byte
        Sublist sl = new Sublist();
        sl.insert(sub("a\fb"));
        sl.insert(qsub("foo", "q\u000bx"));
        assertEquals(1, sl.match("a\fb").psubs.length);
        assertEquals(1, sl.match("foo").qsubs.length);
    }

    @Test
    void invalidSubjectsAreRejectedOnInsert() {
        Sublist sl = new Sublist();
        for (String bad : List.of("", "foo..bar", ".foo", "foo.", "foo.>.bar", ">.>")) {
            assertThrows(IllegalArgumentException.class, () -> sl.insert(sub(bad)), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> sl.insert(qsub("foo", "")));
        assertEquals(0, sl.count());
        assertEquals(0, sl.nodeCount());
    }

    @Test
    void queueSubscribersAreGroupedByQueueNameAcrossNodes() {
        Sublist sl = new Sublist();
        Subscription p = sub("foo.bar");
        Subscription a1 = qsub("foo.bar", "a");
        Subscription a2 = qsub("foo.*", "a");
        Subscription b1 = qsub("foo.>", "b");
        Subscription b2 = qsub("foo.bar", "b");
        Subscription c1 = qsub("other", "a");
        for (Subscription s : List.of(p, a1, a2, b1, b2, c1)) {
            sl.insert(s);
        }
        SublistResult r = sl.match("foo.bar");
        assertEquals(set(p), plain(r));
        assertEquals(2, r.qsubs.length);
        for (Subscription[] group : r.qsubs) {
            String q = group[0].queue;
            Set<Subscription> members = new HashSet<>(Arrays.asList(group));
            assertTrue(Arrays.stream(group).allMatch(s -> s.queue.equals(q)));
            if (q.equals("a")) {
                assertEquals(set(a1, a2), members);
            } else {
                assertEquals(set(b1, b2), members);
            }
        }
        SublistResult onlyQueue = sl.match("foo.baz");
        assertEquals(0, onlyQueue.psubs.length);
        assertEquals(Set.of("a", "b"),
                Arrays.stream(onlyQueue.qsubs).map(g -> g[0].queue).collect(Collectors.toSet()));
    }

    @Test
    void removingTheLastSubscriptionsLeavesNoTrieNodes() {
        Sublist sl = new Sublist();
        List<Subscription> subs = List.of(sub("a.b.c"), sub("a.b"), sub("a.*.c"), sub("a.>"), sub(">"),
                qsub("a.b.c", "q"), qsub("a.b.c", "q"), qsub("a.b.c", "r"), sub("x.y.z.w"));
        for (Subscription s : subs) {
            sl.insert(s);
        }
        sl.match("a.b.c");
        assertTrue(sl.nodeCount() > 0);
        for (Subscription s : subs) {
            assertTrue(sl.remove(s), s.toString());
            assertFalse(sl.remove(s), "second remove of " + s);
        }
        assertEquals(0, sl.count());
        assertEquals(0, sl.nodeCount());
        assertSame(SublistResult.EMPTY, sl.match("a.b.c"));
    }

    @Test
    void removeOfOneSubjectKeepsSiblingsAndPrefixes() {
        Sublist sl = new Sublist();
        Subscription ab = sub("a.b");
        Subscription abc = sub("a.b.c");
        sl.insert(ab);
        sl.insert(abc);
        assertTrue(sl.remove(abc));
        assertEquals(set(ab), plain(sl.match("a.b")));
        assertSame(SublistResult.EMPTY, sl.match("a.b.c"));
        assertEquals(2, sl.nodeCount());
        assertFalse(sl.remove(sub("a.b")), "an equal-looking but different subscription is not removed");
    }

    @Test
    void removeAllRemovesABatchAndClearsTheTrie() {
        Sublist sl = new Sublist();
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            subs.add(i % 3 == 0 ? qsub("batch." + i + ".*", "q" + (i % 5)) : sub("batch." + i));
        }
        subs.forEach(sl::insert);
        Subscription keep = sub("batch.>");
        sl.insert(keep);
        sl.match("batch.1");
        long gen = sl.generation();
        sl.removeAll(subs);
        assertTrue(sl.generation() > gen);
        assertEquals(1, sl.count());
        assertEquals(set(keep), plain(sl.match("batch.1")));
        assertEquals(0, sl.match("batch.3.x").qsubs.length);
        sl.remove(keep);
        assertEquals(0, sl.nodeCount());
    }

    @Test
    void cachedResultReflectsLaterInsertOfMatchingWildcard() {
        Sublist sl = new Sublist();
        Subscription lit = sub("foo.bar");
        sl.insert(lit);
        byte[] subj = "foo.bar".getBytes(StandardCharsets.US_ASCII);
        assertEquals(set(lit), plain(sl.match(subj, 0, subj.length)));
        assertSame(SublistResult.EMPTY, sl.match("nobody.here"));
        assertEquals(2, sl.cacheSize());

        Subscription wc = sub("foo.*");
        sl.insert(wc);
        assertEquals(set(lit, wc), plain(sl.match(subj, 0, subj.length)));
        Subscription gt = qsub(">", "g");
        sl.insert(gt);
        SublistResult r = sl.match(subj, 0, subj.length);
        assertEquals(1, r.qsubs.length);
        assertArrayEquals(new Subscription[] {gt}, r.qsubs[0]);
        assertArrayEquals(new Subscription[] {gt}, sl.match("nobody.here").qsubs[0], "cached EMPTY updated");
        Subscription lit2 = sub("foo.bar");
        sl.insert(lit2);
        assertEquals(set(lit, wc, lit2), plain(sl.match(subj, 0, subj.length)));

        sl.remove(wc);
        assertEquals(set(lit, lit2), plain(sl.match(subj, 0, subj.length)));
        sl.remove(lit);
        assertEquals(set(lit2), plain(sl.match(subj, 0, subj.length)));
        sl.remove(gt);
        assertEquals(0, sl.match(subj, 0, subj.length).qsubs.length);
        assertSame(SublistResult.EMPTY, sl.match("nobody.here"));
        Sublist.Stats st = sl.stats();
        assertTrue(st.cacheHits() > 0);
        assertEquals(4, st.numInserts());
        assertEquals(3, st.numRemoves());
        assertEquals(1, st.numSubs());
    }

    @Test
    void cacheIsBoundedAndSweptToTheLowWatermark() {
        Sublist sl = new Sublist(64);
        Subscription all = sub(">");
        sl.insert(all);
        for (int i = 0; i < 1000; i++) {
            assertEquals(set(all), plain(sl.match("s." + i)));
            assertTrue(sl.cacheSize() <= 64, "cache size " + sl.cacheSize());
        }
        assertTrue(sl.cacheSize() >= 32);
        for (int i = 0; i < 1000; i++) {
            assertEquals(set(all), plain(sl.match("s." + i)));
        }
    }

    @Test
    void cacheCanBeTurnedOff() {
        Sublist sl = new Sublist(0);
        Subscription s = sub("a.*");
        sl.insert(s);
        assertEquals(set(s), plain(sl.match("a.b")));
        assertEquals(0, sl.cacheSize());
    }

    @Test
    void generationMovesOnEveryChange() {
        Sublist sl = new Sublist();
        long g0 = sl.generation();
        Subscription s = sub("a");
        sl.insert(s);
        long g1 = sl.generation();
        assertTrue(g1 > g0);
        sl.insert(s);
        assertEquals(g1, sl.generation(), "re-inserting the same object changes nothing");
        assertEquals(1, sl.count());
        sl.match("a");
        assertEquals(g1, sl.generation(), "a match is not a change");
        assertTrue(sl.remove(s));
        long g2 = sl.generation();
        assertTrue(g2 > g1);
        assertFalse(sl.remove(s));
        assertEquals(g2, sl.generation());
    }

    @Test
    void matchOnAByteRangeInsideALargerBuffer() {
        Sublist sl = new Sublist();
        Subscription s = sub("orders.*.created");
        sl.insert(s);
        byte[] frame = "PUB orders.eu.created 5\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(set(s), plain(sl.match(frame, 4, "orders.eu.created".length())));
        assertEquals(set(s), plain(sl.match(frame, 4, "orders.eu.created".length())), "cached");
        assertSame(SublistResult.EMPTY, sl.match(frame, 4, "orders.eu".length()));
    }

    @Test
    void manySubscriptionsOnOneSubjectAndManySubjects() {
        Sublist sl = new Sublist();
        List<Subscription> same = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Subscription s = sub("hot.subject");
            same.add(s);
            sl.insert(s);
        }
        for (int i = 0; i < 5000; i++) {
            sl.insert(sub("cold." + i + ".x"));
        }
        assertEquals(5000, sl.match("hot.subject").psubs.length);
        assertEquals(1, sl.match("cold.4321.x").psubs.length);
        sl.removeAll(same.subList(0, 2500));
        assertEquals(2500, sl.match("hot.subject").psubs.length);
        assertEquals(7500, sl.count());
    }
}
