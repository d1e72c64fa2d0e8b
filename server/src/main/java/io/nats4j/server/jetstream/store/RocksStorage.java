package io.nats4j.server.jetstream.store;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * File storage: every stream and consumer of the server in one RocksDB database under the store
 * directory (layout in {@link RocksKeys}). Opening it loads RocksDB's native library (only then:
 * a server without JetStream file storage never touches this class), checks the format version
 * and recovers every stream and consumer.
 *
 * <p>Durability: with no sync interval (the default) each stream's flush is one {@code WriteBatch}
 * written with {@code sync=true}: one fsync of the WAL per batch, and a message acknowledged after
 * the flush survives {@code kill -9} and power loss. With a sync interval, writes go to the WAL
 * without fsync (they survive a crash of the process, as the OS holds them) and a background
 * thread fsyncs the WAL every interval (nats-server's {@code sync_interval}).
 *
 * <p>Close order: the sync thread, a last WAL sync, the streams (their batches), the write
 * options, the database, then its options.
 */
public final class RocksStorage implements Storage {

    /** The on-disk format this version writes (and reads, with every older one it upgrades; {@link RocksKeys}). */
    public static final int FORMAT_VERSION = 2;
    /** The oldest format this version opens. */
    public static final int OLDEST_FORMAT_VERSION = 1;
    /** Directory under the store directory that holds the database. */
    public static final String DB_DIR = "rocksdb";

    private final Path dir;
    private final Duration syncInterval;
    private final LongSupplier clockNanos;
    private final Options options;
    private final LRUCache cache;
    private final BloomFilter filter;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final ConcurrentHashMap<String, RocksStreamStore> streams = new ConcurrentHashMap<>();
    private final AtomicBoolean unsynced = new AtomicBoolean();
    private final ScheduledExecutorService syncer;
    private int nextStreamId;
    private volatile boolean closed;

    /**
     * Opens (or creates) the database under {@code storeDir}.
     *
     * @param syncInterval {@code null} or zero: sync every flush (the default, durable acks);
     *                     otherwise fsync the WAL this often
     * @param clockNanos   epoch nanoseconds, for timestamps and expiry
     */
    public static RocksStorage open(Path storeDir, Duration syncInterval, LongSupplier clockNanos) {
        ThreadGuard.checkNotEventLoop();
        RocksNativeLibrary.load();
        return new RocksStorage(storeDir, syncInterval, clockNanos);
    }

    public static RocksStorage open(Path storeDir) {
        return open(storeDir, null, SystemClock::nowNanos);
    }

    /** Memtable size: at most {@link #MAX_WRITE_BUFFERS} of them exist (one filling, one being flushed). */
    static final long WRITE_BUFFER_BYTES = 16L << 20;
    static final int MAX_WRITE_BUFFERS = 2;
    /** The block cache of data blocks (index and filter blocks stay with the table readers). */
    static final long BLOCK_CACHE_BYTES = 8L << 20;

    /**
     * Every RocksDB option nats4j sets, in one place. Memory: the memtables (2 x 16 MiB), the block cache (8 MiB)
     * and the SST files' index and filter blocks, which grow with the data (about 1%, and 10 bits a key)
     * (docs/PERFORMANCE.md, "JetStream restart and memory"). {@code table} and {@code cache} are closed with it.
     */
    private static Options newOptions(LRUCache cache, BloomFilter filter) {
        Options o = new Options();
        o.setCreateIfMissing(true);
        // small values written in sequence order: LZ4 is cheap and compresses subjects and headers well
        o.setCompressionType(CompressionType.LZ4_COMPRESSION);
        o.setMaxBackgroundJobs(2); // the machine's cores are for the server first
        o.setWriteBufferSize(WRITE_BUFFER_BYTES);
        o.setMaxWriteBufferNumber(MAX_WRITE_BUFFERS);
        o.setKeepLogFileNum(4);
        o.setRecycleLogFileNum(0);
        BlockBasedTableConfig table = new BlockBasedTableConfig();
        table.setBlockCache(cache);
        // index and filter blocks stay with their table readers (RocksDB's default), outside the block cache: in
        // an 8 MiB cache the data blocks of a consumer's reads evicted them, and every point read then loaded and
        // parsed an SST's whole index again (~300 us a message: js-fetch-1k fell to 3,000 msgs/s). They cost
        // about 1% of the data (index) plus 10 bits a key (filter).
        table.setFilterPolicy(filter); // point reads of messages skip SST files that do not hold the key
        o.setTableFormatConfig(table);
        return o;
    }

    private RocksStorage(Path storeDir, Duration syncInterval, LongSupplier clockNanos) {
        this.dir = storeDir.resolve(DB_DIR);
        this.syncInterval = syncInterval == null || syncInterval.isZero() ? null : syncInterval;
        this.clockNanos = clockNanos;
        LRUCache c = new LRUCache(BLOCK_CACHE_BYTES);
        BloomFilter f = new BloomFilter(10);
        Options o = newOptions(c, f);
        WriteOptions w = new WriteOptions().setSync(this.syncInterval == null);
        RocksDB opened = null;
        try {
            Files.createDirectories(dir);
            opened = RocksDB.open(o, dir.toString());
            checkFormatVersion(opened, w);
            this.options = o;
            this.cache = c;
            this.filter = f;
            this.writeOptions = w;
            this.db = opened;
            recoverStreams();
        } catch (RocksDBException | java.io.IOException e) {
            closeQuietly(opened, w, o);
            c.close();
            f.close();
            throw new StoreException(StoreException.Kind.IO, "cannot open JetStream store " + dir + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(opened, w, o);
            c.close();
            f.close();
            throw e;
        }
        if (this.syncInterval != null) {
            syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "nats4j-store-sync");
                t.setDaemon(true);
                return t;
            });
            long ms = Math.max(1, this.syncInterval.toMillis());
            syncer.scheduleWithFixedDelay(this::syncWal, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            syncer = null;
        }
    }

    private static void closeQuietly(RocksDB db, WriteOptions w, Options o) {
        if (db != null) {
            db.close();
        }
        w.close();
        o.close();
    }

    private void checkFormatVersion(RocksDB d, WriteOptions w) throws RocksDBException {
        byte[] v = d.get(RocksKeys.VERSION_KEY);
        if (v == null) {
            try (RocksIterator it = d.newIterator()) {
                it.seekToFirst();
                if (it.isValid()) {
                    throw new StoreException(StoreException.Kind.FORMAT, "JetStream store " + dir
                            + " has data but no format version: not written by nats4j, refusing to open it", null);
                }
            }
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                d.put(sync, RocksKeys.VERSION_KEY, ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
            }
            return;
        }
        int version = v.length == 4 ? ByteBuffer.wrap(v).getInt() : -1;
        if (version < OLDEST_FORMAT_VERSION || version > FORMAT_VERSION) {
            throw new StoreException(StoreException.Kind.FORMAT, "JetStream store " + dir + " has format version "
                    + version + "; this nats4j reads format versions " + OLDEST_FORMAT_VERSION + " to "
                    + FORMAT_VERSION + " only: refusing to open it (nothing was changed)", null);
        }
        if (version < FORMAT_VERSION) {
            // 1 -> 2 adds the index snapshot keys only: nothing to convert; an older nats4j now refuses the store
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                d.put(sync, RocksKeys.VERSION_KEY, ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
            }
        }
    }

    private void recoverStreams() throws RocksDBException {
        List<byte[][]> records = new ArrayList<>();
        try (Slice lower = new Slice(new byte[] {RocksKeys.STREAM});
             Slice upper = new Slice(new byte[] {RocksKeys.STREAM + 1});
             ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
             RocksIterator it = db.newIterator(ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                records.add(new byte[][] {it.key(), it.value()});
            }
            it.status();
        }
        // the snapshots of a clean shutdown hold only if nothing was written since: RocksDB's sequence number
        byte[] marker = db.get(RocksKeys.MARKER_KEY);
        boolean trusted = marker != null && marker.length == 8
                && ByteBuffer.wrap(marker).getLong() == db.getLatestSequenceNumber();
        for (byte[][] r : records) {
            String name = new String(r[0], 1, r[0].length - 1, java.nio.charset.StandardCharsets.UTF_8);
            int id = RocksKeys.decodeStreamId(r[1]);
            nextStreamId = Math.max(nextStreamId, id + 1);
            RocksStreamStore s = new RocksStreamStore(this, name, id, RocksKeys.decodeLimits(r[1]), clockNanos);
            s.recover(trusted ? readSnapshot(id) : null);
            streams.put(name, s);
        }
        if (marker != null || hasSnapshotKeys()) {
            // used or not, a snapshot is stale from the first write on: drop it now
            try (WriteBatch b = new WriteBatch()) {
                b.delete(RocksKeys.MARKER_KEY);
                b.deleteRange(new byte[] {RocksKeys.SNAPSHOT}, new byte[] {RocksKeys.SNAPSHOT + 1});
                db.write(writeOptions, b);
            }
        }
    }

    private boolean hasSnapshotKeys() {
        try (RocksIterator it = db.newIterator()) {
            it.seek(new byte[] {RocksKeys.SNAPSHOT});
            return it.isValid() && it.key().length > 0 && it.key()[0] == RocksKeys.SNAPSHOT;
        }
    }

    /** The snapshot chunks of stream {@code id} put together, or null when there are none. */
    private IndexSnapshot readSnapshot(int id) throws RocksDBException {
        byte[] out = null;
        int pos = 0;
        try (Slice lower = new Slice(RocksKeys.prefix(RocksKeys.SNAPSHOT, id));
             Slice upper = new Slice(RocksKeys.prefixEnd(RocksKeys.SNAPSHOT, id));
             ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper)
                     .setFillCache(false);
             RocksIterator it = db.newIterator(ro)) {
            int expected = 0;
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (ByteBuffer.wrap(it.key(), 5, 4).getInt() != expected++) {
                    return null; // a chunk is missing
                }
                byte[] v = it.value();
                if (out == null) {
                    // the first chunk starts with the snapshot's head: its length, so one array of the right size
                    int total = v.length >= 12 ? 16 + ByteBuffer.wrap(v, 8, 4).getInt() : -1;
                    if (total < v.length || total > (1 << 30)) {
                        return null;
                    }
                    out = new byte[total];
                }
                if (pos + v.length > out.length) {
                    return null;
                }
                System.arraycopy(v, 0, out, pos, v.length);
                pos += v.length;
            }
            it.status();
        }
        return out == null || pos != out.length ? null : IndexSnapshot.of(out);
    }

    /**
     * At a clean close: every stream's index snapshot and the marker, in one synced batch (write lock of each
     * stream taken in turn). A stream with unflushed appends has none and is scanned at the next start.
     */
    private void writeSnapshots() {
        try (WriteBatch b = new WriteBatch(); WriteOptions sync = new WriteOptions().setSync(true)) {
            b.deleteRange(new byte[] {RocksKeys.SNAPSHOT}, new byte[] {RocksKeys.SNAPSHOT + 1});
            for (RocksStreamStore s : streams.values()) {
                IndexSnapshot snap = s.snapshot();
                if (snap == null) {
                    continue;
                }
                byte[] bytes = snap.bytes();
                for (int off = 0, chunk = 0; off < bytes.length; off += RocksKeys.SNAPSHOT_CHUNK, chunk++) {
                    int len = Math.min(RocksKeys.SNAPSHOT_CHUNK, bytes.length - off);
                    b.put(RocksKeys.snapshotChunk(s.id(), chunk), java.util.Arrays.copyOfRange(bytes, off, off + len));
                }
            }
            // every operation of a batch takes one sequence number: the marker is the last one
            long last = db.getLatestSequenceNumber() + b.count() + 1;
            b.put(RocksKeys.MARKER_KEY, ByteBuffer.allocate(8).putLong(last).array());
            db.write(sync, b);
        } catch (RocksDBException | RuntimeException e) {
            // no snapshot: the next start scans
        }
    }

    RocksDB db() {
        return db;
    }

    /** Writes a batch with the storage's durability. Called by a stream's single writer. */
    void write(WriteBatch batch) {
        if (closed) {
            throw new StoreException(StoreException.Kind.CLOSED);
        }
        try {
            db.write(writeOptions, batch);
            if (syncer != null) {
                unsynced.set(true);
            }
        } catch (RocksDBException e) {
            throw new StoreException(StoreException.Kind.IO, "JetStream store write failed: " + e.getMessage(), e);
        }
    }

    private void syncWal() {
        if (unsynced.getAndSet(false) && !closed) {
            try {
                db.flushWal(true);
            } catch (RocksDBException e) {
                unsynced.set(true);
            }
        }
    }

    @Override
    public synchronized StreamStore createStream(String name, StreamLimits limits) {
        ThreadGuard.checkNotEventLoop();
        RocksStreamStore existing = streams.get(name);
        if (existing != null) {
            return existing;
        }
        int id = nextStreamId++;
        try (WriteBatch b = new WriteBatch()) {
            b.put(RocksKeys.stream(name), RocksKeys.encodeLimits(id, limits));
            write(b);
        } catch (RocksDBException e) {
            throw new StoreException(StoreException.Kind.IO, "cannot create stream " + name + ": " + e, e);
        }
        RocksStreamStore s = new RocksStreamStore(this, name, id, limits, clockNanos);
        streams.put(name, s);
        return s;
    }

    @Override
    public StreamStore stream(String name) {
        return streams.get(name);
    }

    @Override
    public Set<String> streamNames() {
        return new TreeSet<>(streams.keySet());
    }

    @Override
    public synchronized void deleteStream(String name) {
        ThreadGuard.checkNotEventLoop();
        RocksStreamStore s = streams.remove(name);
        if (s == null) {
            return;
        }
        s.close();
        int id = s.id();
        try (WriteBatch b = new WriteBatch()) {
            b.delete(RocksKeys.stream(name));
            b.delete(RocksKeys.floor(id));
            for (byte kind : new byte[] {RocksKeys.MSG, RocksKeys.INDEX, RocksKeys.CONSUMER}) {
                b.deleteRange(RocksKeys.prefix(kind, id), RocksKeys.prefixEnd(kind, id));
            }
            write(b);
        } catch (RocksDBException e) {
            throw new StoreException(StoreException.Kind.IO, "cannot delete stream " + name + ": " + e, e);
        }
    }

    /** Encodes the stream record for a limits update. */
    byte[] streamRecord(int id, StreamLimits limits) {
        return RocksKeys.encodeLimits(id, limits);
    }

    public Path directory() {
        return dir;
    }

    /** The sync interval, or {@code null} when every flush syncs. */
    public Duration syncInterval() {
        return syncInterval;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (syncer != null) {
            syncer.shutdownNow();
            try {
                syncer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writeSnapshots();
        for (RocksStreamStore s : streams.values()) {
            s.close();
        }
        streams.clear();
        closed = true;
        try {
            db.flushWal(true);
            try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
                db.flush(fo);
            }
        } catch (RocksDBException e) {
            // closing anyway: the WAL holds what the memtables held
        }
        writeOptions.close();
        db.close();
        options.close();
        cache.close();
        filter.close();
    }
}
