package io.nats4j.server.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageTest {

    private static String digits(byte[] a, int off, int len) {
        return new String(a, off, len, StandardCharsets.US_ASCII);
    }

    @Test
    void aMessageBuiltInTheServerWritesItsSizeDigitsOnce() {
        byte[] hdr = "NATS/1.0\r\nA: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = "hello world".getBytes(StandardCharsets.US_ASCII);
        ByteBuf data = Unpooled.wrappedBuffer(hdr, body);
        byte[] subj = "a.b".getBytes(StandardCharsets.US_ASCII);
        Message m = new Message().subject(subj, 0, 3).noReply().sizes(hdr.length, data.readableBytes()).data(data, 0);
        assertEquals(Integer.toString(hdr.length + body.length), digits(m.totalDigits(), m.totalDigitsOffset(), m.totalDigitsLength()));
        assertEquals(Integer.toString(hdr.length), digits(m.headerDigits(), m.headerDigitsOffset(), m.headerDigitsLength()));
        assertArrayEquals(hdr, m.headerBytes());
        assertArrayEquals(body, m.bodyBytes());
        assertFalse(m.hasReply());
        assertNull(m.replyString());

        // a copy keeps its own digits when the original is refilled (an import's rewritten message)
        Message relayed = new Message().copyOf(m).subject("x.y.z".getBytes(StandardCharsets.US_ASCII), 0, 5);
        m.sizes(-1, 7);
        assertEquals(Integer.toString(hdr.length + body.length),
                digits(relayed.totalDigits(), relayed.totalDigitsOffset(), relayed.totalDigitsLength()));
        assertEquals("x.y.z", relayed.subjectString());
        assertEquals("7", digits(m.totalDigits(), m.totalDigitsOffset(), m.totalDigitsLength()));
        assertFalse(m.hasHeaders());
        data.release();
    }

    @Test
    void aQueueListNamesItsGroups() {
        Message m = new Message();
        assertFalse(m.hasQueueList());
        byte[] names = "workersq2".getBytes(StandardCharsets.US_ASCII);
        m.queues(names, new int[] {0, 7}, new int[] {7, 2}, 2);
        assertTrue(m.hasQueueList());
        assertTrue(m.queueListNames("workers"));
        assertTrue(m.queueListNames("q2"));
        assertFalse(m.queueListNames("worker"));
        assertFalse(m.queueListNames("q"));
        assertFalse(new Message().copyOf(m).noQueueList().hasQueueList());
    }
}
