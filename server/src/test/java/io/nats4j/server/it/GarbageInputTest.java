package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile input over real sockets: many connections send random mixes of valid frames, truncated frames
 * and random bytes, then vanish. The server must keep serving a well-behaved client throughout and after.
 */
@ExtendWith(TestServerExtension.class)
class GarbageInputTest {

    private static final String[] FRAMES = {"CONNECT {\"verbose\":false}\r\n", "PING\r\n", "PUB x 3\r\nabc\r\n",
        "SUB x 1\r\n", "SUB x.* q 2\r\n", "UNSUB 1\r\n", "HPUB x 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", "PUB x 99999999999\r\n",
        "PUB x 5\r\nab", "CONNECT {bad\r\n", "SUB\r\n", "\r\n", "PUB x -1\r\n", "CONNECT {\"protocol\":7}\r\n"};

    @Test
    void randomInputNeverDisturbsOtherClients(TestServer server) throws Exception {
        Random rnd = new Random(42);
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection good = clients.connect();
            Subscription sub = good.subscribe("good");
            good.flush(Duration.ofSeconds(2));
            for (int round = 0; round < 150; round++) {
                hostile(server.port(), rnd);
                if (round % 25 == 0) {
                    roundTrip(good, sub, round);
                }
            }
            roundTrip(good, sub, -1);
            assertEquals(Connection.Status.CONNECTED, good.getStatus());
        }
    }

    private static void roundTrip(Connection good, Subscription sub, int round) throws Exception {
        byte[] body = ("round " + round).getBytes(StandardCharsets.UTF_8);
        good.publish("good", body);
        Message m = sub.nextMessage(Duration.ofSeconds(3));
        assertNotNull(m, "well-behaved client still served at round " + round);
        assertEquals("round " + round, new String(m.getData(), StandardCharsets.UTF_8));
    }

    private static void hostile(int port, Random rnd) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            int n = 1 + rnd.nextInt(10);
            for (int i = 0; i < n; i++) {
                byte[] chunk;
                if (rnd.nextInt(4) == 0) {
                    chunk = new byte[1 + rnd.nextInt(200)];
                    rnd.nextBytes(chunk);
                } else {
                    chunk = FRAMES[rnd.nextInt(FRAMES.length)].getBytes(StandardCharsets.ISO_8859_1);
                }
                try {
                    out.write(chunk);
                } catch (IOException closedByServer) {
                    break;
                }
            }
            try {
                in.read(new byte[4096]); // whatever the server answered, if anything
            } catch (IOException ignored) {
                // timeout or reset: both fine
            }
        }
    }
}
