package io.nats4j.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What a client sends never reaches a log line raw: CR, LF and other control bytes are escaped in every line
 * (tracing on, so the client's own protocol lines are logged too). And input the server fails on unexpectedly
 * gets nats-server's -ERR for input it cannot process instead of a silent close.
 */
class ClientBytesInLogsTest {

    /** Every message, with the level. */
    static final class RecordingLogger implements ServerLogger {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void notice(String m) {
            lines.add("INF " + m);
        }

        @Override
        public void warn(String m) {
            lines.add("WRN " + m);
        }

        @Override
        public void error(String m) {
            lines.add("ERR " + m);
        }

        @Override
        public void fatal(String m) {
            lines.add("FTL " + m);
        }

        @Override
        public void debug(String m) {
            lines.add("DBG " + m);
        }

        @Override
        public void trace(String m) {
            lines.add("TRC " + m);
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }
    }

    private static NatsServer start(RecordingLogger log) throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        o.debug = true;
        o.trace = true;
        NatsServer s = new NatsServer(o, log);
        s.start();
        return s;
    }

    @Test
    void controlBytesFromClientsAreEscapedInEveryLogLine() throws Exception {
        RecordingLogger log = new RecordingLogger();
        NatsServer s = start(log);
        try {
            String[] inputs = {
                "CONNECT {\"verbose\":false,\"name\":\"a\\rb\\u0000c\\u0085\"}\r\nSUB x 1\rq 7\r\n",
                "CONNECT {}\r\nSUB a\fb\u000b 1\r\nPUB x\r 3\r\na\rb\r\nPING\r\n",
                "CONNECT {\"verbose\":false}\r\nPUB x 1\r\n\u0000\r\nSUB q 1 2 3 \u0001\r\n",
                "CONNECT {\"x\u0007\":1,\"verbose\":tru\re}\r\n",
                "CONNECT {}\r\nPUB a\u0002b 1 2 3\r\n",
                "CONNECT {}\r\nUNSUB \u0003\r\nHPUB x\u0004 5 3\r\n",
            };
            for (String in : inputs) {
                try (RawClient c = RawClient.open(s.port(), 0)) {
                    c.send(in);
                    try {
                        c.expectClosed(Duration.ofMillis(300));
                    } catch (AssertionError stillOpen) {
                        // fine: some of these leave the connection open
                    }
                }
            }
            awaitLine(log, "cid:" + inputs.length + " ");
            assertFalse(log.lines.isEmpty());
            for (String line : log.lines) {
                for (int i = 0; i < line.length(); i++) {
                    char c = line.charAt(i);
                    assertFalse(c < 0x20 || (c >= 0x7f && c < 0xa0), "raw control character "
                            + (int) c + " in log line: " + line.replace("\r", "<CR>").replace("\n", "<LF>"));
                }
            }
            assertTrue(log.lines.stream().anyMatch(l -> l.contains("\\r")), "CRs are there, escaped: " + log.lines);
        } finally {
            s.close();
        }
    }

    @Test
    void anUnexpectedFailureOnInputGetsNatsServersErrAndAClose() throws Exception {
        RecordingLogger log = new RecordingLogger();
        NatsServer s = start(log);
        try {
            InternalSubscriber failing = new InternalSubscriber() {
                @Override
                public long id() {
                    return 0;
                }

                @Override
                public void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply,
                        byte[] headers, byte[] payload) {
                    throw new IllegalStateException("boom\r\n[ERR] forged");
                }
            };
            s.accounts().global().sublist().insert(new Subscription(failing, "boom", null, "1".getBytes(StandardCharsets.US_ASCII)));
            try (RawClient c = RawClient.open(s.port(), 0)) {
                c.connect("{\"verbose\":false}").send("PUB boom 1\r\nx\r\n");
                c.expect("-ERR 'Unknown Protocol Operation'\r\n");
                assertEquals("", c.expectClosed(Duration.ofSeconds(3)));
            }
            assertTrue(log.lines.stream().anyMatch(l -> l.contains("Unexpected error") && l.contains("boom\\r\\n[ERR] forged")),
                    log.lines.toString());
        } finally {
            s.close();
        }
    }

    private static void awaitLine(RecordingLogger log, String part) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline && log.lines.stream().noneMatch(l -> l.contains(part) && l.contains("closed"))) {
            Thread.sleep(20);
        }
    }
}
