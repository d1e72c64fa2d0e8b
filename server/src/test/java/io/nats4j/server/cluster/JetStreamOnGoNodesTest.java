package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.GoTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * JetStream hosted on the Go nodes of a mixed cluster, used through a nats4j node: two nats-server 2.9 nodes run a
 * clustered JetStream (their meta group), a nats4j node without JetStream routes to both, and a jnats client
 * connected to the nats4j node creates a stream, publishes with acknowledgements and consumes with a pull and a
 * push consumer. Everything it does crosses the routes ({@code $JS.API}, acks, deliveries); nats4j says in its log
 * that it does not join the meta group.
 */
class JetStreamOnGoNodesTest {

    private final ClusterNodes nodes = new ClusterNodes("jsmixed");
    private final RouteHandshakeTest.Lines log = new RouteHandshakeTest.Lines();

    @AfterEach
    void stop() {
        nodes.close();
    }

    private GoTestServer goWithJetStream(String name, Path storeDir, int routePort, String... routes) throws Exception {
        String top = "server_name: " + name + "\njetstream { store_dir: \"" + storeDir.toString().replace('\\', '/')
                + "\" }\n";
        return nodes.goWith(top, routePort, "", routes);
    }

    @Test
    void aClientOfTheNats4jNodeUsesTheGoNodesJetStream() throws Exception {
        int routeA = freePort();
        int routeB = freePort();
        int routeJ = freePort();
        Path dirA = Files.createTempDirectory("js-go-a");
        Path dirB = Files.createTempDirectory("js-go-b");
        ServerOptions o = nodes.options(routeJ, routeUrl(routeA), routeUrl(routeB));
        o.serverName = "j1";
        NatsServer j = nodes.nats4j(o, log);
        goWithJetStream("go-a", dirA, routeA, routeUrl(routeB), routeUrl(routeJ));
        goWithJetStream("go-b", dirB, routeB, routeUrl(routeA), routeUrl(routeJ));
        waitForRoutes(j, 2);
        waitFor(() -> log.has("INF", "runs JetStream: this server does not join the JetStream meta group (nats4j has "
                + "no clustered JetStream); JetStream requests and deliveries are routed to the servers that run it"),
                "nats4j's notice about the meta group");

        try (Connection nc = MixedClusterTest.connect("nats://127.0.0.1:" + j.port())) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            // the Go nodes elect a meta leader first; until then the API answers with an error or not at all
            StreamConfiguration sc = StreamConfiguration.builder().name("ORDERS").subjects("orders.>")
                    .storageType(StorageType.File).replicas(2).build();
            StreamInfo created = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Exception last = null;
            while (created == null && System.nanoTime() < deadline) {
                try {
                    created = jsm.addStream(sc);
                } catch (Exception e) {
                    last = e;
                    Thread.sleep(250);
                }
            }
            assertNotNull(created, "stream not created through the nats4j node: " + last);
            assertEquals("ORDERS", created.getConfiguration().getName());

            JetStream js = nc.jetStream();
            for (int i = 1; i <= 5; i++) {
                PublishAck ack = js.publish("orders." + i, ("order " + i).getBytes(StandardCharsets.UTF_8));
                assertEquals("ORDERS", ack.getStream());
                assertEquals(i, ack.getSeqno());
            }
            assertEquals(5, jsm.getStreamInfo("ORDERS").getStreamState().getMsgCount());

            // pull: CONSUMER.MSG.NEXT requests routed to the stream's leader, the messages routed back
            JetStreamSubscription pull = js.subscribe("orders.>", PullSubscribeOptions.builder().durable("puller").build());
            List<String> pulled = new ArrayList<>();
            long pullDeadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (pulled.size() < 5 && System.nanoTime() < pullDeadline) {
                for (Message m : pull.fetch(5 - pulled.size(), Duration.ofSeconds(2))) {
                    pulled.add(new String(m.getData(), StandardCharsets.UTF_8));
                    m.ack();
                }
            }
            assertEquals(List.of("order 1", "order 2", "order 3", "order 4", "order 5"), pulled);

            // push: the Go node publishes to the deliver subject, which only the nats4j node's client subscribed to
            JetStreamSubscription push = js.subscribe("orders.>", PushSubscribeOptions.builder()
                    .configuration(ConsumerConfiguration.builder().durable("pusher").build()).build());
            List<String> pushed = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Message m = push.nextMessage(Duration.ofSeconds(10));
                assertNotNull(m, "push delivery " + (i + 1) + " did not arrive");
                pushed.add(new String(m.getData(), StandardCharsets.UTF_8));
                m.ack();
            }
            assertEquals(List.of("order 1", "order 2", "order 3", "order 4", "order 5"), pushed);

            // acks crossed the routes: the pull consumer has nothing pending, and a new message reaches both
            waitFor(() -> {
                try {
                    return jsm.getConsumerInfo("ORDERS", "puller").getNumAckPending() == 0;
                } catch (Exception e) {
                    return false;
                }
            }, "the pull consumer's acks");
            js.publish("orders.6", "order 6".getBytes(StandardCharsets.UTF_8));
            Message m6 = push.nextMessage(Duration.ofSeconds(10));
            assertNotNull(m6);
            assertEquals("order 6", new String(m6.getData(), StandardCharsets.UTF_8));
            assertTrue(jsm.getStreamInfo("ORDERS").getClusterInfo() != null, "a clustered stream");
        }
    }
}
