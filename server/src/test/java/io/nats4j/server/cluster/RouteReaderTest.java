package io.nats4j.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RouteReader} hands every frame to the decoder whole, however the stream is cut into reads: at every
 * split point, in two and three reads, and byte by byte. The decoder here reads a route's framing (a line, then
 * the payload size it announces plus CRLF) as {@link RouteConnection} does.
 */
class RouteReaderTest {

    /** Lines "RMSG <size>" followed by a payload of that size and CRLF; other lines stand alone. */
    private static final class LineDecoder implements RouteReader.Frames {
        final List<String> frames = new ArrayList<>();
        int awaiting = -1;
        String line;

        @Override
        public void decode(ByteBuf in) {
            while (true) {
                if (awaiting >= 0) {
                    if (in.readableBytes() < awaiting) {
                        return;
                    }
                    frames.add(line + "|" + in.toString(in.readerIndex(), awaiting - 2, StandardCharsets.US_ASCII));
                    in.skipBytes(awaiting);
                    awaiting = -1;
                    continue;
                }
                int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                if (lf < 0) {
                    return;
                }
                line = in.toString(in.readerIndex(), lf - 1 - in.readerIndex(), StandardCharsets.US_ASCII);
                in.readerIndex(lf + 1);
                if (line.startsWith("RMSG ")) {
                    awaiting = Integer.parseInt(line.substring(5)) + 2;
                } else {
                    frames.add(line);
                }
            }
        }

        @Override
        public int awaitingPayload() {
            return awaiting;
        }

        @Override
        public boolean isClosed() {
            return false;
        }
    }

    private static final String STREAM = "PING\r\nRMSG 5\r\nhello\r\nRMSG 0\r\n\r\nRS+ $G foo\r\nRMSG 12\r\nhello\r\nworld\r\n"
            + "PONG\r\nRMSG 3\r\nabc\r\n";
    private static final List<String> FRAMES = List.of("PING", "RMSG 5|hello", "RMSG 0|", "RS+ $G foo",
            "RMSG 12|hello\r\nworld", "PONG", "RMSG 3|abc");

    private static List<String> feed(List<byte[]> reads) {
        LineDecoder d = new LineDecoder();
        RouteReader r = new RouteReader(d, PooledByteBufAllocator.DEFAULT);
        for (byte[] b : reads) {
            ByteBuf buf = Unpooled.directBuffer(b.length).writeBytes(b);
            r.read(buf);
            assertEquals(0, buf.refCnt(), "every read is released");
        }
        r.release();
        return d.frames;
    }

    private static byte[] slice(byte[] all, int from, int to) {
        byte[] b = new byte[to - from];
        System.arraycopy(all, from, b, 0, b.length);
        return b;
    }

    @Test
    void framesAreWholeAtEverySplitPoint() {
        byte[] all = STREAM.getBytes(StandardCharsets.US_ASCII);
        assertEquals(FRAMES, feed(List.of(all)));
        for (int i = 0; i <= all.length; i++) {
            assertEquals(FRAMES, feed(List.of(slice(all, 0, i), slice(all, i, all.length))), "split at " + i);
        }
        for (int i = 0; i <= all.length; i++) {
            for (int j = i; j <= all.length; j++) {
                assertEquals(FRAMES, feed(List.of(slice(all, 0, i), slice(all, i, j), slice(all, j, all.length))),
                        "split at " + i + " and " + j);
            }
        }
    }

    @Test
    void framesAreWholeByteByByte() {
        byte[] all = STREAM.getBytes(StandardCharsets.US_ASCII);
        List<byte[]> reads = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            reads.add(slice(all, i, i + 1));
        }
        assertEquals(FRAMES, feed(reads));
    }
}
