package io.nats4j.server.jetstream.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key layout of the server's one RocksDB database (docs/JETSTREAM.md, "Storage layout").
 *
 * <p>Everything lives in the default column family, told apart by a one-byte prefix; a stream's
 * keys carry its 4-byte id (assigned at creation, big-endian) and sequences are 8 bytes
 * big-endian, so RocksDB's byte order is sequence order. Why prefixes and not a column family per
 * stream: one column family per stream would mean one memtable per stream (memory grows with the
 * number of streams) and creating or dropping a family on every stream create/delete; with
 * prefixes a stream's messages are still one contiguous range (one {@code deleteRange} purges
 * them), one {@code WriteBatch} spans messages, index and consumer state, and all share one WAL.
 *
 * <pre>
 * 'V'                                 format version (int)
 * 'S' name(UTF-8)                     stream record: id, limits
 * 'F' id                              stream floor: last sequence and time (survives purges)
 * 'M' id seq                          message: time(8) subjectLen(2) subject hdrLen(4) hdr payload
 * 'I' id subject(UTF-8) 0x00 seq      subject index: empty value
 * 'C' id name(UTF-8)                  consumer state
 * 'X' id chunk(4)                     index snapshot of a clean shutdown, in chunks of 1 MiB ({@link IndexSnapshot})
 * 'Z'                                 snapshot marker: RocksDB's last sequence number right after the snapshots
 *                                     were written; they are trusted only while the database is still there
 * </pre>
 *
 * <p>Format versions: 1 had no snapshot keys; 2 (this one) adds {@code 'X'} and {@code 'Z'}. A version 1 store is
 * opened and upgraded (its index is rebuilt by a scan); a version 1 nats4j refuses a version 2 store, so it can
 * never change messages behind a snapshot's back.</p>
 */
final class RocksKeys {

    static final byte VERSION = 'V';
    static final byte STREAM = 'S';
    static final byte FLOOR = 'F';
    static final byte MSG = 'M';
    static final byte INDEX = 'I';
    static final byte CONSUMER = 'C';
    static final byte SNAPSHOT = 'X';
    static final byte MARKER = 'Z';
    static final int SNAPSHOT_CHUNK = 1 << 20;

    static final byte[] VERSION_KEY = {VERSION};
    static final byte[] MARKER_KEY = {MARKER};

    private RocksKeys() {
    }

    static byte[] stream(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[1 + n.length];
        k[0] = STREAM;
        System.arraycopy(n, 0, k, 1, n.length);
        return k;
    }

    /** Prefix byte plus stream id: the start of that stream's range of {@code kind} keys. */
    static byte[] prefix(byte kind, int streamId) {
        return ByteBuffer.allocate(5).put(kind).putInt(streamId).array();
    }

    /** The first key after every key starting with {@code prefix(kind, streamId)}. */
    static byte[] prefixEnd(byte kind, int streamId) {
        return streamId == Integer.MAX_VALUE
                ? new byte[] {(byte) (kind + 1)}
                : prefix(kind, streamId + 1);
    }

    static byte[] floor(int streamId) {
        return prefix(FLOOR, streamId);
    }

    static byte[] msg(int streamId, long seq) {
        return ByteBuffer.allocate(13).put(MSG).putInt(streamId).putLong(seq).array();
    }

    static long msgSeq(byte[] key) {
        return ByteBuffer.wrap(key, 5, 8).getLong();
    }

    static byte[] index(int streamId, String subject, long seq) {
        byte[] s = subject.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + s.length + 1 + 8).put(INDEX).putInt(streamId).put(s).put((byte) 0)
                .putLong(seq).array();
    }

    static byte[] snapshotChunk(int streamId, int chunk) {
        return ByteBuffer.allocate(9).put(SNAPSHOT).putInt(streamId).putInt(chunk).array();
    }

    static byte[] consumer(int streamId, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + n.length).put(CONSUMER).putInt(streamId).put(n).array();
    }

    static String consumerName(byte[] key) {
        return new String(key, 5, key.length - 5, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- values

    static byte[] encodeMessage(String subject, byte[] hdr, byte[] payload, long ts) {
        byte[] s = subject.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + 2 + s.length + 4 + hdr.length + payload.length)
                .putLong(ts).putShort((short) s.length).put(s).putInt(hdr.length).put(hdr).put(payload).array();
    }

    static StoredMessage decodeMessage(long seq, byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        long ts = b.getLong();
        int sl = Short.toUnsignedInt(b.getShort());
        String subject = new String(v, 10, sl, StandardCharsets.UTF_8);
        b.position(10 + sl);
        int hl = b.getInt();
        byte[] hdr = new byte[hl];
        b.get(hdr);
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return new StoredMessage(seq, subject, hdr, payload, ts);
    }

    static byte[] encodeLimits(int id, StreamLimits l) {
        int flags = (l.discardNew() ? 1 : 0) | (l.discardNewPerSubject() ? 2 : 0);
        return ByteBuffer.allocate(4 + 8 * 4 + 1 + 4).putInt(id).putLong(l.maxMsgs()).putLong(l.maxBytes())
                .putLong(l.maxAgeNanos()).putLong(l.maxMsgsPerSubject()).put((byte) flags).putInt(l.maxMsgSize())
                .array();
    }

    static int decodeStreamId(byte[] v) {
        return ByteBuffer.wrap(v).getInt();
    }

    static StreamLimits decodeLimits(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v, 4, v.length - 4);
        long maxMsgs = b.getLong();
        long maxBytes = b.getLong();
        long maxAge = b.getLong();
        long maxPer = b.getLong();
        int flags = b.get();
        int maxMsgSize = b.getInt();
        return new StreamLimits(maxMsgs, maxBytes, maxAge, maxPer, (flags & 1) != 0, (flags & 2) != 0, maxMsgSize);
    }

    static byte[] encodeFloor(long lastSeq, long lastTs) {
        return ByteBuffer.allocate(16).putLong(lastSeq).putLong(lastTs).array();
    }

    static byte[] encodeConsumer(AckPolicy policy, ConsumerState s) {
        ByteBuffer b = ByteBuffer.allocate(1 + 32 + 4 + s.pending().size() * 24 + 4 + s.redelivered().size() * 16);
        b.put((byte) policy.ordinal());
        b.putLong(s.deliveredConsumer()).putLong(s.deliveredStream()).putLong(s.ackFloorConsumer())
                .putLong(s.ackFloorStream());
        b.putInt(s.pending().size());
        s.pending().forEach((sseq, p) -> b.putLong(sseq).putLong(p.consumerSeq()).putLong(p.timestampNanos()));
        b.putInt(s.redelivered().size());
        s.redelivered().forEach((sseq, n) -> b.putLong(sseq).putLong(n));
        return b.array();
    }

    static AckPolicy decodeConsumerPolicy(byte[] v) {
        return AckPolicy.values()[v[0]];
    }

    static ConsumerState decodeConsumer(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v, 1, v.length - 1);
        ConsumerState s = new ConsumerState(b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                new java.util.TreeMap<>(), new java.util.TreeMap<>());
        for (int i = b.getInt(); i > 0; i--) {
            s.pending().put(b.getLong(), new ConsumerState.Pending(b.getLong(), b.getLong()));
        }
        for (int i = b.getInt(); i > 0; i--) {
            s.redelivered().put(b.getLong(), b.getLong());
        }
        return s;
    }
}
