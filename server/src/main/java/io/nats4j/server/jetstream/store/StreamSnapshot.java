package io.nats4j.server.jetstream.store;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * The export and import of a stream's contents: what {@code $JS.API.STREAM.SNAPSHOT} sends and
 * {@code $JS.API.STREAM.RESTORE} takes back. nats-server sends an s2-compressed tar of its file store; nats4j's store
 * has another layout, so a nats4j snapshot is its own format (docs/JETSTREAM.md, "Snapshots"), gzip-compressed:
 * <pre>
 * "NATS4J-SNAPSHOT\n" (16 bytes), version (int, 1)
 * stream definition: length (int), JSON {"created": ns, "config": {...}}
 * first sequence, last sequence, last time ns (longs)
 * per message: 'M', sequence, time ns (longs), subject, header, payload (each: int length, bytes)
 * 'E'
 * consumers: count (int); per consumer: name, definition JSON (int length, bytes), ack policy (byte),
 *   delivered consumer/stream, ack floor consumer/stream (longs), pending count (int) + (stream seq, consumer seq,
 *   time ns) each, redelivered count (int) + (stream seq, count) each
 * "NATS4J-SNAPSHOT-END\n"
 * </pre>
 * The gzip trailer's CRC-32 covers the whole; a truncated or altered snapshot fails to read.
 */
public final class StreamSnapshot {

    static final byte[] MAGIC = "NATS4J-SNAPSHOT\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "NATS4J-SNAPSHOT-END\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** Messages restored per flush (one write and one sync each). */
    static final int RESTORE_BATCH = 256;

    private StreamSnapshot() {
    }

    /** A consumer in a snapshot: its definition ({@code {"created":..,"config":{..}}}) and state. */
    public record ConsumerEntry(String name, byte[] definition, AckPolicy ackPolicy, ConsumerState state) {
    }

    /** The head of a snapshot: the stream's definition and its sequence floor. */
    public record Header(byte[] streamDefinition, long firstSeq, long lastSeq, long lastTimeNanos) {
    }

    /** A snapshot that cannot be read: the text says why. */
    public static final class FormatException extends IOException {
        public FormatException(String message) {
            super(message);
        }
    }

    /**
     * Writes the snapshot of {@code store} to {@code out}. Run it on the stream's writer, so that no message is
     * stored or removed meanwhile. Returns the state the snapshot holds.
     */
    public static StreamState export(StreamStore store, byte[] streamDefinition, List<ConsumerEntry> consumers,
            OutputStream out) throws IOException {
        StreamState st = store.state();
        GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024);
        DataOutputStream d = new DataOutputStream(new BufferedOutputStream(gz, 64 * 1024));
        d.write(MAGIC);
        d.writeInt(VERSION);
        bytes(d, streamDefinition);
        d.writeLong(st.firstSeq());
        d.writeLong(st.lastSeq());
        d.writeLong(st.lastTimeNanos());
        long seq = st.firstSeq();
        while (seq <= st.lastSeq()) {
            StoredMessage m = store.loadNext(null, seq);
            if (m == null || m.seq() > st.lastSeq()) {
                break;
            }
            d.writeByte('M');
            d.writeLong(m.seq());
            d.writeLong(m.timestampNanos());
            bytes(d, m.subject().getBytes(StandardCharsets.UTF_8));
            bytes(d, m.header());
            bytes(d, m.payload());
            seq = m.seq() + 1;
        }
        d.writeByte('E');
        d.writeInt(consumers.size());
        for (ConsumerEntry c : consumers) {
            bytes(d, c.name().getBytes(StandardCharsets.UTF_8));
            bytes(d, c.definition());
            d.writeByte(c.ackPolicy().ordinal());
            ConsumerState cs = c.state();
            d.writeLong(cs.deliveredConsumer());
            d.writeLong(cs.deliveredStream());
            d.writeLong(cs.ackFloorConsumer());
            d.writeLong(cs.ackFloorStream());
            d.writeInt(cs.pending().size());
            for (var e : cs.pending().entrySet()) {
                d.writeLong(e.getKey());
                d.writeLong(e.getValue().consumerSeq());
                d.writeLong(e.getValue().timestampNanos());
            }
            d.writeInt(cs.redelivered().size());
            for (var e : cs.redelivered().entrySet()) {
                d.writeLong(e.getKey());
                d.writeLong(e.getValue());
            }
        }
        d.write(END);
        d.flush();
        gz.finish();
        gz.flush();
        return st;
    }

    private static void bytes(DataOutputStream d, byte[] b) throws IOException {
        byte[] v = b == null ? new byte[0] : b;
        d.writeInt(v.length);
        d.write(v);
    }

    /** Reads a snapshot in order: {@link #header()}, {@link #importMessages}, {@link #consumers()}. */
    public static final class Reader implements AutoCloseable {

        private final DataInputStream in;
        private final Header header;

        private Reader(DataInputStream in, Header header) {
            this.in = in;
            this.header = header;
        }

        /**
         * Opens a snapshot and reads its head. Throws {@link FormatException} with a text for the user when it is
         * not a nats4j snapshot: a nats-server snapshot (an s2-compressed tar of its file store) is named as such.
         */
        public static Reader open(InputStream raw) throws IOException {
            BufferedInputStream b = new BufferedInputStream(raw, 64 * 1024);
            b.mark(16);
            byte[] head = b.readNBytes(10);
            b.reset();
            if (head.length >= 10 && (head[0] & 0xff) == 0xff && head[1] == 6 && head[2] == 0 && head[3] == 0) {
                String id = new String(head, 4, 6, StandardCharsets.US_ASCII);
                if (id.equals("S2sTwO") || id.equals("sNaPpY")) {
                    throw new FormatException("snapshot is a nats-server file store snapshot (s2-compressed tar), "
                            + "which nats4j cannot restore: nats4j restores snapshots taken by nats4j only");
                }
            }
            if (head.length < 2 || (head[0] & 0xff) != 0x1f || (head[1] & 0xff) != 0x8b) {
                throw new FormatException("snapshot is not a nats4j snapshot");
            }
            try {
                DataInputStream d = new DataInputStream(new BufferedInputStream(new GZIPInputStream(b, 64 * 1024),
                        64 * 1024));
                byte[] magic = d.readNBytes(MAGIC.length);
                if (!Arrays.equals(magic, MAGIC)) {
                    throw new FormatException("snapshot is not a nats4j snapshot");
                }
                int version = d.readInt();
                if (version != VERSION) {
                    throw new FormatException("snapshot has format version " + version
                            + "; this nats4j reads version " + VERSION);
                }
                byte[] def = readBytes(d);
                Header h = new Header(def, d.readLong(), d.readLong(), d.readLong());
                return new Reader(d, h);
            } catch (EOFException | ZipException e) {
                throw new FormatException("snapshot is truncated or damaged");
            }
        }

        public Header header() {
            return header;
        }

        /**
         * Stores every message of the snapshot into {@code store} (new and empty) with its sequence and time, then
         * its last sequence and time; durable when it returns. Runs on the store's only writer. Returns the count.
         */
        public long importMessages(StreamStore store) throws IOException {
            long n = 0;
            try {
                while (true) {
                    int tag = in.readByte();
                    if (tag == 'E') {
                        break;
                    }
                    if (tag != 'M') {
                        throw new FormatException("snapshot is damaged (record " + tag + ")");
                    }
                    long seq = in.readLong();
                    long ts = in.readLong();
                    String subject = new String(readBytes(in), StandardCharsets.UTF_8);
                    byte[] hdr = readBytes(in);
                    byte[] payload = readBytes(in);
                    store.appendAt(seq, subject, hdr, payload, ts);
                    if (++n % RESTORE_BATCH == 0) {
                        store.flush();
                    }
                }
            } catch (EOFException | ZipException e) {
                throw new FormatException("snapshot is truncated or damaged");
            }
            store.flush();
            store.restoreLast(header.lastSeq(), header.lastTimeNanos());
            return n;
        }

        /** The consumers (after {@link #importMessages}); checks the end of the snapshot and its checksum. */
        public List<ConsumerEntry> consumers() throws IOException {
            try {
                int count = in.readInt();
                List<ConsumerEntry> out = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    String name = new String(readBytes(in), StandardCharsets.UTF_8);
                    byte[] def = readBytes(in);
                    int policy = in.readByte();
                    if (policy < 0 || policy >= AckPolicy.values().length) {
                        throw new FormatException("snapshot is damaged (ack policy " + policy + ")");
                    }
                    long dc = in.readLong();
                    long ds = in.readLong();
                    long ac = in.readLong();
                    long as = in.readLong();
                    TreeMap<Long, ConsumerState.Pending> pending = new TreeMap<>();
                    int np = in.readInt();
                    for (int j = 0; j < np; j++) {
                        long sseq = in.readLong();
                        pending.put(sseq, new ConsumerState.Pending(in.readLong(), in.readLong()));
                    }
                    TreeMap<Long, Long> redelivered = new TreeMap<>();
                    int nr = in.readInt();
                    for (int j = 0; j < nr; j++) {
                        redelivered.put(in.readLong(), in.readLong());
                    }
                    out.add(new ConsumerEntry(name, def, AckPolicy.values()[policy],
                            new ConsumerState(dc, ds, ac, as, pending, redelivered)));
                }
                if (!Arrays.equals(in.readNBytes(END.length), END)) {
                    throw new FormatException("snapshot is truncated or damaged");
                }
                // reads to the end: the gzip trailer's CRC-32 and length are checked there
                if (in.read() != -1) {
                    throw new FormatException("snapshot has data after its end");
                }
                return out;
            } catch (EOFException | ZipException e) {
                throw new FormatException("snapshot is truncated or damaged");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static byte[] readBytes(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > 64 * 1024 * 1024) {
            throw new FormatException("snapshot is damaged (length " + n + ")");
        }
        byte[] b = d.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        return b;
    }
}
