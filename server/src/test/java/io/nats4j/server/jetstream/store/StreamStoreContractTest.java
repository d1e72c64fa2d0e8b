package io.nats4j.server.jetstream.store;

import io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stream store contract, written once and run against every storage (as nats-server's
 * store_test.go runs each test on both backends): one subclass per storage.
 */
abstract class StreamStoreContractTest {

    static final long SEC = 1_000_000_000L;

    /** The injected clock: epoch nanoseconds, moved by the tests. */
    protected final AtomicLong clock = new AtomicLong(1_700_000_000L * SEC);
    protected Storage storage;

    /** Opens the storage under test with {@link #clock}. */
    protected abstract Storage openStorage();

    /** Closes and reopens the storage (file storage: from disk); memory storage returns the same. */
    protected abstract Storage reopen(Storage current);

    @BeforeEach
    void open() {
        storage = openStorage();
    }

    @AfterEach
    void closeStorage() {
        storage.close();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    StreamStore stream(StreamLimits limits) {
        return storage.createStream("S", limits);
    }

    StoreException.Kind refusal(Runnable r) {
        return assertThrows(StoreException.class, r::run).kind();
    }

    // ------------------------------------------------------------------ store and load

    @Test
    void storeAssignsSequencesAndLoadReturnsTheMessage() {
        StreamStore st = stream(StreamLimits.NONE);
        byte[] hdr = b("NATS/1.0\r\nA: 1\r\n\r\n");
        assertEquals(1, st.store("foo", hdr, b("one")));
        clock.addAndGet(SEC);
        assertEquals(2, st.store("bar", null, b("two")));
        StoredMessage m = st.load(1);
        assertEquals("foo", m.subject());
        assertArrayEquals(hdr, m.header());
        assertEquals("one", s(m.payload()));
        assertEquals(clock.get() - SEC, m.timestampNanos());
        assertEquals(0, st.load(2).header().length);
        assertEquals(clock.get(), st.load(2).timestampNanos());
        assertNull(st.load(3));
        assertNull(st.load(0));
        StreamState state = st.state();
        assertEquals(2, state.msgs());
        assertEquals(1, state.firstSeq());
        assertEquals(2, state.lastSeq());
        assertEquals(clock.get() - SEC, state.firstTimeNanos());
        assertEquals(clock.get(), state.lastTimeNanos());
        assertEquals(2, state.numSubjects());
        assertEquals(0, state.numDeleted());
        assertTrue(state.bytes() > 3 + 3 + hdr.length);
    }

    @Test
    void explicitTimestampIsKept() {
        StreamStore st = stream(StreamLimits.NONE);
        st.append("a", null, b("x"), 42);
        st.flush();
        assertEquals(42, st.load(1).timestampNanos());
    }

    @Test
    void appendedMessagesAreVisibleBeforeAndAfterTheFlush() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 1; i <= 300; i++) {
            assertEquals(i, st.append("batch." + (i % 3), null, b("m" + i), 0));
        }
        assertEquals("m150", s(st.load(150).payload()));
        assertEquals(300, st.state().msgs());
        st.flush();
        assertEquals("m150", s(st.load(150).payload()));
        assertEquals("m300", s(st.loadLast("batch.0").payload()));
        st.flush(); // an empty flush is harmless
        assertEquals(301, st.store("batch.0", null, b("after")));
    }

    @Test
    void loadLastBySubjectAndWildcard() {
        StreamStore st = stream(StreamLimits.NONE);
        st.store("a.1", null, b("1"));
        st.store("a.2", null, b("2"));
        st.store("a.1", null, b("3"));
        st.store("b.1", null, b("4"));
        assertEquals(3, st.loadLast("a.1").seq());
        assertEquals(2, st.loadLast("a.2").seq());
        assertEquals(3, st.loadLast("a.*").seq());
        assertEquals(4, st.loadLast(">").seq());
        assertEquals(4, st.loadLast("*.1").seq());
        assertNull(st.loadLast("c.1"));
        assertNull(st.loadLast("c.>"));
    }

    @Test
    void loadNextMatchingFromASequence() {
        StreamStore st = stream(StreamLimits.NONE);
        st.store("a.1", null, b("1"));
        st.store("b.1", null, b("2"));
        st.store("a.2", null, b("3"));
        st.store("b.2", null, b("4"));
        assertEquals(1, st.loadNext("a.*", 0).seq());
        assertEquals(3, st.loadNext("a.*", 2).seq());
        assertEquals(4, st.loadNext("b.2", 1).seq());
        assertEquals(2, st.loadNext(null, 2).seq());
        assertEquals(2, st.loadNext(">", 2).seq());
        assertNull(st.loadNext("a.*", 4));
        assertNull(st.loadNext("c", 1));
        st.remove(3);
        assertNull(st.loadNext("a.2", 1));
        assertEquals(4, st.loadNext("", 3).seq());
    }

    @Test
    void loadNextOnASparseSubjectAfterRemovalsAndPurges() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 1; i <= 2000; i++) {
            st.append(i % 500 == 0 ? "rare" : "common." + (i % 10), null, b("m" + i), 0);
        }
        st.flush();
        assertEquals(500, st.loadNext("rare", 1).seq());
        assertEquals(1000, st.loadNext("rare", 501).seq());
        st.remove(1000);
        assertEquals(1500, st.loadNext("rare", 501).seq());
        assertEquals("m1500", s(st.loadNext("rare", 1001).payload()));
        assertNull(st.loadNext("rare", 2001));
        st.purge("rare", 0, 1); // keeps 2000 only
        assertEquals(2000, st.loadNext("rare", 1).seq());
        st.append("rare", null, b("unflushed"), 0);
        assertEquals(2001, st.loadNext("rare", 2001).seq());
        st.flush();
        st.purge();
        assertNull(st.loadNext("rare", 1));
        st.store("rare", null, b("after purge"));
        assertEquals(2002, st.loadNext("rare", 1).seq());
    }

    // ------------------------------------------------------------------ remove, erase

    @Test
    void removeAndEraseUpdateStateAndSubjects() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 1; i <= 5; i++) {
            st.store(i % 2 == 0 ? "even" : "odd", null, b("m" + i));
        }
        long bytes = st.state().bytes();
        assertTrue(st.remove(3));
        assertFalse(st.remove(3));
        assertFalse(st.remove(99));
        assertTrue(st.erase(1));
        assertNull(st.load(1));
        assertNull(st.load(3));
        StreamState state = st.state();
        assertEquals(3, state.msgs());
        assertEquals(2, state.firstSeq());
        assertEquals(5, state.lastSeq());
        assertEquals(1, state.numDeleted()); // 3, inside first..last
        assertTrue(state.bytes() < bytes);
        assertEquals(new SubjectState(1, 5, 5), st.filteredState("odd"));
        assertEquals(new SubjectState(2, 2, 4), st.filteredState("even"));
        // removing the last message keeps the last sequence
        st.remove(5);
        st.remove(4);
        assertEquals(new SubjectState(1, 2, 2), st.filteredState("even"));
        assertEquals(SubjectState.EMPTY, st.filteredState("odd"));
        assertEquals(5, st.state().lastSeq());
        assertEquals(6, st.store("odd", null, b("m6")));
    }

    // ------------------------------------------------------------------ purge, compact

    @Test
    void purgeAllKeepsTheSequence() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 0; i < 10; i++) {
            st.store("p." + i, null, b("x"));
        }
        assertEquals(10, st.purge());
        StreamState state = st.state();
        assertEquals(0, state.msgs());
        assertEquals(0, state.bytes());
        assertEquals(11, state.firstSeq());
        assertEquals(10, state.lastSeq());
        assertEquals(0, state.numSubjects());
        assertEquals(0, st.purge());
        assertEquals(11, st.store("p.0", null, b("y")));
        assertEquals(11, st.state().firstSeq());
    }

    @Test
    void purgeBySubjectSequenceAndKeep() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 1; i <= 10; i++) {
            st.store(i % 2 == 0 ? "k.even" : "k.odd", null, b("m" + i));
        }
        // keep the last 2 odd ones (7, 9)
        assertEquals(3, st.purge("k.odd", 0, 2));
        assertEquals(new SubjectState(2, 7, 9), st.filteredState("k.odd"));
        // even below 6: 2 and 4
        assertEquals(2, st.purge("k.even", 6, 0));
        assertEquals(new SubjectState(3, 6, 10), st.filteredState("k.even"));
        // keep more than there are: nothing
        assertEquals(0, st.purge("k.even", 0, 5));
        assertEquals(StoreException.Kind.PURGE_ARG_MISMATCH, refusal(() -> st.purge("k.even", 5, 1)));
        // wildcard subject
        assertEquals(5, st.purge("k.*", 0, 0));
        assertEquals(0, st.state().msgs());
        assertEquals(10, st.state().lastSeq());
    }

    @Test
    void purgeAllWithSequenceOrKeepCompacts() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 1; i <= 10; i++) {
            st.store("x", null, b("m" + i));
        }
        assertEquals(4, st.purge(">", 5, 0));
        assertEquals(5, st.state().firstSeq());
        assertEquals(3, st.purge(null, 0, 3));
        assertEquals(8, st.state().firstSeq());
        assertEquals(3, st.state().msgs());
        assertEquals(0, st.purge("", 0, 3));
    }

    @Test
    void compactRemovesBelowAndPastTheEndContinuesThere() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 1; i <= 10; i++) {
            st.store("c." + (i % 2), null, b("m" + i));
        }
        assertEquals(4, st.compact(5));
        assertEquals(5, st.state().firstSeq());
        assertEquals(new SubjectState(3, 5, 9), st.filteredState("c.1"));
        assertEquals(0, st.compact(3));
        assertEquals(6, st.compact(100));
        StreamState state = st.state();
        assertEquals(0, state.msgs());
        assertEquals(99, state.lastSeq());
        assertEquals(100, state.firstSeq());
        assertEquals(100, st.store("c.1", null, b("next")));
    }

    // ------------------------------------------------------------------ subject state

    @Test
    void subjectsStateAndFilteredState() {
        StreamStore st = stream(StreamLimits.NONE);
        st.store("orders.eu.1", null, b("1"));
        st.store("orders.us.1", null, b("2"));
        st.store("orders.eu.1", null, b("3"));
        st.store("orders.eu.2", null, b("4"));
        st.store("other", null, b("5"));
        Map<String, SubjectState> ss = st.subjectsState("orders.eu.*");
        assertEquals(Map.of("orders.eu.1", new SubjectState(2, 1, 3), "orders.eu.2", new SubjectState(1, 4, 4)), ss);
        assertEquals(4, st.subjectsState(">").size());
        assertEquals(4, st.subjectsState(null).size());
        assertEquals(new SubjectState(4, 1, 4), st.filteredState("orders.>"));
        assertEquals(new SubjectState(5, 1, 5), st.filteredState(">"));
        assertEquals(SubjectState.EMPTY, st.filteredState("nothing.*"));
        assertEquals(4, st.state().numSubjects());
    }

    // ------------------------------------------------------------------ limits

    @Test
    void maxMsgsDiscardOldRemovesTheOldest() {
        StreamStore st = stream(StreamLimits.NONE.withMaxMsgs(3));
        for (int i = 1; i <= 5; i++) {
            st.store("m", null, b("m" + i));
        }
        StreamState state = st.state();
        assertEquals(3, state.msgs());
        assertEquals(3, state.firstSeq());
        assertEquals(5, state.lastSeq());
        assertEquals(new SubjectState(3, 3, 5), st.filteredState("m"));
    }

    @Test
    void maxMsgsDiscardNewRefusesAndChangesNothing() {
        StreamStore st = stream(StreamLimits.NONE.withMaxMsgs(2).withDiscardNew(true, false));
        st.store("m", null, b("1"));
        st.store("m", null, b("2"));
        assertEquals(StoreException.Kind.MAX_MSGS, refusal(() -> st.store("m", null, b("3"))));
        assertEquals("maximum messages exceeded",
                assertThrows(StoreException.class, () -> st.store("n", null, b("3"))).getMessage());
        StreamState state = st.state();
        assertEquals(2, state.msgs());
        assertEquals(2, state.lastSeq());
        st.remove(1);
        assertEquals(3, st.store("m", null, b("3")));
    }

    @Test
    void maxBytesDiscardOldAndNew() {
        StreamStore probe = storage.createStream("probe", StreamLimits.NONE);
        probe.store("b", null, new byte[100]);
        long one = probe.state().bytes();
        StreamStore old = storage.createStream("old", StreamLimits.NONE.withMaxBytes(one * 3));
        for (int i = 0; i < 5; i++) {
            old.store("b", null, new byte[100]);
        }
        assertEquals(3, old.state().msgs());
        assertEquals(one * 3, old.state().bytes());
        assertEquals(3, old.state().firstSeq());
        StreamStore neu = storage.createStream("new", StreamLimits.NONE.withMaxBytes(one * 2).withDiscardNew(true, false));
        neu.store("b", null, new byte[100]);
        neu.store("b", null, new byte[100]);
        assertEquals(StoreException.Kind.MAX_BYTES, refusal(() -> neu.store("b", null, new byte[100])));
        assertEquals(2, neu.state().msgs());
    }

    @Test
    void maxMsgsPerSubjectKeepsTheNewestOfEachSubject() {
        StreamStore st = stream(StreamLimits.NONE.withMaxMsgsPerSubject(2));
        for (int i = 1; i <= 9; i++) {
            st.store("kv." + (i % 3), null, b("v" + i));
        }
        assertEquals(6, st.state().msgs());
        assertEquals(new SubjectState(2, 6, 9), st.filteredState("kv.0"));
        assertEquals(new SubjectState(2, 4, 7), st.filteredState("kv.1"));
        assertEquals("v9", s(st.loadLast("kv.0").payload()));
        assertNull(st.load(3));
        assertEquals(4, st.state().firstSeq());
    }

    @Test
    void discardNewPerSubjectRefusesOnlyThatSubject() {
        StreamStore st = stream(StreamLimits.NONE.withMaxMsgsPerSubject(1).withDiscardNew(true, true));
        st.store("kv.a", null, b("1"));
        assertEquals(StoreException.Kind.MAX_MSGS_PER_SUBJECT, refusal(() -> st.store("kv.a", null, b("2"))));
        assertEquals(2, st.store("kv.b", null, b("3")));
        assertEquals("1", s(st.loadLast("kv.a").payload()));
    }

    @Test
    void discardNewAtTheSubjectLimitReplacesInsteadOfRefusing() {
        // nats-server: with discard new (not per subject) a message over max_msgs_per_subject
        // replaces its subject's oldest, so max_msgs is not exceeded
        StreamStore st = stream(StreamLimits.NONE.withMaxMsgs(2).withMaxMsgsPerSubject(1).withDiscardNew(true, false));
        st.store("kv.a", null, b("1"));
        st.store("kv.b", null, b("2"));
        assertEquals(3, st.store("kv.a", null, b("3")));
        assertEquals(StoreException.Kind.MAX_MSGS, refusal(() -> st.store("kv.c", null, b("4"))));
        assertEquals(2, st.state().msgs());
    }

    @Test
    void maxMsgSizeCountsHeaderAndPayload() {
        StreamStore st = stream(StreamLimits.NONE.withMaxMsgSize(10));
        st.store("s", b("12345"), b("12345"));
        assertEquals(StoreException.Kind.MSG_TOO_LARGE, refusal(() -> st.store("s", b("12345"), b("123456"))));
        assertEquals(1, st.state().msgs());
    }

    @Test
    void maxAgeExpiresOnStoreAndOnExpire() {
        StreamStore st = stream(StreamLimits.NONE.withMaxAgeNanos(10 * SEC));
        st.store("a", null, b("1"));
        clock.addAndGet(5 * SEC);
        st.store("a", null, b("2"));
        clock.addAndGet(5 * SEC); // message 1 is now exactly 10 s old
        assertEquals(1, st.expire());
        assertEquals(2, st.state().firstSeq());
        clock.addAndGet(6 * SEC);
        st.store("b", null, b("3")); // expiry runs on store too: message 2 is 11 s old
        StreamState state = st.state();
        assertEquals(1, state.msgs());
        assertEquals(3, state.firstSeq());
        clock.addAndGet(60 * SEC);
        assertEquals(1, st.expire());
        assertEquals(0, st.state().msgs());
        assertEquals(3, st.state().lastSeq());
        assertEquals(0, st.expire());
    }

    @Test
    void updateLimitsAppliesThemNow() {
        StreamStore st = stream(StreamLimits.NONE);
        for (int i = 1; i <= 10; i++) {
            st.store("u." + (i % 2), null, b("m" + i));
        }
        st.updateLimits(StreamLimits.NONE.withMaxMsgsPerSubject(3));
        assertEquals(6, st.state().msgs());
        st.updateLimits(StreamLimits.NONE.withMaxMsgs(2));
        assertEquals(2, st.state().msgs());
        assertEquals(9, st.state().firstSeq());
        assertEquals(2, st.limits().maxMsgs());
    }

    // ------------------------------------------------------------------ consumers

    @Test
    void consumerStateExplicitAcks() {
        StreamStore st = stream(StreamLimits.NONE);
        ConsumerStore c = st.consumer("dur", AckPolicy.EXPLICIT);
        assertEquals(1, st.state().consumers());
        c.updateDelivered(1, 10, 1, 100);
        c.updateDelivered(2, 11, 1, 200);
        c.updateDelivered(3, 12, 1, 300);
        c.updateDelivered(4, 10, 2, 400); // redelivery of 10
        ConsumerState s = c.state();
        assertEquals(4, s.deliveredConsumer());
        assertEquals(12, s.deliveredStream());
        assertEquals(3, s.pending().size());
        assertEquals(new ConsumerState.Pending(4, 400), s.pending().get(10L));
        assertEquals(Map.of(10L, 1L), s.redelivered());
        c.updateAcks(3, 12);
        assertEquals(0, c.state().ackFloorStream()); // 10 and 11 still pending
        c.updateAcks(4, 10);
        s = c.state();
        assertEquals(10, s.ackFloorStream());
        assertEquals(1, s.ackFloorConsumer());
        assertTrue(s.redelivered().isEmpty());
        c.updateAcks(2, 11);
        s = c.state();
        assertTrue(s.pending().isEmpty());
        assertEquals(12, s.ackFloorStream());
        assertEquals(4, s.ackFloorConsumer());
        assertEquals(StoreException.Kind.NOT_FOUND, refusal(() -> c.updateAcks(2, 11)));
    }

    @Test
    void consumerStateAckAllAndAckNone() {
        StreamStore st = stream(StreamLimits.NONE);
        ConsumerStore all = st.consumer("all", AckPolicy.ALL);
        for (int i = 1; i <= 5; i++) {
            all.updateDelivered(i, i + 100, 1, i);
        }
        all.updateAcks(3, 103);
        ConsumerState s = all.state();
        assertEquals(103, s.ackFloorStream());
        assertEquals(3, s.ackFloorConsumer());
        assertEquals(java.util.Set.of(104L, 105L), s.pending().keySet());

        ConsumerStore none = st.consumer("none", AckPolicy.NONE);
        none.updateDelivered(1, 7, 1, 1);
        s = none.state();
        assertEquals(7, s.ackFloorStream());
        assertEquals(7, s.deliveredStream());
        assertTrue(s.pending().isEmpty());
        assertEquals(StoreException.Kind.NO_ACK_POLICY, refusal(() -> none.updateAcks(1, 7)));
        assertEquals(StoreException.Kind.NO_ACK_POLICY, refusal(() -> none.updateDelivered(2, 7, 2, 1)));
        assertEquals(2, st.state().consumers());
        none.delete();
        assertEquals(1, st.state().consumers());
        assertEquals(java.util.Set.of("all"), st.consumerNames());
    }

    @Test
    void consumerSetStartingAndUpdate() {
        StreamStore st = stream(StreamLimits.NONE);
        ConsumerStore c = st.consumer("c", AckPolicy.EXPLICIT);
        c.setStarting(50);
        assertEquals(49, c.state().deliveredStream());
        assertEquals(49, c.state().ackFloorStream());
        ConsumerState replaced = ConsumerState.empty().withDelivered(9, 60).withAckFloor(5, 55);
        replaced.pending().put(58L, new ConsumerState.Pending(8, 77));
        replaced.redelivered().put(58L, 3L);
        c.update(replaced);
        assertEquals(replaced, c.state());
        assertTrue(c.state() != c.state()); // copies
    }

    // ------------------------------------------------------------------ threading

    @Test
    void storeRefusesToRunOnAnEventLoop() throws Exception {
        StreamStore st = stream(StreamLimits.NONE);
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> loop.submit(() -> st.store("x", null, b("1"))).get());
            StoreException se = assertInstanceOf(StoreException.class, e.getCause());
            assertEquals(StoreException.Kind.WRONG_THREAD, se.kind());
        } finally {
            loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
        assertEquals(0, st.state().msgs());
    }

    @Test
    void readersSeeWholeWritesWhileTheWriterStores() throws Exception {
        StreamStore st = stream(StreamLimits.NONE.withMaxMsgs(100));
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 3000; i++) {
                st.append("w." + (i % 7), null, b("payload-" + i), 0);
                if (i % 50 == 49) {
                    st.flush();
                }
            }
            st.flush();
        });
        writer.start();
        while (writer.isAlive()) {
            StreamState s = st.state();
            assertTrue(s.msgs() <= 100);
            StoredMessage last = st.loadLast(">");
            if (last != null) {
                assertNotNull(last.payload());
            }
        }
        writer.join();
        assertEquals(100, st.state().msgs());
        assertEquals(3000, st.state().lastSeq());
    }

    // ------------------------------------------------------------------ snapshots

    @Test
    void snapshotImportKeepsSequencesTimesHeadersFloorAndConsumers() throws Exception {
        StreamStore st = storage.createStream("X", StreamLimits.NONE.withMaxMsgsPerSubject(3));
        for (int i = 1; i <= 30; i++) {
            clock.addAndGet(SEC);
            st.store("x." + (i % 5), i % 4 == 0 ? b("NATS/1.0\r\nI: " + i + "\r\n\r\n") : null, b("p" + i));
        }
        st.remove(29);
        st.remove(30); // the last: last sequence and time stay
        ConsumerStore c = st.consumer("dur", AckPolicy.EXPLICIT);
        c.updateDelivered(1, 16, 1, 11);
        c.updateDelivered(2, 17, 2, 22);
        c.updateAcks(1, 16);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        StreamState exported = StreamSnapshot.export(st, b("{\"config\":{\"name\":\"X\"}}"), java.util.List.of(
                new StreamSnapshot.ConsumerEntry("dur", b("{}"), AckPolicy.EXPLICIT, c.state())), out);
        assertEquals(st.state(), exported);

        StreamStore copy = storage.createStream("Y", StreamLimits.NONE.withMaxMsgsPerSubject(3));
        try (StreamSnapshot.Reader rd = StreamSnapshot.Reader.open(new java.io.ByteArrayInputStream(out.toByteArray()))) {
            assertEquals("{\"config\":{\"name\":\"X\"}}", s(rd.header().streamDefinition()));
            assertEquals(exported.msgs(), rd.importMessages(copy));
            java.util.List<StreamSnapshot.ConsumerEntry> cs = rd.consumers();
            assertEquals(1, cs.size());
            assertEquals(c.state(), cs.get(0).state());
            copy.consumer("dur", AckPolicy.EXPLICIT).update(cs.get(0).state());
        }
        StreamState want = new StreamState(exported.msgs(), exported.bytes(), exported.firstSeq(),
                exported.firstTimeNanos(), exported.lastSeq(), exported.lastTimeNanos(), exported.numDeleted(),
                exported.numSubjects(), 1);
        assertEquals(want, copy.state());
        assertEquals(st.subjectsState(">"), copy.subjectsState(">"));
        for (long seq = 1; seq <= 31; seq++) {
            StoredMessage a = st.load(seq);
            StoredMessage m = copy.load(seq);
            if (a == null) {
                assertNull(m, "seq " + seq);
                continue;
            }
            assertEquals(a.subject(), m.subject());
            assertEquals(a.timestampNanos(), m.timestampNanos());
            assertArrayEquals(a.header(), m.header());
            assertArrayEquals(a.payload(), m.payload());
        }
        assertEquals(31, copy.store("x.1", null, b("next"))); // the limits apply again (16 goes: 3 per subject)
        assertNull(copy.load(16));
        StreamState afterNext = copy.state();

        storage = reopen(storage);
        StreamStore again = storage.stream("Y");
        assertEquals(afterNext, again.state());
        assertEquals("p28", s(again.load(28).payload()));
        assertEquals(c.state(), again.consumer("dur", AckPolicy.EXPLICIT).state());
    }

    @Test
    void aDamagedSnapshotIsRefused() throws Exception {
        StreamStore st = stream(StreamLimits.NONE);
        st.store("a", null, b("1"));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        StreamSnapshot.export(st, b("{}"), java.util.List.of(), out);
        byte[] all = out.toByteArray();
        byte[] cut = java.util.Arrays.copyOf(all, all.length - 4);
        StreamStore copy = storage.createStream("Z", StreamLimits.NONE);
        StreamSnapshot.FormatException e = assertThrows(StreamSnapshot.FormatException.class, () -> {
            try (StreamSnapshot.Reader rd = StreamSnapshot.Reader.open(new java.io.ByteArrayInputStream(cut))) {
                rd.importMessages(copy);
                rd.consumers();
            }
        });
        assertEquals("snapshot is truncated or damaged", e.getMessage());
        assertThrows(StreamSnapshot.FormatException.class,
                () -> StreamSnapshot.Reader.open(new java.io.ByteArrayInputStream(b("not a snapshot at all"))));
    }

    // ------------------------------------------------------------------ recovery

    @Test
    void reopenRecoversStreamsMessagesLimitsAndConsumers() {
        StreamStore st = storage.createStream("R", StreamLimits.NONE.withMaxMsgsPerSubject(5));
        for (int i = 1; i <= 20; i++) {
            st.store("r." + (i % 4), i % 5 == 0 ? b("NATS/1.0\r\nI: " + i + "\r\n\r\n") : null, b("p" + i));
        }
        st.remove(18);
        storage.createStream("P", StreamLimits.NONE).store("gone", null, b("x"));
        storage.stream("P").purge();
        ConsumerStore c = st.consumer("dur", AckPolicy.EXPLICIT);
        c.updateDelivered(1, 1, 1, 11);
        c.updateDelivered(2, 2, 3, 22);
        c.updateAcks(1, 1);
        StreamState before = st.state();
        Map<String, SubjectState> subjectsBefore = st.subjectsState(">");
        ConsumerState consumerBefore = c.state();

        storage = reopen(storage);

        StreamStore r = storage.stream("R");
        assertNotNull(r);
        assertEquals(before, r.state());
        assertEquals(subjectsBefore, r.subjectsState(">"));
        assertEquals(5, r.limits().maxMsgsPerSubject());
        StoredMessage m = r.load(20);
        assertEquals("r.0", m.subject());
        assertEquals("NATS/1.0\r\nI: 20\r\n\r\n", s(m.header()));
        assertEquals("p20", s(m.payload()));
        assertNull(r.load(18));
        assertEquals(consumerBefore, r.consumer("dur", AckPolicy.EXPLICIT).state());
        assertEquals(java.util.Set.of("dur"), r.consumerNames());
        StreamState p = storage.stream("P").state();
        assertEquals(1, p.lastSeq());
        assertEquals(2, p.firstSeq());
        assertEquals(2, storage.stream("P").store("again", null, b("y")));
        assertEquals(21, r.store("r.1", null, b("p21")));
    }

    @Test
    void compactPastTheEndOfAnEmptyStreamSurvivesReopen() {
        StreamStore st = storage.createStream("E", StreamLimits.NONE);
        assertEquals(0, st.compact(50));
        assertEquals(49, st.state().lastSeq());
        storage = reopen(storage);
        StreamState state = storage.stream("E").state();
        assertEquals(49, state.lastSeq());
        assertEquals(50, state.firstSeq());
        assertEquals(50, storage.stream("E").store("e", null, b("x")));
    }

    @Test
    void deleteStreamRemovesEverything() {
        StreamStore st = storage.createStream("D", StreamLimits.NONE);
        st.store("d", null, b("1"));
        st.consumer("c", AckPolicy.EXPLICIT).updateDelivered(1, 1, 1, 1);
        storage.deleteStream("D");
        assertNull(storage.stream("D"));
        storage = reopen(storage);
        assertNull(storage.stream("D"));
        StreamStore again = storage.createStream("D", StreamLimits.NONE);
        assertEquals(0, again.state().msgs());
        assertEquals(0, again.state().lastSeq());
        assertEquals(0, again.state().consumers());
    }
}
