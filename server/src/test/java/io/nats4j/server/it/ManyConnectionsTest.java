package io.nats4j.server.it;

import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many concurrent clients, each with its own and a shared subscription (about 2 s against nats-server). */
@ExtendWith(TestServerExtension.class)
class ManyConnectionsTest {

    private static final int CLIENTS = 1000;

    @Test
    void thousandConnectionsEachSubscribeAndReceive(TestServer server) throws Exception {
        List<RawClient> clients = new ArrayList<>(CLIENTS);
        try {
            for (int i = 0; i < CLIENTS; i++) {
                RawClient c = RawClient.open(server);
                clients.add(c);
                c.connect("{\"verbose\":false,\"pedantic\":false}").send("SUB everyone 1\r\nSUB client." + i + " 2\r\n");
            }
            for (RawClient c : clients) {
                c.sync();
            }
            try (RawClient pub = RawClient.open(server)) {
                StringBuilder batch = new StringBuilder("CONNECT {\"verbose\":false}\r\nPUB everyone 3\r\nall\r\n");
                for (int i = 0; i < CLIENTS; i++) {
                    String body = Integer.toString(i);
                    batch.append("PUB client.").append(i).append(' ').append(body.length()).append("\r\n")
                            .append(body).append("\r\n");
                }
                pub.send(batch.toString()).sync();
            }
            for (int i = 0; i < CLIENTS; i++) {
                String body = Integer.toString(i);
                clients.get(i).expectSkippingPings("MSG everyone 1 3\r\nall\r\n", RawClient.DEFAULT_TIMEOUT)
                        .expectSkippingPings("MSG client." + i + " 2 " + body.length() + "\r\n" + body + "\r\n",
                                RawClient.DEFAULT_TIMEOUT);
            }
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }
}
