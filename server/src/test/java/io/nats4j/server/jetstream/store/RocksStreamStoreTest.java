package io.nats4j.server.jetstream.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store contract on file storage (RocksDB), plus what only file storage has: the disk. */
class RocksStreamStoreTest extends StreamStoreContractTest {

    @TempDir
    Path dir;

    @Override
    protected Storage openStorage() {
        return RocksStorage.open(dir, null, clock::get);
    }

    @Override
    protected Storage reopen(Storage current) {
        current.close();
        return openStorage();
    }

    @Test
    void syncIntervalModeStoresAndRecovers() {
        storage.close();
        storage = RocksStorage.open(dir, Duration.ofMillis(20), clock::get);
        StreamStore st = storage.createStream("I", StreamLimits.NONE);
        for (int i = 1; i <= 1000; i++) {
            st.append("i", null, b("m" + i), 0);
        }
        st.flush();
        storage.close();
        storage = openStorage();
        assertEquals(1000, storage.stream("I").state().msgs());
        assertEquals("m1000", s(storage.stream("I").loadLast("i").payload()));
    }

    @Test
    void unflushedAppendsAreNotOnDiskAfterClose() {
        StreamStore st = storage.createStream("U", StreamLimits.NONE);
        st.store("u", null, b("durable"));
        st.append("u", null, b("never flushed"), 0);
        storage = reopen(storage);
        assertEquals(1, storage.stream("U").state().msgs());
        assertEquals(1, storage.stream("U").state().lastSeq());
    }

    @Test
    void unknownFormatVersionIsRefusedWithAClearMessage() throws Exception {
        storage.close();
        RocksDB.loadLibrary();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.resolve(RocksStorage.DB_DIR).toString())) {
            db.put(RocksKeys.VERSION_KEY, ByteBuffer.allocate(4).putInt(99).array());
        }
        StoreException e = assertThrows(StoreException.class, this::openStorage);
        assertEquals(StoreException.Kind.FORMAT, e.kind());
        assertTrue(e.getMessage().contains("format version 99; this nats4j reads format versions 1 to 2 only"), e.getMessage());
        storage = new MemoryStorage(); // for @AfterEach
    }

    @Test
    void aDatabaseWithoutVersionIsRefused() throws Exception {
        storage.close();
        Path other = dir.resolve("other");
        RocksDB.loadLibrary();
        java.nio.file.Files.createDirectories(other.resolve(RocksStorage.DB_DIR));
        try (Options o = new Options().setCreateIfMissing(true);
             RocksDB db = RocksDB.open(o, other.resolve(RocksStorage.DB_DIR).toString())) {
            db.put(new byte[] {'x'}, new byte[] {1});
        }
        StoreException e = assertThrows(StoreException.class, () -> RocksStorage.open(other));
        assertEquals(StoreException.Kind.FORMAT, e.kind());
        assertTrue(e.getMessage().contains("no format version"), e.getMessage());
        storage = new MemoryStorage();
    }

    // ---------------------------------------------------------------- index snapshot (clean shutdown)

    /** Random appends, removals and purges on a few subjects; the test's own record of what must remain. */
    private StreamStore fillRandomly(String name, long seed) {
        java.util.Random r = new java.util.Random(seed);
        StreamStore st = storage.createStream(name, new StreamLimits(0, 0, 0, 50, false, false, 0));
        for (int i = 0; i < 3000; i++) {
            int op = r.nextInt(100);
            if (op < 85) {
                st.append("s." + r.nextInt(20), r.nextBoolean() ? null : b("h"), b("m" + i), 0);
            } else if (op < 97) {
                st.flush();
                st.remove(1 + r.nextInt((int) Math.max(1, st.state().lastSeq())));
            } else {
                st.flush();
                st.purge("s." + r.nextInt(20), 0, r.nextInt(3));
            }
        }
        st.flush();
        return st;
    }

    private static String describe(StreamStore st) {
        StringBuilder sb = new StringBuilder(st.state().toString()).append(st.subjectsState(">"));
        for (java.util.Iterator<Long> it = ((AbstractStreamStore) st).sequences(); it.hasNext(); ) {
            StoredMessage m = st.load(it.next());
            sb.append(m.seq()).append(m.subject()).append(s(m.payload())).append(m.timestampNanos()).append(';');
        }
        sb.append(st.filteredState("s.*")).append(st.filteredState("s.3"));
        StoredMessage last = st.loadLast("s.7");
        sb.append(last == null ? "-" : last.seq());
        StoredMessage next = st.loadNext("s.5", 100);
        sb.append(next == null ? "-" : next.seq());
        return sb.toString();
    }

    private boolean fromSnapshot(String name) {
        return ((RocksStreamStore) storage.stream(name)).recoveredFromSnapshot();
    }

    /** Runs {@code change} on the raw database while the storage is closed. */
    private void onRawDatabase(RocksChange change) throws Exception {
        RocksDB.loadLibrary();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.resolve(RocksStorage.DB_DIR).toString())) {
            change.apply(db);
        }
    }

    private interface RocksChange {
        void apply(RocksDB db) throws Exception;
    }

    @Test
    void aCleanRestartLoadsTheIndexSnapshotAndItEqualsTheScan() throws Exception {
        String before = describe(fillRandomly("R", 7));
        fillRandomly("Q", 8);
        storage = reopen(storage);
        assertTrue(fromSnapshot("R"));
        assertTrue(fromSnapshot("Q"));
        assertEquals(before, describe(storage.stream("R")));
        // the snapshot is used once: the store changes from now on, so the next start must not trust it
        storage.stream("R").store("s.1", null, b("after"));
        String after = describe(storage.stream("R"));
        storage.close();
        onRawDatabase(db -> {
            org.junit.jupiter.api.Assertions.assertNotNull(db.get(RocksKeys.MARKER_KEY)); // written by the close
            try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch()) {
                wb.delete(RocksKeys.MARKER_KEY); // no snapshot: the scan
                db.write(new org.rocksdb.WriteOptions(), wb);
            }
        });
        storage = openStorage();
        assertTrue(!fromSnapshot("R"));
        assertEquals(after, describe(storage.stream("R")));
    }

    @Test
    void aSnapshotIsIgnoredWhenTheDatabaseChangedAfterIt() throws Exception {
        StreamStore st = fillRandomly("R", 11);
        long first = st.state().firstSeq();
        long last = st.state().lastSeq();
        long victim = first + 1;
        while (st.load(victim) == null) {
            victim++;
        }
        assertTrue(victim < last);
        long msgs = st.state().msgs();
        int id = ((RocksStreamStore) st).id();
        long v = victim;
        storage.close();
        // a write after the snapshot (as a crash after the next start leaves it): a message in the middle goes, so
        // first and last still match the snapshot; only the marker tells
        onRawDatabase(db -> db.delete(RocksKeys.msg(id, v)));
        storage = openStorage();
        assertTrue(!fromSnapshot("R"), "stale snapshot used");
        assertEquals(msgs - 1, storage.stream("R").state().msgs());
        assertEquals(null, storage.stream("R").load(victim));
        assertEquals(first, storage.stream("R").state().firstSeq());
    }

    @Test
    void aCorruptSnapshotIsIgnoredAndTheIndexRebuilt() throws Exception {
        StreamStore st = fillRandomly("R", 13);
        String expected = describe(st);
        int id = ((RocksStreamStore) st).id();
        storage.close();
        onRawDatabase(db -> {
            byte[] chunk = db.get(RocksKeys.snapshotChunk(id, 0));
            chunk[chunk.length / 2] ^= 0x55;
            // rewrite the chunk and a marker that matches the database again: only the checksum can tell
            long marker = db.getLatestSequenceNumber() + 2;
            try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch();
                 org.rocksdb.WriteOptions wo = new org.rocksdb.WriteOptions()) {
                wb.put(RocksKeys.snapshotChunk(id, 0), chunk);
                wb.put(RocksKeys.MARKER_KEY, ByteBuffer.allocate(8).putLong(marker).array());
                db.write(wo, wb);
            }
        });
        storage = openStorage();
        assertTrue(!fromSnapshot("R"), "corrupt snapshot used");
        assertEquals(expected, describe(storage.stream("R")));
    }

    @Test
    void aTrustedSnapshotIsUsedOnlyWithAMatchingMarker() throws Exception {
        StreamStore st = fillRandomly("R", 17);
        String expected = describe(st);
        storage.close();
        // the marker check is what makes the snapshot trusted: with it the snapshot is used, as tested above;
        // a marker one sequence off (any write after the close) and it is not
        onRawDatabase(db -> {
            long marker = db.getLatestSequenceNumber() + 1 + 1;
            db.put(RocksKeys.MARKER_KEY, ByteBuffer.allocate(8).putLong(marker).array());
        });
        storage = openStorage();
        assertTrue(!fromSnapshot("R"));
        assertEquals(expected, describe(storage.stream("R")));
    }

    @Test
    void aFormatVersion1StoreIsOpenedAndUpgraded() throws Exception {
        StreamStore st = fillRandomly("R", 19);
        String expected = describe(st);
        storage.close();
        // version 1 wrote the same keys without the snapshot ones
        onRawDatabase(db -> {
            db.put(RocksKeys.VERSION_KEY, ByteBuffer.allocate(4).putInt(1).array());
            db.delete(RocksKeys.MARKER_KEY);
            db.deleteRange(new byte[] {RocksKeys.SNAPSHOT}, new byte[] {RocksKeys.SNAPSHOT + 1});
        });
        storage = openStorage();
        assertTrue(!fromSnapshot("R"));
        assertEquals(expected, describe(storage.stream("R")));
        storage.close();
        onRawDatabase(db -> assertEquals(RocksStorage.FORMAT_VERSION, ByteBuffer.wrap(db.get(RocksKeys.VERSION_KEY)).getInt()));
        storage = openStorage();
        assertTrue(fromSnapshot("R"));
        assertEquals(expected, describe(storage.stream("R")));
    }
}
