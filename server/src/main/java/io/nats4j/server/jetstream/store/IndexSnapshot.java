package io.nats4j.server.jetstream.store;

import io.nats4j.server.jetstream.store.StreamIndex.SubjectInfo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A {@link StreamIndex} written out at a clean shutdown, so that the next start reads it instead of scanning
 * every message (docs/JETSTREAM.md, "Storage layout"). The storage decides whether a snapshot may be trusted at
 * all (it must describe the database as it is); this class only encodes, checks and decodes one.
 *
 * <pre>
 * magic(4) version(4) bodyLength(4) crc32c(body)(4) body
 * body: lastSeq(8) lastTime(8) bytes(8)
 *       subjects(varint) { nameLength(varint) name(UTF-8) msgs first last (varints) }
 *       messages(varint) { seq - previous seq, zigzag(time - previous time), subject number,
 *                          size | hasHeader << 31 (varints) }
 * </pre>
 *
 * About 8 to 10 bytes a message for a stream on a few subjects.
 */
final class IndexSnapshot {

    static final int MAGIC = 0x4e345831; // "N4X1"
    static final int VERSION = 1;
    private static final int HEAD = 16;

    private final byte[] bytes;

    private IndexSnapshot(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A snapshot as read from the database (checked when restored). */
    static IndexSnapshot of(byte[] bytes) {
        return new IndexSnapshot(bytes);
    }

    byte[] bytes() {
        return bytes;
    }

    /** Encodes {@code index} (stale subject bounds resolved by the caller). */
    static IndexSnapshot of(StreamIndex index) {
        Out o = new Out(HEAD + 64 + index.size() * 10);
        o.pos = HEAD;
        o.putLong(index.lastSeq);
        o.putLong(index.lastTimeNanos);
        o.putLong(index.bytes);
        int[] number = new int[Math.max(1, index.idBound())];
        int n = 0;
        o.putVarint(index.subjects.size());
        for (SubjectInfo si : index.subjectInfos()) {
            number[si.id] = n++;
            byte[] name = si.name.getBytes(StandardCharsets.UTF_8);
            o.putVarint(name.length);
            o.put(name);
            o.putVarint(si.msgs);
            o.putVarint(si.first);
            o.putVarint(si.last);
        }
        o.putVarint(index.size());
        long prevSeq = 0;
        long prevTime = 0;
        for (int s = index.firstSlot(); s >= 0; s = index.nextLive(s + 1)) {
            long seq = index.seqAt(s);
            long ts = index.timeAt(s);
            o.putVarint(seq - prevSeq);
            long d = ts - prevTime;
            o.putVarint((d << 1) ^ (d >> 63));
            o.putVarint(number[index.subjectInfoAt(s).id]);
            o.putVarint(index.rawSizeAt(s) & 0xffffffffL); // the size and the header bit
            prevSeq = seq;
            prevTime = ts;
        }
        byte[] b = Arrays.copyOf(o.buf, o.pos);
        CRC32C crc = new CRC32C();
        crc.update(b, HEAD, b.length - HEAD);
        ByteBuffer.wrap(b).putInt(MAGIC).putInt(VERSION).putInt(b.length - HEAD).putInt((int) crc.getValue());
        return new IndexSnapshot(b);
    }

    /**
     * Fills the empty {@code index} from this snapshot. Returns false, leaving the index to be cleared by the
     * caller, when the snapshot is damaged, of another version, or does not end at {@code floorLastSeq} (the
     * stream's last sequence on disk, -1 when the stream never wrote one).
     */
    boolean restoreInto(StreamIndex index, long floorLastSeq) {
        try {
            return restore(index, floorLastSeq);
        } catch (RuntimeException e) {
            return false; // a damaged snapshot that passed the checksum: scan instead
        }
    }

    private boolean restore(StreamIndex index, long floorLastSeq) {
        if (bytes.length < HEAD) {
            return false;
        }
        ByteBuffer h = ByteBuffer.wrap(bytes);
        if (h.getInt() != MAGIC || h.getInt() != VERSION || h.getInt() != bytes.length - HEAD) {
            return false;
        }
        int crcStored = h.getInt();
        CRC32C crc = new CRC32C();
        crc.update(bytes, HEAD, bytes.length - HEAD);
        if ((int) crc.getValue() != crcStored) {
            return false;
        }
        In in = new In(bytes, HEAD);
        long lastSeq = in.getLong();
        long lastTime = in.getLong();
        long total = in.getLong();
        if (floorLastSeq < 0 ? lastSeq != 0 : lastSeq != floorLastSeq) {
            return false;
        }
        int subjects = (int) in.getVarint();
        SubjectInfo[] byNumber = new SubjectInfo[subjects];
        for (int i = 0; i < subjects; i++) {
            int len = (int) in.getVarint();
            String name = new String(bytes, in.pos, len, StandardCharsets.UTF_8);
            in.pos += len;
            byNumber[i] = index.restoreSubject(name, in.getVarint(), in.getVarint(), in.getVarint());
        }
        long msgs = in.getVarint();
        if (msgs > Integer.MAX_VALUE || msgs > bytes.length) {
            return false; // at least one byte a message
        }
        index.reserve((int) msgs);
        long seq = 0;
        long ts = 0;
        for (long i = 0; i < msgs; i++) {
            seq += in.getVarint();
            long z = in.getVarint();
            ts += (z >>> 1) ^ -(z & 1);
            SubjectInfo si = byNumber[(int) in.getVarint()];
            index.restoreSlot(seq, si, ts, (int) in.getVarint());
        }
        index.lastSeq = lastSeq;
        index.lastTimeNanos = lastTime;
        return in.pos == bytes.length && index.bytes == total && index.size() == msgs
                && index.lastStoredSeq() <= lastSeq && index.consistent();
    }

    /** A growing byte array with varints. */
    private static final class Out {
        byte[] buf;
        int pos;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        private void room(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(pos + n, buf.length + (buf.length >> 1)));
            }
        }

        void putLong(long v) {
            room(8);
            for (int i = 56; i >= 0; i -= 8) {
                buf[pos++] = (byte) (v >>> i);
            }
        }

        void putVarint(long v) {
            room(10);
            while ((v & ~0x7fL) != 0) {
                buf[pos++] = (byte) ((v & 0x7f) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        void put(byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }
    }

    private static final class In {
        final byte[] buf;
        int pos;

        In(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        long getLong() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (buf[pos++] & 0xff);
            }
            return v;
        }

        long getVarint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf[pos++];
                v |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw new IllegalStateException("varint too long");
        }
    }
}
