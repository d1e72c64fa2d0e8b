package io.nats4j.server.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The hot path (a cached subject, matched from the bytes of a frame) must not allocate. */
class SublistAllocationTest {

    private static final int CALLS = 200_000;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static Sublist populated() {
        Sublist sl = new Sublist();
        SubscriptionOwner owner = () -> 3L;
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
        long before = allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            sink += sl.match(frame, 4, len).psubs.length;
        }
        long allocated = allocatedBytes() - before;
        assertEquals(4L * CALLS, sink);
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
        long before = allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            sink += mc.match(sl, frame, 4, len).qsubs.length;
        }
        long allocated = allocatedBytes() - before;
        assertEquals(2L * CALLS, sink);
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
        long before = allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            sink += Subjects.isValidSubject(frame, 4, len) ? 1 : 0;
            sink += Subjects.isLiteral(frame, 4, len) ? 1 : 0;
        }
        long allocated = allocatedBytes() - before;
        assertEquals(2L * CALLS, sink);
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes");
    }
}
