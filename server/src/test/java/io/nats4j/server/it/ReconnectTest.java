package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Clients survive a server restart on the same port. */
@ExtendWith(TestServerExtension.class)
class ReconnectTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void clientsReconnectAfterRestartAndMessagesFlowAgain(TestServer server) throws Exception {
        CountDownLatch reconnected = new CountDownLatch(2);
        ConnectionListener listener = (conn, event) -> {
            if (event == ConnectionListener.Events.RECONNECTED) {
                reconnected.countDown();
            }
        };
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Options.Builder options = Options.builder().maxReconnects(-1).reconnectWait(Duration.ofMillis(100))
                    .connectionListener(listener);
            Connection sub = clients.connect(options);
            Connection pub = clients.connect(Options.builder().maxReconnects(-1)
                    .reconnectWait(Duration.ofMillis(100)).connectionListener(listener));
            Subscription s = sub.subscribe("survives.restart");
            sub.flush(WAIT);
            pub.publish("survives.restart", "before".getBytes(StandardCharsets.UTF_8));
            assertEquals("before", new String(s.nextMessage(WAIT).getData(), StandardCharsets.UTF_8));

            int port = server.port();
            server.restart();
            assertEquals(port, server.port(), "same port after restart");
            assertTrue(reconnected.await(10, TimeUnit.SECONDS), "both clients reconnected");

            // jnats replays the subscription on reconnect; publish probes until one arrives so both
            // connections are known to be through (a publisher's buffered messages may race the replay)
            long deadline = System.nanoTime() + WAIT.toNanos();
            Message probe = null;
            while (probe == null && System.nanoTime() < deadline) {
                pub.publish("survives.restart", "probe".getBytes(StandardCharsets.UTF_8));
                pub.flush(WAIT);
                probe = s.nextMessage(Duration.ofMillis(100));
            }
            assertNotNull(probe, "messages flow again after the restart");
            while (s.nextMessage(Duration.ofMillis(200)) != null) {
                // drop surplus probes
            }
            for (int i = 0; i < 10; i++) {
                pub.publish("survives.restart", ("after" + i).getBytes(StandardCharsets.UTF_8));
            }
            pub.flush(WAIT);
            for (int i = 0; i < 10; i++) {
                Message m = s.nextMessage(WAIT);
                assertNotNull(m, "message " + i + " after the restart");
                assertEquals("after" + i, new String(m.getData(), StandardCharsets.UTF_8));
            }
        }
    }
}
