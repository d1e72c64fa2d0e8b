package io.nats4j.server.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.connection.MatchOnly;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SublistConcurrencyTest {

    private static final MatchOnly OWNER = () -> 2L;

    /**
     * Writers insert and remove their own subscriptions while readers match; each writer leaves a
     * known set behind. Readers check an invariant that holds at every instant: the permanent
     * subscription is always in the result. At the end the index and its cache agree with a fresh
     * index built from the survivors.
     */
    @Test
    @Timeout(60)
    void concurrentInsertRemoveAndMatchEndInTheExpectedState() throws Exception {
        Sublist sl = new Sublist(256);
        Subscription permanent = new Subscription(OWNER, "t.>", null, new byte[] {'p'});
        sl.insert(permanent);
        int writers = 3;
        int readers = 3;
        int rounds = 3000;
        ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        List<Future<List<Subscription>>> writerResults = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            writerResults.add(pool.submit(() -> {
                start.await();
                List<Subscription> kept = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    String subject = switch (i % 4) {
                        case 0 -> "t." + id + "." + (i % 50);
                        case 1 -> "t." + id + ".*";
                        case 2 -> "t.*." + (i % 50);
                        default -> "t." + id + ".>";
                    };
                    String queue = i % 5 == 0 ? "q" + (i % 3) : null;
                    Subscription s = new Subscription(OWNER, subject, queue, ("" + i).getBytes(StandardCharsets.US_ASCII));
                    sl.insert(s);
                    if (i % 3 == 0) {
                        kept.add(s);
                    } else {
                        assertTrue(sl.remove(s));
                    }
                }
                return kept;
            }));
        }
        List<Future<?>> readerFutures = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            readerFutures.add(pool.submit(() -> {
                try {
                    start.await();
                    MatchCache mc = new MatchCache(32);
                    for (int i = 0; i < rounds * 4; i++) {
                        byte[] subj = ("t." + (i % 3) + "." + (i % 60)).getBytes(StandardCharsets.US_ASCII);
                        SublistResult res = (i & 1) == 0 ? sl.match(subj, 0, subj.length) : mc.match(sl, subj, 0, subj.length);
                        boolean found = false;
                        for (Subscription s : res.psubs) {
                            found |= s == permanent;
                        }
                        if (!found) {
                            throw new AssertionError("permanent subscription missing for " + new String(subj, StandardCharsets.US_ASCII));
                        }
                    }
                } catch (Throwable t) {
                    readerFailure.compareAndSet(null, t);
                }
                return null;
            }));
        }
        start.countDown();
        Set<Subscription> survivors = new HashSet<>();
        survivors.add(permanent);
        for (Future<List<Subscription>> f : writerResults) {
            survivors.addAll(f.get(50, TimeUnit.SECONDS));
        }
        for (Future<?> f : readerFutures) {
            f.get(50, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertNull(readerFailure.get());
        assertEquals(survivors.size(), sl.count());

        Sublist reference = new Sublist(0);
        survivors.forEach(reference::insert);
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 60; b++) {
                String subj = "t." + a + "." + b;
                assertEquals(members(reference.match(subj)), members(sl.match(subj)), subj + " (cache or trie)");
                assertEquals(members(reference.match(subj)), members(sl.match(subj)), subj + " (second, cached)");
            }
        }
        sl.removeAll(new ArrayList<>(survivors));
        assertEquals(0, sl.count());
        assertEquals(0, sl.nodeCount());
    }

    private static Set<Subscription> members(SublistResult r) {
        Set<Subscription> all = new HashSet<>(List.of(r.psubs));
        for (Subscription[] g : r.qsubs) {
            all.addAll(List.of(g));
        }
        return all;
    }
}
