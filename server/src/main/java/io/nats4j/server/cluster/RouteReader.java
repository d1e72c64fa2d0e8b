package io.nats4j.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Hands a route's reads to its frame decoder without copying them: whole frames are decoded where the socket put
 * them, and only a frame split across two reads is copied, into one scratch buffer, together with just the bytes
 * of the next read that complete it (the rest of a control line, or of a payload). The client parser does the
 * same (DESIGN.md, hot-path rule 1).
 *
 * <p>Why: a {@code ByteToMessageDecoder} keeps the tail of a read (almost always a split frame on a busy route)
 * as its cumulation and appends the whole next read to it, so every routed byte was copied once more before
 * being parsed, and again whenever the cumulation grew; JFR put those copies at about a seventh of the receiving
 * loop's time (docs/PERFORMANCE.md, "Cluster"). The route's loop only.
 */
final class RouteReader {

    /** What reads the frames: {@link RouteConnection}. */
    interface Frames {
        /** Decodes the whole frames of {@code in} from its reader index, leaving a partial one unread. */
        void decode(ByteBuf in);

        /** Payload bytes plus CRLF still expected for the frame whose line was read; -1 while reading a line. */
        int awaitingPayload();

        /** The connection is closed: input is dropped. */
        boolean isClosed();
    }

    private final Frames frames;
    private final ByteBufAllocator alloc;
    /** Kept between split frames unless it grew past this (a large payload was split). */
    private static final int KEEP_BYTES = 64 * 1024;
    /** The split frame (readable while there is one), or null. */
    private ByteBuf split;

    RouteReader(Frames frames, ByteBufAllocator alloc) {
        this.frames = frames;
        this.alloc = alloc;
    }

    /** One read of the socket; releases {@code in}. */
    void read(ByteBuf in) {
        try {
            if (split != null && split.isReadable() && !completeSplit(in)) {
                return;
            }
            if (frames.isClosed()) {
                return;
            }
            frames.decode(in);
            if (in.isReadable() && !frames.isClosed()) {
                int payload = frames.awaitingPayload();
                int size = payload >= 0 ? payload : Math.max(512, in.readableBytes() * 2);
                if (split == null || split.capacity() < size) {
                    release();
                    split = alloc.directBuffer(Math.max(size, 4096));
                }
                split.writeBytes(in);
            }
        } finally {
            in.release();
        }
    }

    /**
     * Feeds the split frame the bytes of {@code in} it still needs and decodes it, as many times as it takes
     * (a line completed may announce a payload that is split too). False when {@code in} is all used up and the
     * frame is still incomplete, or the connection closed.
     */
    private boolean completeSplit(ByteBuf in) {
        while (true) {
            int need;
            int payload = frames.awaitingPayload();
            if (payload >= 0) {
                need = payload - split.readableBytes();
            } else {
                int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                need = lf < 0 ? in.readableBytes() : lf + 1 - in.readerIndex();
            }
            int n = Math.min(Math.max(need, 0), in.readableBytes());
            if (n > 0) {
                split.writeBytes(in, n);
            }
            if (need > n) {
                // still incomplete: a too long line is the decoder's to refuse
                frames.decode(split);
                return false;
            }
            frames.decode(split);
            if (frames.isClosed()) {
                release();
                return false;
            }
            if (!split.isReadable()) {
                if (split.capacity() > KEEP_BYTES) {
                    release();
                } else {
                    split.clear();
                }
                return true;
            }
            if (!in.isReadable()) {
                return false;
            }
        }
    }

    /** Drops the split frame (the channel is gone). */
    void release() {
        if (split != null) {
            split.release();
            split = null;
        }
    }
}
