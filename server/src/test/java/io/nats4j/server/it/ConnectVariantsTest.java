package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CONNECT variants, and INFO and -ERR sent by a client, answered as nats-server 2.9.10 answers them (its CONNECT
 * is Go's json decoding into the client options on top of the previous ones).
 */
@ExtendWith(TestServerExtension.class)
class ConnectVariantsTest {

    private static final Duration CLOSE = Duration.ofSeconds(2);

    @Test
    void connectNullKeepsTheDefaults(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.send("CONNECT null\r\nPING\r\n").expect("+OK\r\nPONG\r\n");
        }
    }

    @Test
    void aFractionalProtocolClosesAndAHugeOneIsAnInvalidProtocol(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.send("CONNECT {\"protocol\":1.5}\r\nPING\r\n");
            assertEquals("", c.expectClosed(CLOSE));
        }
        try (RawClient c = RawClient.open(server)) {
            c.send("CONNECT {\"protocol\":4294967297}\r\nPING\r\n").expect("-ERR 'invalid client protocol'\r\n");
            c.expectClosed(CLOSE);
        }
        try (RawClient c = RawClient.open(server)) {
            // a big number in a field nats-server does not know is fine
            c.send("CONNECT {\"verbose\":false,\"x\":123456789012345678901234567890}\r\nPING\r\n").expect("PONG\r\n");
        }
    }

    @Test
    void aSecondConnectChangesOnlyTheFieldsItNames(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.send("CONNECT {\"verbose\":false}\r\nCONNECT {\"name\":\"again\"}\r\nPING\r\n").expect("PONG\r\n");
            c.send("CONNECT {\"verbose\":true}\r\nPING\r\n").expect("+OK\r\nPONG\r\n");
        }
    }

    @Test
    void infoFromAClientIsIgnoredUnlessItIsNoJson(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":false}").send("INFO {\"server_id\":\"x\"}\r\nPING\r\n").expect("PONG\r\n");
            c.send("INFO x\r\nPING\r\n");
            assertEquals("", c.expectClosed(CLOSE));
        }
    }

    @Test
    void errFromAClientClosesIt(TestServer server) throws Exception {
        try (RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":false}").send("-ERR 'something'\r\nPING\r\n");
            assertEquals("", c.expectClosed(CLOSE));
        }
    }
}
