package io.nats4j.server.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.connection.MatchOnly;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MatchCacheTest {

    private static Subscription sub(String subject) {
        return new Subscription((MatchOnly) () -> 7L, subject, null, new byte[] {'1'});
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void hitReturnsTheSameResultWhileGenerationIsUnchanged() {
        Sublist sl = new Sublist();
        sl.insert(sub("a.b"));
        MatchCache mc = new MatchCache();
        byte[] subj = b("a.b");
        SublistResult first = mc.match(sl, subj, 0, subj.length);
        assertEquals(1, first.psubs.length);
        assertEquals(1, mc.size());
        assertSame(first, mc.get(subj, 0, subj.length, sl.generation()));
        assertSame(first, mc.match(sl, subj, 0, subj.length));
    }

    @Test
    void changedGenerationEmptiesTheCache() {
        Sublist sl = new Sublist();
        MatchCache mc = new MatchCache();
        byte[] subj = b("a.b");
        assertSame(SublistResult.EMPTY, mc.match(sl, subj, 0, subj.length));
        Subscription s = sub("a.*");
        sl.insert(s);
        assertNull(mc.get(subj, 0, subj.length, sl.generation()));
        assertEquals(0, mc.size());
        assertSame(s, mc.match(sl, subj, 0, subj.length).psubs[0]);
        sl.remove(s);
        assertSame(SublistResult.EMPTY, mc.match(sl, subj, 0, subj.length));
    }

    @Test
    void staysWithinItsBound() {
        Sublist sl = new Sublist();
        sl.insert(sub(">"));
        MatchCache mc = new MatchCache(16);
        for (int i = 0; i < 200; i++) {
            byte[] subj = b("k." + i);
            assertEquals(1, mc.match(sl, subj, 0, subj.length).psubs.length);
            assertTrue(mc.size() <= 16);
        }
    }

    @Test
    void startsSmallAndGrowsKeepingEveryEntry() {
        Sublist sl = new Sublist();
        sl.insert(sub(">"));
        MatchCache mc = new MatchCache();
        assertEquals(MatchCache.INITIAL_CAPACITY, mc.capacity(), "an idle connection's cache stays small");
        SublistResult[] got = new SublistResult[MatchCache.DEFAULT_MAX_ENTRIES];
        for (int i = 0; i < got.length; i++) {
            byte[] subj = b("k." + i);
            got[i] = mc.match(sl, subj, 0, subj.length);
            assertTrue(mc.size() * 2 <= mc.capacity(), "at most half full after a put");
        }
        assertEquals(MatchCache.DEFAULT_MAX_ENTRIES, mc.size());
        assertEquals(MatchCache.DEFAULT_MAX_ENTRIES * 2, mc.capacity());
        for (int i = 0; i < got.length; i++) {
            byte[] subj = b("k." + i);
            assertSame(got[i], mc.get(subj, 0, subj.length, sl.generation()), "entry " + i + " kept through growth");
        }
    }

    @Test
    void putAndGetWithExplicitGeneration() {
        MatchCache mc = new MatchCache();
        byte[] frame = b("xx foo.bar yy");
        SublistResult r = SublistResult.of(new Subscription[] {sub("foo.bar")}, new Subscription[0][]);
        mc.put(frame, 3, 7, 5L, r);
        assertSame(r, mc.get(b("foo.bar"), 0, 7, 5L));
        assertNull(mc.get(b("foo.baz"), 0, 7, 5L));
        assertNull(mc.get(b("foo.bar"), 0, 7, 6L));
        assertEquals(0, mc.size());
    }
}
