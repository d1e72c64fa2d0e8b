package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Options;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 1000 official-client connections at once, each subscribed to a shared subject and to its own, each
 * receiving exactly what was meant for it. Slow (jnats starts threads per connection), so tagged.
 */
@Tag("slow")
@ExtendWith(TestServerExtension.class)
class ManyJnatsConnectionsTest {

    private static final int CLIENTS = 1000;

    @Test
    void thousandJnatsConnectionsEachGetTheirMessages(TestServer server) throws Exception {
        CountDownLatch all = new CountDownLatch(CLIENTS * 2);
        AtomicInteger wrong = new AtomicInteger();
        try (JnatsConnections clients = new JnatsConnections(server)) {
            List<Connection> conns = new ArrayList<>(CLIENTS);
            for (int i = 0; i < CLIENTS; i++) {
                Connection c = clients.connect(new Options.Builder().connectionName("c" + i));
                String mine = Integer.toString(i);
                Dispatcher d = c.createDispatcher(m -> {
                    String body = new String(m.getData(), StandardCharsets.UTF_8);
                    if (m.getSubject().equals("everyone") ? body.equals("all") : body.equals(mine)) {
                        all.countDown();
                    } else {
                        wrong.incrementAndGet();
                    }
                });
                d.subscribe("everyone");
                d.subscribe("client." + i);
                conns.add(c);
            }
            for (Connection c : conns) {
                c.flush(Duration.ofSeconds(5));
            }
            Connection pub = clients.connect();
            pub.publish("everyone", "all".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < CLIENTS; i++) {
                pub.publish("client." + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            pub.flush(Duration.ofSeconds(5));
            assertTrue(all.await(30, TimeUnit.SECONDS), "undelivered: " + all.getCount());
            assertEquals(0, wrong.get());
            for (Connection c : conns) {
                assertEquals(Connection.Status.CONNECTED, c.getStatus());
            }
        }
    }
}
