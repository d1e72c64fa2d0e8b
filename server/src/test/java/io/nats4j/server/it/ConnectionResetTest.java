package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.fail;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.Http;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Clients that reset their connection (SO_LINGER 0, as load balancer health checks and port scanners do) right
 * after connecting, before or while the server writes INFO: none of them may stay registered. nats4j used to
 * register a connection after writing INFO; when that write failed the connection was detached before it was
 * registered, and then stayed in /varz, /connz and the max_connections count for good.
 */
class ConnectionResetTest {

    private static final int RESETS = 400;

    @Test
    void resetsRightAfterConnectDoNotHoldConnectionSlots() throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        o.maxConnections = 20;
        o.httpPort = -1;
        try (TestServer server = TestServer.start(o)) {
            for (int i = 0; i < RESETS; i++) {
                resetRightAway(server.port(), i % 2 == 0 ? null : "CONNECT {\"verbose\":false}\r\n");
            }
            awaitNoConnections(server);
            // the 20 slots are free: 20 clients get in at once
            RawClient[] clients = new RawClient[20];
            try {
                for (int i = 0; i < clients.length; i++) {
                    clients[i] = RawClient.open(server);
                    clients[i].connectQuiet();
                }
            } finally {
                for (RawClient c : clients) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        }
    }

    /** Connects and resets at once, optionally after sending {@code first}. */
    static void resetRightAway(int port, String first) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoLinger(true, 0);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            if (first != null) {
                s.getOutputStream().write(first.getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    /**
     * Waits until /varz and /connz both count no client connection. The server closes the reset ones as it sees
     * them, and a reset one may still wait in the listen backlog (accepted later, then closed), so the two reads
     * are repeated together until both are 0 rather than the second asserted right after the first.
     */
    static void awaitNoConnections(TestServer server) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        int varz = -1;
        int connz = -1;
        while (System.nanoTime() < deadline) {
            varz = Http.json(server.monitorUrl() + "/varz").get("connections").asInt();
            connz = varz == 0 ? Http.json(server.monitorUrl() + "/connz").get("num_connections").asInt() : -1;
            if (varz == 0 && connz == 0) {
                return;
            }
            Thread.sleep(50);
        }
        fail("still counted after 20 s: /varz " + varz + " connections, /connz " + connz);
    }
}
