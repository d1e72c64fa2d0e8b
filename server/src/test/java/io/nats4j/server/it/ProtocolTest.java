package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client wire protocol, byte for byte, over raw sockets (no client library in between). */
@ExtendWith(TestServerExtension.class)
class ProtocolTest {

    private static final String QUIET = "{\"verbose\":false,\"pedantic\":false}";
    private static final String QUIET_HEADERS = "{\"verbose\":false,\"pedantic\":false,\"headers\":true}";
    private static final Duration SHORT = Duration.ofMillis(300);

    @Test
    void infoIsCompactJsonWithTheFieldsClientsNeed(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            String info = c.info();
            // clients and test harnesses grep for these spellings, so the JSON must be compact
            assertTrue(info.contains("\"port\":" + server.port()), info);
            assertTrue(info.contains("\"max_payload\":1048576"), info);
            assertTrue(info.contains("\"proto\":1"), info);
            assertTrue(info.contains("\"headers\":true"), info);
            assertFalse(info.contains("\": "), "no space after colons: " + info);
            assertFalse(info.contains(", "), "no space after commas: " + info);
            JsonNode json = new ObjectMapper().readTree(info);
            for (String field : List.of("server_id", "server_name", "version", "host", "client_id")) {
                assertTrue(json.hasNonNull(field), field + " missing in " + info);
            }
            assertTrue(json.get("server_id").asText().matches("N[A-Z0-9]{55}"), "nkey-style server id: " + info);
            assertTrue(json.get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), info);
            assertEquals(server.port(), json.get("port").asInt());
        }
    }

    @Test
    void infoEndsWithSpaceBeforeCrlfLikeNatsServer(TestServer server) throws Exception {
        // nats-server writes "INFO {...} \r\n" (a space before CRLF); some tools match it literally
        try (RawClient c = RawClient.openWithoutInfo(server.port())) {
            c.expectMatch("INFO \\{[^\r\n]*\\} \r\n");
        }
    }

    @Test
    void pingIsAnsweredWithPongAfterConnect(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("PING\r\n").expect("PONG\r\n");
            c.send("PING\r\nPING\r\n").expect("PONG\r\nPONG\r\n");
        }
    }

    @Test
    void verboseConnectionGetsOkForEveryOperation(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":true}").expect("+OK\r\n");
            c.send("SUB foo 1\r\n").expect("+OK\r\n");
            c.send("PUB foo 2\r\nhi\r\n").expect("+OK\r\nMSG foo 1 2\r\nhi\r\n");
            c.send("UNSUB 1\r\n").expect("+OK\r\n");
            c.send("PING\r\n").expect("PONG\r\n"); // PING is answered with PONG only
        }
    }

    @Test
    void connectWithoutVerboseFieldIsVerbose(TestServer server) throws Exception {
        // nats-server's client defaults are verbose=true, pedantic=true, echo=true: fields left out of
        // CONNECT keep them, so "CONNECT {}" gets +OK (and so does a PUB sent before any CONNECT)
        try (RawClient c = RawClient.open(server)) {
            c.connect("{}").expect("+OK\r\n");
            c.send("PING\r\n").expect("PONG\r\n");
        }
    }

    @Test
    void publishIsDeliveredAsMsgWithExactBytes(TestServer server) throws Exception {
        try (RawClient sub = RawClient.open(server); RawClient pub = RawClient.open(server)) {
            sub.connect(QUIET).send("SUB foo 1\r\nSUB bar 22\r\n").sync();
            pub.connect(QUIET).send("PUB foo 5\r\nhello\r\n").send("PUB foo reply.to 3\r\nabc\r\n")
                    .send("PUB foo 0\r\n\r\n").send("PUB bar 4\r\na\r\nb\r\n").sync();
            sub.expect("MSG foo 1 5\r\nhello\r\n");
            sub.expect("MSG foo 1 reply.to 3\r\nabc\r\n");
            sub.expect("MSG foo 1 0\r\n\r\n");
            sub.expect("MSG bar 22 4\r\na\r\nb\r\n"); // payload is opaque: CRLF inside is data
            sub.expectNothing(SHORT);
        }
    }

    @Test
    void hpubIsDeliveredAsHmsgWithExactBytes(TestServer server) throws Exception {
        String headers = "NATS/1.0\r\nA: b\r\n\r\n"; // 18 bytes
        try (RawClient sub = RawClient.open(server); RawClient pub = RawClient.open(server)) {
            sub.connect(QUIET_HEADERS).send("SUB foo 7\r\n").sync();
            pub.connect(QUIET_HEADERS).send("HPUB foo 18 20\r\n" + headers + "hi\r\n")
                    .send("HPUB foo rep 18 18\r\n" + headers + "\r\n").sync();
            sub.expect("HMSG foo 7 18 20\r\n" + headers + "hi\r\n");
            sub.expect("HMSG foo 7 rep 18 18\r\n" + headers + "\r\n");
            sub.expectNothing(SHORT);
        }
    }

    @Test
    void hpubFromClientWithoutHeadersIsAProtocolViolation(TestServer server) throws Exception {
        // nats-server closes the connection without an -ERR when HPUB comes from a client whose CONNECT
        // did not say headers:true
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":false,\"headers\":false}").send("HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n");
            assertEquals("", c.expectClosed(Duration.ofSeconds(2)));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void queueSubscribersShareMessagesAndPlainSubscribersGetAll(TestServer server) throws Exception {
        int messages = 50;
        try (RawClient q1 = RawClient.open(server);
                RawClient q2 = RawClient.open(server);
                RawClient plain = RawClient.open(server);
                RawClient pub = RawClient.open(server)) {
            q1.connect(QUIET).send("SUB work group 1\r\n").sync();
            q2.connect(QUIET).send("SUB work group 2\r\n").sync();
            plain.connect(QUIET).send("SUB work 3\r\n").sync();
            pub.connect(QUIET);
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < messages; i++) {
                batch.append("PUB work 1\r\nx\r\n");
            }
            pub.send(batch.toString()).sync();
            for (int i = 0; i < messages; i++) {
                plain.expect("MSG work 3 1\r\nx\r\n");
            }
            int first = countMessages(q1, "MSG work 1 1\r\nx\r\n");
            int second = countMessages(q2, "MSG work 2 1\r\nx\r\n");
            assertEquals(messages, first + second, "each message goes to exactly one queue member");
        }
    }

    @Test
    void unsubWithMaxRemovesSubscriptionAfterThatManyMessages(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB foo 1\r\nUNSUB 1 2\r\n");
            c.send("PUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\nPING\r\n");
            c.expect("MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nPONG\r\n");
            c.send("PUB foo 1\r\nd\r\n").expectNothing(SHORT);
        }
    }

    @Test
    void unsubWithAMaximumThatIsNoNumberUnsubscribesAtOnce(TestServer server) throws Exception {
        // nats-server 2.9.10 reads a maximum that is not a size as none: +OK, and the subscription is gone
        String[] bad = {"abc", "-1", "2147483648", "1234567890", "0"};
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":true,\"pedantic\":false}").expect("+OK\r\n");
            for (int i = 0; i < bad.length; i++) {
                c.send("SUB foo " + i + "\r\nUNSUB " + i + " " + bad[i] + "\r\n").expect("+OK\r\n+OK\r\n");
            }
            c.send("PUB foo 1\r\na\r\nPING\r\n").expect("+OK\r\nPONG\r\n");
        }
    }

    @Test
    void unsubWithoutMaxStopsDeliveryAndUnknownSidIsIgnored(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB foo 1\r\nPUB foo 1\r\na\r\nUNSUB 1\r\nPUB foo 1\r\nb\r\n");
            c.send("UNSUB 99\r\nPING\r\n").expect("MSG foo 1 1\r\na\r\nPONG\r\n");
        }
    }

    @Test
    void wildcardSubscriptionsMatchTokensAndTails(TestServer server) throws Exception {
        try (RawClient star = RawClient.open(server);
                RawClient tail = RawClient.open(server);
                RawClient all = RawClient.open(server);
                RawClient mid = RawClient.open(server);
                RawClient pub = RawClient.open(server)) {
            star.connect(QUIET).send("SUB foo.* 1\r\n").sync();
            tail.connect(QUIET).send("SUB foo.> 2\r\n").sync();
            all.connect(QUIET).send("SUB > 3\r\n").sync();
            mid.connect(QUIET).send("SUB *.bar.* 4\r\n").sync();
            pub.connect(QUIET).send("PUB foo 1\r\n0\r\nPUB foo.bar 1\r\n1\r\nPUB foo.bar.baz 1\r\n2\r\n").sync();
            star.expect("MSG foo.bar 1 1\r\n1\r\n").expectNothing(SHORT);
            tail.expect("MSG foo.bar 2 1\r\n1\r\nMSG foo.bar.baz 2 1\r\n2\r\n").expectNothing(SHORT);
            all.expect("MSG foo 3 1\r\n0\r\nMSG foo.bar 3 1\r\n1\r\nMSG foo.bar.baz 3 1\r\n2\r\n");
            mid.expect("MSG foo.bar.baz 4 1\r\n2\r\n").expectNothing(SHORT);
        }
    }

    @Test
    void oneMessageMatchingSeveralSubscriptionsOfOneClientIsDeliveredPerSubscription(TestServer server)
            throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB a.b 1\r\nSUB a.* 2\r\nSUB a.> 3\r\nPUB a.b 1\r\nx\r\nPING\r\n");
            Set<String> got = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                got.add(c.expectMatch("MSG a\\.b (\\d) 1\r\nx\r\n").group(1));
            }
            assertEquals(Set.of("1", "2", "3"), got);
            c.expect("PONG\r\n");
        }
    }

    @Test
    void protocolVerbsAreCaseInsensitive(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.send("connect " + QUIET + "\r\n").send("sub foo 1\r\n").send("pub foo 2\r\nhi\r\n");
            c.send("Sub bar 2\r\nPuB bar 1\r\nz\r\npInG\r\n");
            c.expect("MSG foo 1 2\r\nhi\r\nMSG bar 2 1\r\nz\r\nPONG\r\n");
            c.send("unsub 2\r\npub bar 1\r\nz\r\nping\r\n").expect("PONG\r\n");
        }
    }

    @Test
    void framesSplitAcrossWritesAreReassembled(TestServer server) throws Exception {
        String headers = "NATS/1.0\r\nK: v\r\n\r\n";
        try (RawClient c = RawClient.open(server)) {
            c.sendByteByByte("CONNECT " + QUIET_HEADERS + "\r\n");
            c.sendByteByByte("SUB foo.bar 1\r\nPUB foo.bar rep 12\r\nhello\r\nworld\r\n");
            c.sendByteByByte("HPUB foo.bar 18 21\r\n" + headers + "abc\r\nPING\r\n");
            c.expect("MSG foo.bar 1 rep 12\r\nhello\r\nworld\r\n");
            c.expect("HMSG foo.bar 1 18 21\r\n" + headers + "abc\r\n");
            c.expect("PONG\r\n");
        }
    }

    @Test
    void manySmallFramesInOneWriteAreAllProcessed(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            StringBuilder sb = new StringBuilder("CONNECT " + QUIET + "\r\nSUB n 1\r\n");
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                String payload = Integer.toString(i);
                sb.append("PUB n ").append(payload.length()).append("\r\n").append(payload).append("\r\n");
                expected.append("MSG n 1 ").append(payload.length()).append("\r\n").append(payload).append("\r\n");
            }
            c.send(sb.append("PING\r\n").toString()).expect(expected.append("PONG\r\n").toString());
        }
    }

    @Test
    void echoFalseSuppressesOwnMessagesOnly(TestServer server) throws Exception {
        try (RawClient self = RawClient.open(server); RawClient other = RawClient.open(server)) {
            self.connect("{\"verbose\":false,\"echo\":false}").send("SUB foo 1\r\nPUB foo 1\r\na\r\n").sync();
            self.expectNothing(SHORT);
            other.connect(QUIET).send("PUB foo 1\r\nb\r\n").sync();
            self.expect("MSG foo 1 1\r\nb\r\n");
        }
    }

    @Test
    void requestWithoutRespondersGetsStatus503(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":false,\"headers\":true,\"no_responders\":true}");
            c.send("SUB _INBOX.r 1\r\nPUB nobody.home _INBOX.r 2\r\nhi\r\nPING\r\n");
            // empty payload; headers "NATS/1.0 503\r\n\r\n" (16 bytes); sent to the reply subject
            c.expect("HMSG _INBOX.r 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n");
        }
    }

    @Test
    void requestWithRespondersGetsNoStatus(TestServer server) throws Exception {
        try (RawClient requester = RawClient.open(server); RawClient responder = RawClient.open(server)) {
            responder.connect(QUIET).send("SUB svc 1\r\n").sync();
            requester.connect("{\"verbose\":false,\"headers\":true,\"no_responders\":true}");
            requester.send("SUB _INBOX.r 1\r\nPUB svc _INBOX.r 2\r\nhi\r\nPING\r\n").expect("PONG\r\n");
            responder.expect("MSG svc 1 _INBOX.r 2\r\nhi\r\n").send("PUB _INBOX.r 2\r\nok\r\n");
            requester.expect("MSG _INBOX.r 1 2\r\nok\r\n").expectNothing(SHORT);
        }
    }

    @Test
    void noRespondersWithoutHeadersIsRefusedAtConnect(TestServer server) throws Exception {
        // nats-server answers the CONNECT with this -ERR and closes the connection
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":false,\"headers\":false,\"no_responders\":true}");
            c.expect("-ERR 'no responders requires headers support'\r\n");
            assertEquals("", c.expectClosed(Duration.ofSeconds(2)));
        }
        assertOtherClientsStillWork(server);
    }

    @Test
    void requestWithoutNoRespondersOptionGetsNothing(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET_HEADERS).send("SUB r 1\r\nPUB nobody r 0\r\n\r\nPING\r\n").expect("PONG\r\n");
            c.expectNothing(SHORT);
        }
    }

    @Test
    void publishBeforeConnectIsAcceptedWhenNoAuthIsRequired(TestServer server) throws Exception {
        // nats-server does not insist on CONNECT first when auth is off; the default options are
        // verbose, so the PUB and SUB are acknowledged with +OK
        try (RawClient sub = RawClient.open(server); RawClient early = RawClient.open(server)) {
            sub.connect(QUIET).send("SUB early 1\r\n").sync();
            early.send("PUB early 2\r\nhi\r\n").expect("+OK\r\n");
            early.send("PING\r\n").expect("PONG\r\n");
            sub.expect("MSG early 1 2\r\nhi\r\n");
        }
    }

    /** Counts copies of the frame the client got before the PONG of a fresh PING; nothing else may come. */
    private static int countMessages(RawClient c, String frame) throws Exception {
        c.send("PING\r\n");
        String got = c.expectMatch(java.util.regex.Pattern.compile("((?:" + java.util.regex.Pattern.quote(frame)
                + ")*)PONG\r\n"), RawClient.DEFAULT_TIMEOUT).group(1);
        return got.length() / frame.length();
    }

    static void assertOtherClientsStillWork(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect(QUIET).send("SUB still.ok 1\r\nPUB still.ok 2\r\nok\r\nPING\r\n");
            c.expect("MSG still.ok 1 2\r\nok\r\nPONG\r\n");
        }
    }
}
