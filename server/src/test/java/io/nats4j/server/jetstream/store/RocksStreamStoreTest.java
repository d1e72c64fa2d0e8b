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
        assertTrue(e.getMessage().contains("format version 99; this nats4j reads format version 1"), e.getMessage());
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
}
