package io.nats4j.server.jetstream.store;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A stream in the server's RocksDB database. Appends, removals and the stream's floor record go
 * into one {@link WriteBatch}; {@link #flush()} writes it with the storage's sync (one fsync per
 * batch). Until then the appended messages' bytes stay in their index entries, so loads see them.
 * The in-memory index (sequence to subject, time, size) is rebuilt from the message keys on open.
 */
final class RocksStreamStore extends AbstractStreamStore {

    /** The head of a message value read during recovery: time, subject length, subject, header length. */
    private static final int RECOVERY_HEAD_BYTES = 16 * 1024;

    private final RocksStorage storage;
    private final int id;
    private final WriteBatch batch = new WriteBatch();
    private final MessageEncoder encoder;
    /**
     * Header and payload of the appends that are only in {@link #batch} until the next flush, in sequence order
     * so loads see them (RocksDB reads do not see a batch).
     */
    private final List<byte[][]> unflushed = new ArrayList<>();
    /** Their sequences, ascending (consecutive for appends; a restore's {@code appendAt} may leave gaps). */
    private long[] unflushedSeqs = new long[64];
    /** Whether {@link #recover()} loaded the index from a snapshot (tests and logs). */
    private boolean recoveredFromSnapshot;
    private boolean floorDirty;
    /** The last sequence in the floor record on disk. */
    private long persistedLastSeq = -1;

    RocksStreamStore(RocksStorage storage, String name, int id, StreamLimits limits, LongSupplier clockNanos) {
        super(name, limits, clockNanos, false);
        this.storage = storage;
        this.id = id;
        this.encoder = new MessageEncoder(id);
    }

    int id() {
        return id;
    }

    /**
     * Rebuilds the index and the consumers from the database (at open, before anyone sees the store). The scan
     * copies each key and the head of each value into reused arrays (the value's full length comes back from
     * RocksDB; the payload is not needed) and reuses the String of the previous message's subject when the bytes
     * are the same, so a long stream is read without an allocation per message beyond its index entry.
     */
    void recover(IndexSnapshot snapshot) throws RocksDBException {
        long floor = floorLastSeq();
        if (snapshot != null && snapshot.restoreInto(index, floor) && endsMatch()) {
            recoveredFromSnapshot = true;
            persistedLastSeq = floor;
        } else {
            index.clear();
            index.lastSeq = 0;
            index.lastTimeNanos = 0;
            recoverMessages();
        }
        try (Slice lower = new Slice(RocksKeys.prefix(RocksKeys.CONSUMER, id));
             Slice upper = new Slice(RocksKeys.prefixEnd(RocksKeys.CONSUMER, id));
             ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
             RocksIterator it = storage.db().newIterator(ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                String cname = RocksKeys.consumerName(it.key());
                byte[] v = it.value();
                consumers.put(cname, new RocksConsumerStore(cname, RocksKeys.decodeConsumerPolicy(v),
                        RocksKeys.decodeConsumer(v)));
            }
            it.status();
        }
    }

    /** A last check of a restored index against the database: the same first and last message. */
    private boolean endsMatch() {
        try (Slice lower = new Slice(RocksKeys.prefix(RocksKeys.MSG, id));
             Slice upper = new Slice(RocksKeys.prefixEnd(RocksKeys.MSG, id));
             ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
             RocksIterator it = storage.db().newIterator(ro)) {
            it.seekToFirst();
            if (!it.isValid()) {
                return index.isEmpty();
            }
            long first = RocksKeys.msgSeq(it.key());
            it.seekToLast();
            return it.isValid() && first == index.firstSeq() && RocksKeys.msgSeq(it.key()) == index.lastStoredSeq();
        }
    }

    boolean recoveredFromSnapshot() {
        return recoveredFromSnapshot;
    }

    /** The last sequence in the floor record, or -1 without one. */
    private long floorLastSeq() throws RocksDBException {
        byte[] floor = storage.db().get(RocksKeys.floor(id));
        return floor == null ? -1 : ByteBuffer.wrap(floor).getLong();
    }

    /**
     * The index as a snapshot for a clean shutdown, or {@code null} when the database does not hold exactly what
     * the index says (appends not flushed). Write lock taken.
     */
    IndexSnapshot snapshot() {
        lock.writeLock().lock();
        try {
            if (closed || !unflushed.isEmpty() || batch.count() > 0 || index.lastSeq != persistedLastSeq) {
                return null;
            }
            index.resolveStale();
            return IndexSnapshot.of(index);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A failed flush: the batch goes and the index is rebuilt from the database (write lock held). */
    @Override
    protected void persistDiscard() {
        batch.clear();
        unflushed.clear();
        floorDirty = false;
        index.clear();
        index.lastSeq = 0;
        index.lastTimeNanos = 0;
        try {
            recoverMessages();
        } catch (RocksDBException ex) {
            throw io(ex);
        }
    }

    /** The index (messages, then the floor record) from the database. */
    private void recoverMessages() throws RocksDBException {
        byte[] key = new byte[13];
        byte[] head = new byte[RECOVERY_HEAD_BYTES];
        byte[] lastSubject = new byte[0];
        String lastSubjectString = null;
        try (Slice lower = new Slice(RocksKeys.prefix(RocksKeys.MSG, id));
             Slice upper = new Slice(RocksKeys.prefixEnd(RocksKeys.MSG, id));
             ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper)
                     .setFillCache(false).setReadaheadSize(4L << 20);
             RocksIterator it = storage.db().newIterator(ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                it.key(key);
                long seq = ((long) (key[5] & 0xff) << 56) | ((long) (key[6] & 0xff) << 48)
                        | ((long) (key[7] & 0xff) << 40) | ((long) (key[8] & 0xff) << 32)
                        | ((long) (key[9] & 0xff) << 24) | ((key[10] & 0xff) << 16) | ((key[11] & 0xff) << 8)
                        | (key[12] & 0xff);
                int total = it.value(head);
                byte[] v = head;
                int sl = total >= 10 ? ((head[8] & 0xff) << 8) | (head[9] & 0xff) : -1;
                if (sl < 0 || 14 + sl > head.length) {
                    v = it.value(); // a subject longer than the reused array holds
                    sl = ((v[8] & 0xff) << 8) | (v[9] & 0xff);
                }
                long ts = ByteBuffer.wrap(v, 0, 8).getLong();
                int hl = ByteBuffer.wrap(v, 10 + sl, 4).getInt();
                int pl = total - (14 + sl + hl);
                String subject;
                if (lastSubjectString != null && lastSubject.length == sl
                        && java.util.Arrays.equals(v, 10, 10 + sl, lastSubject, 0, sl)) {
                    subject = lastSubjectString;
                } else {
                    subject = new String(v, 10, sl, StandardCharsets.UTF_8);
                    lastSubject = java.util.Arrays.copyOfRange(v, 10, 10 + sl);
                    lastSubjectString = subject;
                }
                recoverEntry(seq, subject, ts, messageSize(subject, hl, pl), hl > 0);
            }
            it.status();
        }
        byte[] floor = storage.db().get(RocksKeys.floor(id));
        if (floor != null) {
            ByteBuffer b = ByteBuffer.wrap(floor);
            long last = b.getLong();
            long lastTs = b.getLong();
            if (last >= index.lastSeq) {
                index.lastSeq = last;
                index.lastTimeNanos = lastTs;
            }
            persistedLastSeq = last;
        }
    }

    /** nats-server's {@code fileStoreMsgSize}, so {@code bytes} reads as it does for file streams. */
    @Override
    protected long messageSize(String subject, int headerLength, int payloadLength) {
        long n = 22L + subject.length() + payloadLength + 8;
        return headerLength == 0 ? n : n + 4 + headerLength;
    }

    @Override
    protected void persistAppend(long seq, String subject, long timestampNanos, byte[] header, byte[] payload) {
        try {
            batch.put(encoder.msgKey(seq), encoder.value(subject, header, payload, timestampNanos));
            batch.put(encoder.indexKey(subject, seq), encoder.emptyValue());
        } catch (RocksDBException ex) {
            throw io(ex);
        }
        int n = unflushed.size();
        if (n == unflushedSeqs.length) {
            unflushedSeqs = java.util.Arrays.copyOf(unflushedSeqs, n * 2);
        }
        unflushedSeqs[n] = seq;
        unflushed.add(new byte[][] {header, payload});
        floorDirty = true;
    }

    @Override
    protected void persistRemove(long seq, String subject, boolean erase) {
        if (erase) {
            byte[][] hp = unflushedBytes(seq);
            if (hp != null) {
                java.util.Arrays.fill(hp[0], (byte) 0);
                java.util.Arrays.fill(hp[1], (byte) 0);
            }
        }
        try {
            batch.delete(RocksKeys.msg(id, seq));
            batch.delete(RocksKeys.index(id, subject, seq));
        } catch (RocksDBException ex) {
            throw io(ex);
        }
        floorDirty = true;
    }

    @Override
    protected void persistRemoveAll(long fromSeq, long toSeq) {
        try {
            batch.deleteRange(RocksKeys.msg(id, fromSeq), RocksKeys.msg(id, toSeq + 1));
            batch.deleteRange(RocksKeys.prefix(RocksKeys.INDEX, id), RocksKeys.prefixEnd(RocksKeys.INDEX, id));
        } catch (RocksDBException ex) {
            throw io(ex);
        }
        floorDirty = true;
    }

    @Override
    protected void persistLimits(StreamLimits newLimits) {
        try {
            batch.put(RocksKeys.stream(name), storage.streamRecord(id, newLimits));
        } catch (RocksDBException ex) {
            throw io(ex);
        }
    }

    @Override
    protected void persistFlush() {
        // a compaction past the end moves the last sequence without removing anything
        floorDirty |= index.lastSeq != persistedLastSeq;
        if (batch.count() == 0 && !floorDirty) {
            return;
        }
        try {
            if (floorDirty) {
                // the last sequence survives purges and the removal of the last message
                batch.put(RocksKeys.floor(id), RocksKeys.encodeFloor(index.lastSeq, index.lastTimeNanos));
            }
            storage.write(batch);
            persistedLastSeq = index.lastSeq;
        } catch (RocksDBException ex) {
            throw io(ex);
        } finally {
            batch.clear();
            floorDirty = false;
        }
        unflushed.clear();
    }

    /** Header and payload of an append not flushed yet, or null. */
    private byte[][] unflushedBytes(long seq) {
        int n = unflushed.size();
        if (n == 0 || seq < unflushedSeqs[0] || seq > unflushedSeqs[n - 1]) {
            return null;
        }
        int i = java.util.Arrays.binarySearch(unflushedSeqs, 0, n, seq);
        return i < 0 ? null : unflushed.get(i);
    }

    @Override
    protected StoredMessage read(long seq, int slot) {
        byte[][] hp = unflushedBytes(seq);
        if (hp != null) {
            return new StoredMessage(seq, index.subjectAt(slot), hp[0].clone(), hp[1].clone(), index.timeAt(slot));
        }
        try {
            byte[] v = storage.db().get(RocksKeys.msg(id, seq));
            if (v == null) {
                throw new StoreException(StoreException.Kind.IO,
                        "stream " + name + ": message " + seq + " is indexed but missing from the database", null);
            }
            return RocksKeys.decodeMessage(seq, v);
        } catch (RocksDBException ex) {
            throw io(ex);
        }
    }

    /**
     * Seeks the {@code 'I'} subject index: a sparse subject in a long stream is found without
     * walking the messages in between. Only when every append is flushed (the index in the
     * database is then exactly the in-heap one); otherwise the caller scans.
     */
    @Override
    protected long nextSeqOfSubject(String subject, long from) {
        if (!unflushed.isEmpty() || batch.count() > 0) {
            return 0;
        }
        byte[] start = RocksKeys.index(id, subject, from);
        byte[] end = RocksKeys.index(id, subject, Long.MAX_VALUE);
        try (Slice upper = new Slice(end);
             ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
             RocksIterator it = storage.db().newIterator(ro)) {
            it.seek(start);
            if (it.isValid()) {
                byte[] k = it.key();
                return ByteBuffer.wrap(k, k.length - 8, 8).getLong();
            }
            it.status();
            return -1;
        } catch (RocksDBException ex) {
            throw io(ex);
        }
    }

    @Override
    protected ConsumerStore openConsumer(String consumerName, AckPolicy ackPolicy) {
        return new RocksConsumerStore(consumerName, ackPolicy, null);
    }

    private static StoreException io(RocksDBException e) {
        return new StoreException(StoreException.Kind.IO, "JetStream store: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                batch.close(); // unflushed appends were never acknowledged
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A consumer's state under key {@code 'C' id name}, rewritten whole at each update. */
    private final class RocksConsumerStore extends AbstractConsumerStore {

        private final byte[] key;

        RocksConsumerStore(String consumerName, AckPolicy ackPolicy, ConsumerState recovered) {
            super(consumerName, ackPolicy, recovered);
            this.key = RocksKeys.consumer(id, consumerName);
            if (recovered == null) {
                persist(state);
            }
        }

        @Override
        protected void persist(ConsumerState s) {
            try (WriteBatch b = new WriteBatch()) {
                b.put(key, RocksKeys.encodeConsumer(ackPolicy(), s));
                storage.write(b);
            } catch (RocksDBException ex) {
                throw io(ex);
            }
        }

        @Override
        protected void erasePersisted() {
            try (WriteBatch b = new WriteBatch()) {
                b.delete(key);
                storage.write(b);
            } catch (RocksDBException ex) {
                throw io(ex);
            }
            consumerDeleted(name());
        }
    }
}
