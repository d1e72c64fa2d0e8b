package io.nats4j.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    private static void append(OutboundQueue q, ByteBufAllocator alloc, String text, int hint) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        q.writable(alloc, b.length, hint).writeBytes(b);
    }

    @Test
    void smallBufferGrowsInPlaceInsteadOfStartingANewOne() {
        OutboundQueue q = new OutboundQueue();
        ByteBuf first = q.writable(alloc, 10, 16);
        first.writeBytes(new byte[10]);
        ByteBuf again = q.writable(alloc, 100, 16);
        assertSame(first, again, "below SEAL_BYTES the buffer is grown");
        assertEquals(10, q.readableBytes());
        q.release();
        assertTrue(q.isEmpty());
    }

    @Test
    void fullBufferHoldingEnoughIsSealedAndBytesAreNeverCopiedAgain() {
        OutboundQueue q = new OutboundQueue();
        ByteBuf first = q.writable(alloc, OutboundQueue.SEAL_BYTES, OutboundQueue.SEAL_BYTES);
        first.writeBytes(new byte[first.maxFastWritableBytes()]);
        int firstBytes = first.readableBytes();
        ByteBuf second = q.writable(alloc, 100, 1024);
        assertNotSame(first, second);
        assertEquals(firstBytes, first.readableBytes(), "the sealed buffer is left as it was");
        second.writeBytes(new byte[100]);
        assertEquals(firstBytes + 100L, q.readableBytes());
        q.release();
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
    }

    @Test
    void writeAndFlushHandsEveryChunkToTheChannelInOrder() {
        OutboundQueue q = new OutboundQueue();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            String frame = "MSG subject." + i + " 1 5\r\nhello\r\n";
            expected.append(frame);
            append(q, alloc, frame, 1024);
        }
        EmbeddedChannel ch = new EmbeddedChannel();
        long written = q.writeAndFlush(ch);
        assertEquals(expected.length(), written);
        assertTrue(q.isEmpty());
        assertEquals(0, q.readableBytes());
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.add(b);
        }
        assertTrue(out.size() > 1, "more than one chunk was written: " + out.size());
        StringBuilder got = new StringBuilder();
        for (ByteBuf o : out) {
            got.append(o.toString(StandardCharsets.US_ASCII));
            o.release();
        }
        assertEquals(expected.toString(), got.toString());
        ch.finishAndReleaseAll();
    }

    @Test
    void moveToTransfersEverythingAndRefusesANonEmptyTarget() {
        OutboundQueue a = new OutboundQueue();
        OutboundQueue b = new OutboundQueue();
        append(a, alloc, "PING\r\n", 64);
        a.moveTo(b);
        assertTrue(a.isEmpty());
        assertEquals(6, b.readableBytes());
        append(a, alloc, "PONG\r\n", 64);
        assertThrows(IllegalStateException.class, () -> a.moveTo(b));
        a.release();
        b.release();
    }
}
