package io.nats4j.server.it;

import static io.nats4j.server.it.ProtocolTest.assertOtherClientsStillWork;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.ServerConfig;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Protocol errors: the exact -ERR text nats-server sends, whether it closes the connection, and that the
 * rest of the server is unaffected. Texts confirmed against nats-server 2.9.10.
 */
@ExtendWith(TestServerExtension.class)
class ProtocolErrorsTest {

    private static final String QUIET = "{\"verbose\":false,\"pedantic\":false}";
    private static final String PEDANTIC = "{\"verbose\":false,\"pedantic\":true}";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void unknownOperationIsRejectedAndConnectionClosed(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("FOO bar\r\n");
            c.expect("-ERR 'Unknown Protocol Operation'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void maxControlLineCountsTheArgumentsOnly(TestServer server) throws Exception {
        // nats-server 2.9.10: the bytes after "SUB " up to CR LF, 4096 of them, are within the default limit
        String subject = "s".repeat(4094);
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB " + subject + " 1\r\nPUB " + subject.substring(0, 4092) + " 0\r\n\r\n").sync();
            c.send("SUB " + subject + " 12\r\n").expect("-ERR 'maximum control line exceeded'\r\n");
            c.expectClosed(CLOSE_TIMEOUT);
        }
    }

    @Test
    void bareCrSeparatesSubArgumentsAsInNatsServer(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB x\r1\r\nSUB y 2\rq\nPUB x 1\r\na\r\nPUB y 1\r\nb\r\nPING\r\n");
            c.expect("MSG x 1 1\r\na\r\nMSG y 2 1\r\nb\r\nPONG\r\n");
            // four arguments once the CR separates: closed without -ERR, as a malformed SUB
            c.send("SUB x 1\rq 7\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void formFeedAndVerticalTabAreSubjectAndQueueBytesAsInNatsServer(TestServer server) throws Exception {
        // the SUB arguments are split at space, tab, CR and LF only; nats-server's sublist takes other bytes
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":true,\"pedantic\":false}").expect("+OK\r\n");
            c.send("SUB a\fb 1\r\nSUB c q\u000bx 2\r\nSUB d..e 3\r\n");
            c.expect("+OK\r\n+OK\r\n-ERR 'Invalid Subject'\r\n");
            c.send("PUB a\fb 1\r\nx\r\nPUB c 1\r\ny\r\nPING\r\n");
            c.expect("+OK\r\nMSG a\fb 1 1\r\nx\r\n+OK\r\nMSG c 2 1\r\ny\r\nPONG\r\n");
        }
    }

    @Test
    void unknownOperationBeforeConnectIsRejectedAndConnectionClosed(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.send("HELLO\r\n").expect("-ERR 'Unknown Protocol Operation'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void wildcardPublishSubjectIsReportedInPedanticModeButStillDelivered(TestServer server) throws Exception {
        // nats-server 2.9.10 checks publish subjects only for pedantic clients, sends the -ERR, keeps the
        // connection open AND still routes the message (the check does not stop processing)
        try (RawClient sub = RawClient.open(server); RawClient pub = RawClient.open(server)) {
            sub.connect(QUIET).send("SUB foo.* 1\r\n").sync();
            pub.connect(PEDANTIC).send("PUB foo.* 2\r\nhi\r\n");
            pub.expect("-ERR 'Invalid Publish Subject'\r\n").sync();
            sub.expect("MSG foo.* 1 2\r\nhi\r\n");
            pub.send("PUB foo.> 0\r\n\r\n").expect("-ERR 'Invalid Publish Subject'\r\n");
            pub.send("PUB foo..bar 0\r\n\r\n").expect("-ERR 'Invalid Publish Subject'\r\n").sync();
        }
        assertOtherClientsStillWork(server);
    }

    /**
     * A deliberate difference (docs/DIFFERENCES.md): when the payload of a pedantic client's PUB to an invalid subject
     * arrives in a later read than its line, nats-server 2.9.10 parses the line a second time and sends the -ERR
     * twice; nats4j sends it once. Found by the differential fuzzer.
     */
    @Test
    void invalidPublishSubjectIsReportedOnceWhenThePayloadArrivesLater(TestServer server) throws Exception {
        try (RawClient pub = RawClient.open(server)) {
            pub.connect(PEDANTIC).sync();
            pub.send("PUB foo. 5\r\nab");
            Thread.sleep(200); // the rest comes in another read
            pub.send("cde\r\n").expect("-ERR 'Invalid Publish Subject'\r\n");
            if (TestServer.isGoServer()) {
                pub.expect("-ERR 'Invalid Publish Subject'\r\n");
            }
            pub.sync();
        }
    }

    /** Found by the differential fuzzer: nats-server refuses HPUB from a client without headers at its line. */
    @Test
    void hpubWithoutHeaderSupportClosesAtItsLineWithoutWaitingForThePayload(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).sync();
            c.send("HPUB foo 12 14\r\nNATS/1.0\r\n"); // the payload never comes
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        try (RawClient c = RawClient.open(server)) {
            // over max_payload too: refused for the headers first, so without the max_payload -ERR
            c.connect(QUIET).send("HPUB foo 12 9999999\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    /** Found by the differential fuzzer: a SUB reusing a sid is ignored (+OK) before its subject is checked. */
    @Test
    void subWithASidInUseIsAcceptedWhateverItsSubject(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":true}").expect("+OK\r\n");
            c.send("SUB foo 1\r\nSUB foo..bar 1\r\nSUB foo..bar 2\r\nPUB foo 1\r\nx\r\nPING\r\n");
            c.expect("+OK\r\n+OK\r\n-ERR 'Invalid Subject'\r\n+OK\r\nMSG foo 1 1\r\nx\r\nPONG\r\n");
        }
    }

    /**
     * A deliberate difference (docs/DIFFERENCES.md, "Bare CR"): a line with a CR inside it, split across reads after
     * the CR. nats-server 2.9.10 loses the byte before the split (here the size's first digit: a 2-byte payload
     * that does not end where it should, so -ERR 'Unknown Protocol Operation'); nats4j reads the line as a whole.
     */
    @Test
    void lineWithABareCrSplitAcrossReadsIsReadAsAWhole(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB a\rb 1\r\n").sync();
            c.send("PUB a\rb 1");
            Thread.sleep(200);
            c.send("2\r\nhello world!\r\nPING\r\n");
            if (TestServer.isGoServer()) {
                c.expect("-ERR 'Unknown Protocol Operation'\r\n");
                c.expectClosed(CLOSE_TIMEOUT);
            } else {
                c.expect("PONG\r\n"); // subject "a\rb" (the SUB's CR separates a queue, as in nats-server)
            }
        }
    }

    @Test
    void wildcardPublishSubjectIsNotCheckedWithoutPedantic(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB foo.* 1\r\nPUB foo.* 2\r\nhi\r\nPING\r\n");
            c.expect("MSG foo.* 1 2\r\nhi\r\nPONG\r\n");
        }
    }

    @Test
    void invalidSubscribeSubjectIsRejectedAndConnectionStaysOpen(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB foo..bar 1\r\n").expect("-ERR 'Invalid Subject'\r\n");
            c.send("SUB foo.>.bar 2\r\n").expect("-ERR 'Invalid Subject'\r\n");
            c.send("SUB .foo 3\r\n").expect("-ERR 'Invalid Subject'\r\n");
            // the connection is still fine and the rejected sids do not exist
            c.send("SUB ok 4\r\nPUB ok 1\r\nx\r\nPING\r\n").expect("MSG ok 4 1\r\nx\r\nPONG\r\n");
        }
    }

    @Test
    @ServerConfig(maxPayload = 1024)
    void payloadOverMaxPayloadIsRejectedAndConnectionClosed(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET);
            // exactly max_payload is fine
            c.send("SUB big 1\r\nPUB big 1024\r\n" + "x".repeat(1024) + "\r\nPING\r\n");
            c.expect("MSG big 1 1024\r\n" + "x".repeat(1024) + "\r\nPONG\r\n");
            // the size in the control line is enough: the server does not wait for the payload
            c.send("PUB big 1025\r\n").expect("-ERR 'Maximum Payload Violation'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    @ServerConfig(maxPayload = 1024)
    void hpubOverMaxPayloadIsRejectedAndConnectionClosed(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":false,\"headers\":true}").send("HPUB big 12 1025\r\n");
            c.expect("-ERR 'Maximum Payload Violation'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void controlLineOverMaxIsRejectedAndConnectionClosed(TestServer server) throws Exception {
        // note the text: nats-server 2.9.10 sends it in lower case
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("PUB " + "s".repeat(5000) + " 2\r\nhi\r\n");
            c.expect("-ERR 'maximum control line exceeded'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void controlLineOverMaxIsDetectedBeforeItsEnd(TestServer server) throws Exception {
        // no CRLF yet: the server must not buffer an endless line
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB " + "s".repeat(5000));
            c.expect("-ERR 'maximum control line exceeded'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
    }

    @Test
    @ServerConfig(maxControlLine = 64)
    void configuredMaxControlLineIsEnforced(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB " + "a".repeat(40) + " 1\r\nPING\r\n").expect("PONG\r\n");
            c.send("SUB " + "b".repeat(80) + " 2\r\n").expect("-ERR 'maximum control line exceeded'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
    }

    @Test
    void payloadNotFollowedByCrlfIsAProtocolError(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("PUB foo 2\r\nhiX\r\n");
            c.expect("-ERR 'Unknown Protocol Operation'\r\n");
            assertEquals("", c.expectClosed(CLOSE_TIMEOUT));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void malformedArgumentsCloseTheConnectionWithoutErr(TestServer server) throws Exception {
        // nats-server closes (protocol violation) without sending an -ERR when a verb's arguments do not
        // parse: bad size, missing sid, bad CONNECT JSON
        for (String bad : new String[] {"PUB foo x\r\n", "PUB foo\r\n", "SUB foo\r\n", "HPUB foo 10 5\r\n",
            "CONNECT {bad\r\n"}) {
            try (RawClient c = RawClient.open(server)) {
                if (!bad.startsWith("CONNECT")) {
                    c.connect("{\"verbose\":false,\"headers\":true}");
                }
                c.send(bad);
                assertEquals("", c.expectClosed(CLOSE_TIMEOUT), "after " + bad.trim());
            }
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void verbWithoutArgumentsIsAnUnknownOperation(TestServer server) throws Exception {
        for (String bad : new String[] {"PUB\r\n", "UNSUB\r\n"}) {
            try (RawClient c = RawClient.open(server)) {
                c.connect(QUIET).send(bad).expect("-ERR 'Unknown Protocol Operation'\r\n");
                assertEquals("", c.expectClosed(CLOSE_TIMEOUT), "after " + bad.trim());
            }
        }
        assertOtherClientsStillWork(server);
    }
}
