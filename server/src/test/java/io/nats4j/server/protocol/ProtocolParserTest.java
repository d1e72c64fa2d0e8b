package io.nats4j.server.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProtocolParserTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** Parses {@code input} in chunks cut at {@code cuts} (ascending offsets) and returns the events. */
    static List<String> parse(byte[] input, int maxControlLine, int maxPayload, int... cuts) {
        RecordingHandler h = new RecordingHandler();
        ProtocolParser p = new ProtocolParser(h, ALLOC, maxControlLine, maxPayload);
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : input.length;
            ByteBuf buf = ALLOC.buffer(Math.max(1, to - from));
            buf.writeBytes(input, from, to - from);
            try {
                p.parse(buf);
                assertEquals(0, buf.readableBytes(), "parser must consume its input");
            } finally {
                buf.release();
            }
            from = to;
        }
        p.close();
        return h.events;
    }

    static List<String> parse(String input) {
        return parse(input.getBytes(StandardCharsets.UTF_8), 4096, 1024 * 1024);
    }

    /** Every split point and byte-by-byte feeding give exactly the whole-input events. */
    static List<String> parseEverySplit(String input) {
        byte[] b = input.getBytes(StandardCharsets.UTF_8);
        List<String> whole = parse(b, 4096, 1024 * 1024);
        for (int cut = 1; cut < b.length; cut++) {
            assertEquals(whole, parse(b, 4096, 1024 * 1024, cut), "split at " + cut + " of " + input);
        }
        int[] all = new int[Math.max(0, b.length - 1)];
        for (int i = 0; i < all.length; i++) {
            all[i] = i + 1;
        }
        assertEquals(whole, parse(b, 4096, 1024 * 1024, all), "byte by byte");
        return whole;
    }

    @Test
    void pubWithAndWithoutReplyAtEverySplit() {
        assertEquals(List.of("PUB foo size=5 digits=5 [hello]", "PUB foo.bar reply=_INBOX.1 size=2 digits=2 [hi]"),
                parseEverySplit("PUB foo 5\r\nhello\r\nPUB foo.bar _INBOX.1 2\r\nhi\r\n"));
    }

    /**
     * A PUB or HPUB line that arrives whole is decided in one piece (the publish path), one that arrives split is
     * read byte by byte: both must reach the same events, including on lines whose reading is subtle.
     */
    @Test
    void wholePubLinesAreReadAsTheByteWiseReadingReadsThem() {
        assertEquals(List.of("PUB a size=1 digits=1 [x]", "PUB b reply=r size=2 digits=02 [yz]"),
                parseEverySplit("PUB   a 1\r\nx\r\npub \t b\t r  02 \r\nyz\r\n"));
        // a CR among PUB arguments stays in them and drops the byte before LF
        assertEquals(List.of("PUB a\rb size=1 digits=1 [x]"), parseEverySplit("PUB a\rb 1\r\nx\r\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("PUB a 1\rq\nx\r\n")); // size "1\r"
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("PUB a\rb 1\nx\r\n")); // no size left
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("PUB \r\n"));
        // a bare LF ends the line; an LF where the first argument is due is an argument byte
        assertEquals(List.of("PUB a size=0 digits=0 []"), parseEverySplit("PUB a 0\n\r\n"));
        assertEquals(List.of("PUB \na size=1 digits=1 [x]"), parseEverySplit("PUB \na 1\r\nx\r\n"));
        // only a space or a tab may follow the verb (NUL | 0x20 is a space)
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("PUB\u0000a 1\r\nx\r\n"));
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("HPUBa 0 1\r\nx\r\n"));
        assertEquals(List.of("HPUB a hdr=0 size=1 digits=1 [x]"), parseEverySplit("hPuB\ta 0 1\r\nx\r\n"));
        // longer than the parser's first line buffer (256 bytes), twice: the second time it has grown
        String subject = "s".repeat(400);
        assertEquals(List.of("PUB " + subject + " size=1 digits=1 [x]", "PUB " + subject + " size=1 digits=1 [y]"),
                parse(("PUB " + subject + " 1\r\nx\r\nPUB " + subject + " 1\r\ny\r\n").getBytes(StandardCharsets.US_ASCII),
                        4096, 1024));
        // max_control_line counts the arguments only, without CR LF and without the spaces after the verb
        byte[] nineArgs = "PUB   abcdefg 1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of("PUB abcdefg size=1 digits=1 [x]"), parse(nineArgs, 9, 1024));
        assertEquals(List.of("ERROR MAX_CONTROL_LINE"), parse(nineArgs, 8, 1024));
        // with a CR among them, one byte less (the one before LF, which nats-server drops)
        byte[] crInside = "PUB abc\rdefg 1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of("PUB abc\rdefg size=1 digits=1 [x]"), parse(crInside, 10, 1024));
        assertEquals(List.of("ERROR MAX_CONTROL_LINE"), parse(crInside, 9, 1024));
    }

    @Test
    void hpubCarriesHeaderAndTotalSizes() {
        String hdr = "NATS/1.0\r\nA: B\r\n\r\n";
        String in = "HPUB foo rep " + hdr.length() + " " + (hdr.length() + 3) + "\r\n" + hdr + "abc\r\n";
        assertEquals(List.of("HPUB foo reply=rep hdr=" + hdr.length() + " size=" + (hdr.length() + 3) + " digits="
                + (hdr.length() + 3) + " [" + hdr + "abc]"), parseEverySplit(in));
    }

    @Test
    void verbsAreCaseInsensitiveAndTabsSeparate() {
        assertEquals(List.of("PUB a size=1 digits=1 [x]", "SUB a q 1", "UNSUB 1 5", "PING", "PONG"),
                parseEverySplit("pUb\ta 1\r\nx\r\nsub a  q\t1\r\nUnSub 1 5\r\nping\r\nPoNg\r\n"));
    }

    @Test
    void connectJsonIsHandedOverWhole() {
        assertEquals(List.of("CONNECT {\"verbose\":false,\"name\":\"a b\"}", "PING"),
                parseEverySplit("CONNECT {\"verbose\":false,\"name\":\"a b\"}\r\nPING\r\n"));
    }

    @Test
    void bareLineFeedEndsALine() {
        assertEquals(List.of("PING", "PUB a size=0 digits=0 []"), parseEverySplit("PING\nPUB a 0\n\r\n"));
    }

    @Test
    void emptyPayloadAndZeroPaddedSizes() {
        assertEquals(List.of("PUB a size=0 digits=0 []", "PUB b size=3 digits=003 [abc]"),
                parseEverySplit("PUB a 0\r\n\r\nPUB b 003\r\nabc\r\n"));
    }

    @Test
    void payloadMayContainProtocolBytes() {
        assertEquals(List.of("PUB a size=6 digits=6 [PING\r\n]", "PING"), parseEverySplit("PUB a 6\r\nPING\r\n\r\nPING\r\n"));
    }

    @Test
    void clientInfoOkAndErrAreIgnored() {
        assertEquals(List.of("IGNORED", "IGNORED", "IGNORED"), parseEverySplit("INFO {}\r\n+OK\r\n-ERR 'x'\r\n"));
    }

    @Test
    void unknownVerbIsRefusedBeforeTheLineEnds() {
        // no newline at all: refused as soon as the first byte cannot start a verb
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parse("XYZ"));
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parse("PUX"));
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("FOO bar\r\nPING\r\n"));
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("MSG foo 1 1\r\nx\r\n"));
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("PUB\r\n"));
    }

    @Test
    void payloadNotFollowedByCrlfIsAnError() {
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("PUB a 2\r\nabc\r\n"));
    }

    @Test
    void badArgumentsAreProtocolViolations() {
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("PUB a\r\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("PUB a b c 1\r\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("PUB a -1\r\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("PUB a 1234567890\r\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("HPUB a 5 3\r\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("SUB a\r\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("UNSUB\t1 2 3\r\n"));
    }

    @Test
    void unsubWithAMaximumThatIsNoSizeIsStillAnUnsub() {
        // nats-server reads such a maximum as none (parseSize gives -1) and unsubscribes
        assertEquals(List.of("UNSUB 1 x"), parseEverySplit("UNSUB\t1 x\r\n"));
        assertEquals(List.of("UNSUB 1 -1"), parseEverySplit("UNSUB 1 -1\r\n"));
        assertEquals(List.of("UNSUB 1 2147483648"), parseEverySplit("UNSUB 1 2147483648\r\n"));
    }

    @Test
    void maxPayloadIsCheckedBeforeThePayloadIsRead() {
        byte[] in = "PUB a 11\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of("ERROR MAX_PAYLOAD"), parse(in, 4096, 10));
    }

    @Test
    void maxControlLineIsEnforcedWhileTheLineArrives() {
        byte[] longLine = ("PUB " + "a".repeat(200)).getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of("ERROR MAX_CONTROL_LINE"), parse(longLine, 100, 1024, 10, 50));
        // a CONNECT longer than max_control_line is still accepted (JWTs), up to its own bound
        String connect = "CONNECT {\"jwt\":\"" + "x".repeat(300) + "\"}\r\n";
        assertEquals(1, parse(connect.getBytes(StandardCharsets.US_ASCII), 100, 1024).size());
        assertTrue(parse(connect.getBytes(StandardCharsets.US_ASCII), 100, 1024).get(0).startsWith("CONNECT"));
    }

    @Test
    void maxControlLineCountsTheArgumentsOnlyAsNatsServer() {
        // nats-server compares the bytes after the verb and its spaces, without CR LF, with max_control_line
        String args10 = "abcdefgh 1";
        assertEquals(List.of("SUB abcdefgh 1"), parse(("SUB " + args10 + "\r\n").getBytes(StandardCharsets.US_ASCII), 10, 1024));
        assertEquals(List.of("SUB abcdefgh 1"),
                parse(("SUB" + " ".repeat(500) + "\t" + args10 + "\r\n").getBytes(StandardCharsets.US_ASCII), 10, 1024, 7, 300));
        assertEquals(List.of("ERROR MAX_CONTROL_LINE"), parse(("SUB " + args10 + "2\r\n").getBytes(StandardCharsets.US_ASCII), 10, 1024));
        assertEquals(List.of("ERROR MAX_CONTROL_LINE"), parse(("SUB " + args10 + "2").getBytes(StandardCharsets.US_ASCII), 10, 1024));
        // PING, PONG and +OK have no arguments: whatever follows them is skipped, however long
        assertEquals(List.of("PING", "PONG"),
                parse(("PING " + "x".repeat(5000) + "\r\nPONG\r\n").getBytes(StandardCharsets.US_ASCII), 10, 1024, 100, 3000));
    }

    @Test
    void bareCrIsAnArgumentSeparatorForSubAndUnsubAsNatsServer() {
        // nats-server splits SUB and UNSUB arguments at CR too, and a CR among the arguments drops the byte
        // before LF (normally that CR itself)
        assertEquals(List.of("SUB x 1"), parseEverySplit("SUB x\r1\r\n"));
        assertEquals(List.of("SUB x 1"), parseEverySplit("SUB x 1\rq\n"));
        assertEquals(List.of("ERROR BAD_ARGUMENTS"), parseEverySplit("SUB x 1\rq 7\r\n"));
        assertEquals(List.of("UNSUB 1 5"), parseEverySplit("UNSUB 1\r5\r\n"));
        // PUB and HPUB split at spaces and tabs only: the CR stays in the subject
        assertEquals(List.of("PUB x\r size=1 digits=1 [a]"), parseEverySplit("PUB x\r 1\r\na\r\n"));
        // where the first argument byte is due, an LF is one: the line goes on to the next LF
        assertEquals(List.of("SUB x 1"), parseEverySplit("SUB \nx 1\r\n"));
        // + and - match only themselves (VT | 0x20 is '+', CR | 0x20 is '-')
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("\u000bOK\r\n"));
        assertEquals(List.of("ERROR UNKNOWN_OPERATION"), parseEverySplit("\rERR x\r\n"));
    }

    @Test
    void inputAfterAnErrorIsDiscarded() {
        assertEquals(List.of("PING", "ERROR UNKNOWN_OPERATION"), parseEverySplit("PING\r\nBAD\r\nPING\r\n"));
    }

    @Test
    void largePayloadSplitAcrossManyReads() {
        String payload = "x".repeat(100_000);
        byte[] in = ("PUB big 100000\r\n" + payload + "\r\nPING\r\n").getBytes(StandardCharsets.US_ASCII);
        List<String> events = parse(in, 4096, 1024 * 1024, 5, 17, 1000, 65536, 100_017, 100_018);
        assertEquals(2, events.size());
        assertEquals("PUB big size=100000 digits=100000 [" + payload + "]", events.get(0));
        assertEquals("PING", events.get(1));
    }

    /**
     * Fuzz: random mixtures of valid frames and garbage, fed in random chunks, must give the same
     * events as the whole input, never throw and never leak (leak detection is paranoid in tests).
     */
    @Test
    void fuzzRandomFramesAndSplitsAgreeWithWholeInput() {
        Random rnd = new Random(0x5eedL);
        String[] frames = {"PING\r\n", "PONG\r\n", "PUB a.b 3\r\nabc\r\n", "PUB a _I.1 0\r\n\r\n", "SUB a.* 1\r\n",
            "SUB a q 22\r\n", "UNSUB 1\r\n", "UNSUB 22 3\r\n", "HPUB h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
            "CONNECT {\"echo\":true}\r\n", "+OK\r\n", "INFO {}\r\n"};
        for (int round = 0; round < 600; round++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(8);
            for (int i = 0; i < n; i++) {
                if (rnd.nextInt(10) == 0) {
                    byte[] junk = new byte[1 + rnd.nextInt(6)];
                    rnd.nextBytes(junk);
                    sb.append(new String(junk, StandardCharsets.ISO_8859_1));
                } else {
                    sb.append(frames[rnd.nextInt(frames.length)]);
                }
            }
            byte[] in = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
            List<String> whole = parse(in, 64, 1024);
            int cutsN = in.length < 2 ? 0 : rnd.nextInt(Math.min(6, in.length - 1) + 1);
            int[] cuts = rnd.ints(cutsN, 1, Math.max(2, in.length)).distinct().sorted().toArray();
            List<String> split = parse(in, 64, 1024, cuts);
            if (whole.isEmpty() || !whole.get(whole.size() - 1).startsWith("ERROR")) {
                assertEquals(whole, split, "round " + round);
            } else {
                // an error may be detected at a different byte when split, but the events before it agree
                // and the outcome is the same kind of failure
                assertTrue(split.get(split.size() - 1).startsWith("ERROR"), "round " + round + ": " + split);
            }
        }
    }

    @Test
    void pauseAfterConnectLeavesTheRestUnreadUntilResume() {
        RecordingHandler h = new RecordingHandler() {
            @Override
            public void onConnect(ProtocolParser p, int off, int len) {
                super.onConnect(p, off, len);
                p.pause();
            }
        };
        ProtocolParser p = new ProtocolParser(h, ALLOC, 4096, 1024);
        ByteBuf buf = ALLOC.buffer();
        buf.writeBytes("CONNECT {}\r\nPUB a 2\r\nhi\r\nPING\r\n".getBytes(StandardCharsets.UTF_8));
        try {
            p.parse(buf);
            assertTrue(p.isPaused());
            assertEquals(List.of("CONNECT {}"), h.events);
            assertEquals("PUB a 2\r\nhi\r\nPING\r\n".length(), buf.readableBytes(), "the rest stays unread");
            p.parse(buf);
            assertEquals(List.of("CONNECT {}"), h.events, "nothing while paused");
            p.resume();
            p.parse(buf);
            assertEquals(List.of("CONNECT {}", "PUB a size=2 digits=2 [hi]", "PING"), h.events);
            assertEquals(0, buf.readableBytes());
        } finally {
            buf.release();
            p.close();
        }
    }
}
