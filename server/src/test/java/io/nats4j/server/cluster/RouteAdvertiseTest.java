package io.nats4j.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.RawClient;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** cluster.advertise on the wire (route INFO, gossip dials the advertised address) and a route to itself. */
class RouteAdvertiseTest {

    @Test
    void advertiseIsWhatTheRouteInfoAndGossipCarry() throws Exception {
        try (ClusterNodes nodes = new ClusterNodes("adv");
             ServerSocket advertised = new ServerSocket(0)) {
            advertised.setSoTimeout(10_000);
            NatsServer a = nodes.nats4j(-1);
            NatsServer b = nodes.nats4j(-1, ClusterNodes.routeUrl(a.cluster().port()));
            ClusterNodes.waitForRoutes(a, 1);

            ServerOptions co = nodes.options(-1, ClusterNodes.routeUrl(b.cluster().port()));
            co.cluster.advertise = "127.0.0.1:" + advertised.getLocalPort();
            NatsServer c = nodes.nats4j(co);

            // on the wire: the route INFO of c names the advertised address, not its listener
            try (RawClient raw = RawClient.open(c.cluster().port(), 0)) {
                assertTrue(raw.info().contains("\"ip\":\"nats-route://127.0.0.1:" + advertised.getLocalPort() + "/\""),
                        raw.info());
            }
            // gossip: b tells a about c with c's INFO, and a dials the advertised address (here: this socket)
            try (Socket dialed = advertised.accept()) {
                dialed.setSoTimeout(10_000);
                InputStream in = dialed.getInputStream();
                String first = readLine(in);
                assertTrue(first.startsWith("CONNECT ") && first.contains("\"name\":\"" + a.serverId() + "\""),
                        "a dials c's advertised address: " + first);
            }
        }
    }

    @Test
    void aRouteToItselfIsDroppedOnceAndTheRealRoutesWork() throws Exception {
        // the route to itself is a debug line, as in nats-server
        RouteHandshakeTest.Lines log = new RouteHandshakeTest.Lines(true);
        try (ClusterNodes nodes = new ClusterNodes("self")) {
            NatsServer a = nodes.nats4j(-1);
            int selfPort = ClusterNodes.freePort();
            ServerOptions bo = nodes.options(selfPort, ClusterNodes.routeUrl(selfPort),
                    ClusterNodes.routeUrl(a.cluster().port()));
            NatsServer b = nodes.nats4j(bo, log);
            ClusterNodes.waitForRoutes(a, 1);
            ClusterNodes.waitFor(() -> log.lines.stream().anyMatch(l -> l.contains("Detected route to self")),
                    "the route to itself to be detected");
            // explicit routes are redialed every second: the one to itself must not be
            Thread.sleep(2500);
            // both ends of the one connection to itself see it (the dialed and the accepted side); dialed once
            String dialed = "Detected route to self, ignoring \"127.0.0.1:" + selfPort + "\"";
            assertEquals(1, log.lines.stream().filter(l -> l.endsWith(dialed)).count(), log.lines.toString());
            assertEquals(1, b.cluster().routes().size());
            assertEquals(1, a.cluster().routes().size());

            try (Connection ca = Nats.connect("nats://127.0.0.1:" + a.port());
                 Connection cb = Nats.connect("nats://127.0.0.1:" + b.port())) {
                Subscription sub = cb.subscribe("self.test");
                cb.flush(Duration.ofSeconds(2));
                ClusterNodes.waitFor(() -> a.globalAccount().match("self.test").psubs.length > 0,
                        "b's interest at a");
                ca.publish("self.test", "x".getBytes(StandardCharsets.UTF_8));
                Message m = sub.nextMessage(Duration.ofSeconds(5));
                assertEquals("x", new String(m.getData(), StandardCharsets.UTF_8));
                assertEquals(null, sub.nextMessage(Duration.ofMillis(300)), "delivered once");
            }
        }
    }

    private static String readLine(InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (int ch; (ch = in.read()) != '\n'; ) {
            if (ch < 0) {
                throw new java.io.IOException("closed after " + sb);
            }
            sb.append((char) ch);
        }
        return sb.toString().trim();
    }
}
