package io.nats4j.server.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.connection.MatchOnly;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The hot path (a cached subject, matched from the bytes of a frame) must not allocate. */
class SublistAllocationTest {

    private static final int CALLS = 200_000;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /**
     * Bytes allocated by this thread while running {@code body}, the least of three runs: one-off
     * JVM work that lands on the thread (class loading, a deoptimization under load) may show up
     * in one run, while code that allocates per call allocates megabytes in every run.
     */
    private static long leastAllocated(Runnable body) {
        allocatedBytes();
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) {
            long before = allocatedBytes();
            body.run();
            least = Math.min(least, allocatedBytes() - before);
        }
        return least;
    }

    private static Sublist populated() {
        Sublist sl = new Sublist();
        MatchOnly owner = () -> 3L;
        sl.insert(new Subscription(owner, "orders.eu.created", null, new byte[] {'1'}));
        sl.insert(new Subscription(owner, "orders.*.created", null, new byte[] {'2'}));
        sl.insert(new Subscription(owner, "orders.>", "workers", new byte[] {'3'}));
        for (int i = 0; i < 1000; i++) {
            sl.insert(new Subscription(owner, "noise." + i + ".x", null, new byte[] {'4'}));
        }
        return sl;
    }

    @Test
    void sharedCacheHitOnByteRangeAllocatesNothing() {
        Sublist sl = populated();
        byte[] frame = "PUB orders.eu.created 11\r\n".getBytes(StandardCharsets.US_ASCII);
        int len = "orders.eu.created".length();
        int sink = 0;
        for (int i = 0; i < CALLS; i++) { // warm up: JIT-compile the hit path
            sink += sl.match(frame, 4, len).psubs.length;
        }
        int[] sink2 = {0};
        long allocated = leastAllocated(() -> {
            for (int i = 0; i < CALLS; i++) {
                sink2[0] += sl.match(frame, 4, len).psubs.length;
            }
        });
        assertEquals(2L * CALLS, sink);
        assertEquals(6L * CALLS, sink2[0]);
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes in " + CALLS + " cached matches");
    }

    @Test
    void perConnectionCacheHitAllocatesNothing() {
        Sublist sl = populated();
        MatchCache mc = new MatchCache();
        byte[] frame = "PUB orders.us.created 11\r\n".getBytes(StandardCharsets.US_ASCII);
        int len = "orders.us.created".length();
        int sink = 0;
        for (int i = 0; i < CALLS; i++) {
            sink += mc.match(sl, frame, 4, len).qsubs.length;
        }
        int[] sink2 = {0};
        long allocated = leastAllocated(() -> {
            for (int i = 0; i < CALLS; i++) {
                sink2[0] += mc.match(sl, frame, 4, len).qsubs.length;
            }
        });
        assertEquals(CALLS, sink);
        assertEquals(3L * CALLS, sink2[0]);
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes in " + CALLS + " cached matches");
    }

    @Test
    void validationOnByteRangeAllocatesNothing() {
        byte[] frame = "SUB orders.*.created.> q 1\r\n".getBytes(StandardCharsets.US_ASCII);
        int len = "orders.*.created.>".length();
        int sink = 0;
        for (int i = 0; i < CALLS; i++) {
            sink += Subjects.isValidSubject(frame, 4, len) ? 1 : 0;
            sink += Subjects.isLiteral(frame, 4, len) ? 1 : 0;
        }
        int[] sink2 = {0};
        long allocated = leastAllocated(() -> {
            for (int i = 0; i < CALLS; i++) {
                sink2[0] += Subjects.isValidSubject(frame, 4, len) ? 1 : 0;
                sink2[0] += Subjects.isLiteral(frame, 4, len) ? 1 : 0;
            }
        });
        assertEquals(CALLS, sink);
        assertEquals(3L * CALLS, sink2[0]);
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes");
    }
}
