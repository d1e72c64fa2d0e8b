package io.nats4j.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InboundParserTest {

    /** Records every callback as a short string so tests can compare whole sequences. */
    private static final class Recorder implements InboundParser.Handler {
        final List<String> events = new ArrayList<>();

        @Override
        public void onMsg(byte[] line, int lineLen, int payloadLen) {
            events.add("msg:" + new String(line, 0, lineLen, StandardCharsets.US_ASCII) + "|" + payloadLen);
        }

        @Override
        public void onPing() {
            events.add("ping");
        }

        @Override
        public void onPong() {
            events.add("pong");
        }

        @Override
        public void onErr(byte[] line, int lineLen) {
            events.add("err:" + new String(line, 0, lineLen, StandardCharsets.US_ASCII));
        }

        @Override
        public void onInfo(byte[] line, int lineLen) {
            events.add("info");
        }
    }

    /** A stream mixing every frame kind, with payloads that look like frames. */
    private static byte[] mixedStream() {
        String s = "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n"
                + "MSG foo 1 5\r\nhello\r\n"
                + "+OK\r\n"
                + "MSG foo.bar 22 _INBOX.abc 14\r\nMSG x 1 3\r\nabc\r\n"
                + "PING\r\n"
                + "HMSG foo 1 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n"
                + "msg lower 3 0\r\n\r\n"
                + "PONG\r\n"
                + "HMSG foo 1 reply.to 12 12\r\nNATS/1.0\r\n\r\n\r\n"
                + "-ERR 'Slow Consumer'\r\n"
                + "MSG\tfoo\t1\t2\r\n\r\n\r\n";
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final List<String> MIXED_EVENTS = List.of(
            "info",
            "msg:MSG foo 1 5|5",
            "msg:MSG foo.bar 22 _INBOX.abc 14|14",
            "ping",
            "msg:HMSG foo 1 18 23|23",
            "msg:msg lower 3 0|0",
            "pong",
            "msg:HMSG foo 1 reply.to 12 12|12",
            "err:-ERR 'Slow Consumer'",
            "msg:MSG\tfoo\t1\t2|2");

    @Test
    void countsMessagesAndPayloadBytesOfAWholeStream() {
        Recorder r = new Recorder();
        InboundParser p = new InboundParser(r);
        byte[] in = mixedStream();
        p.feed(in, 0, in.length);
        assertEquals(MIXED_EVENTS, r.events);
        assertEquals(6, p.msgs());
        assertEquals(5 + 14 + 23 + 0 + 12 + 2, p.payloadBytes());
        assertEquals(1, p.pongs());
        assertEquals(1, p.errors());
        assertTrue(p.atFrameBoundary());
    }

    @Test
    void sameResultWhenStreamIsSplitAtEveryPoint() {
        byte[] in = mixedStream();
        for (int split = 0; split <= in.length; split++) {
            Recorder r = new Recorder();
            InboundParser p = new InboundParser(r);
            p.feed(in, 0, split);
            p.feed(in, split, in.length - split);
            assertEquals(MIXED_EVENTS, r.events, "split at " + split);
            assertEquals(56, p.payloadBytes(), "split at " + split);
        }
    }

    @Test
    void sameResultWhenFedByteByByte() {
        byte[] in = mixedStream();
        Recorder r = new Recorder();
        InboundParser p = new InboundParser(r);
        for (int i = 0; i < in.length; i++) {
            p.feed(in, i, 1);
        }
        assertEquals(MIXED_EVENTS, r.events);
        assertEquals(6, p.msgs());
        assertTrue(p.atFrameBoundary());
    }

    @Test
    void sameResultAtEveryPairOfSplitPoints() {
        byte[] in = mixedStream();
        for (int a = 0; a <= in.length; a += 3) {
            for (int b = a; b <= in.length; b += 2) {
                Recorder r = new Recorder();
                InboundParser p = new InboundParser(r);
                p.feed(in, 0, a);
                p.feed(in, a, b - a);
                p.feed(in, b, in.length - b);
                assertEquals(MIXED_EVENTS, r.events, "splits at " + a + "," + b);
            }
        }
    }

    @Test
    void largePayloadsSpanningManyRandomReadsAreSkippedExactly() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] big = new byte[70_000];
        // Payload full of CRLF and fake frames: must be skipped by size, never parsed.
        byte[] fake = "\r\nMSG a 1 999999\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < big.length; i++) {
            big[i] = fake[i % fake.length];
        }
        int frames = 200;
        for (int i = 0; i < frames; i++) {
            out.writeBytes(("MSG bench.load " + i + " " + big.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(big);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] in = out.toByteArray();
        Random rnd = new Random(42);
        Recorder r = new Recorder();
        InboundParser p = new InboundParser(r);
        int i = 0;
        while (i < in.length) {
            int n = Math.min(in.length - i, 1 + rnd.nextInt(100_000));
            p.feed(in, i, n);
            i += n;
        }
        assertEquals(frames, p.msgs());
        assertEquals((long) frames * big.length, p.payloadBytes());
        assertEquals("ping", r.events.getLast());
        assertEquals(frames + 1, r.events.size());
    }

    @Test
    void countsWhileFramesArriveInPiecesKeepsRunningTotals() {
        byte[] frame = "MSG s 1 4\r\nabcd\r\n".getBytes(StandardCharsets.US_ASCII);
        InboundParser p = new InboundParser();
        // Control line complete but payload not yet: the message is counted, boundary not reached.
        p.feed(frame, 0, 12);
        assertEquals(1, p.msgs());
        assertEquals(false, p.atFrameBoundary());
        p.feed(frame, 12, frame.length - 12);
        assertTrue(p.atFrameBoundary());
    }

    @Test
    void rejectsUnknownVerbAndMissingSize() {
        byte[] junk = "XYZ foo\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(InboundParser.ProtocolException.class, () -> new InboundParser().feed(junk, 0, junk.length));
        byte[] noSize = "MSG foo 1 abc\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(InboundParser.ProtocolException.class,
                () -> new InboundParser().feed(noSize, 0, noSize.length));
    }

    @Test
    void tokensFindsReplySubjectOfMsgLine() {
        byte[] line = "MSG foo.bar 9 _INBOX.x.1 128".getBytes(StandardCharsets.US_ASCII);
        int[] tok = new int[12];
        int n = InboundParser.tokens(line, line.length, tok);
        assertEquals(5, n);
        assertEquals("_INBOX.x.1", new String(line, tok[6], tok[7] - tok[6], StandardCharsets.US_ASCII));
    }
}
