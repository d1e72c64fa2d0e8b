package io.nats4j.server.jetstream.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.Subscription;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.ReplayPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push delivery rules (interest, flow control, heartbeats), ephemeral inactivity, ack all, backoff, headers only,
 * replay original, metadata, the v2 ack subject. Runs against nats-server -js with -Dnats.test.server=nats-server.
 */
class ConsumerFeaturesTest {

    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;
    private JetStream js;
    private JetStreamManagement jsm;

    @BeforeEach
    void start() throws Exception {
        server = JsServers.start(dir);
        nc = Nats.connect(server.url());
        js = nc.jetStream();
        jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
    }

    @AfterEach
    void stop() throws Exception {
        nc.close();
        server.close();
    }

    private void publish(int n) throws Exception {
        for (int i = 1; i <= n; i++) {
            js.publish("s.x", ("m" + i).getBytes());
        }
    }

    @Test
    void pushDeliversOnlyWhileThereIsInterest() throws Exception {
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("p").deliverSubject("dl")
                .ackPolicy(AckPolicy.None).build());
        publish(3);
        Thread.sleep(200);
        ConsumerInfo ci = jsm.getConsumerInfo("S", "p");
        assertEquals(0, ci.getDelivered().getStreamSequence(), "nothing delivered without interest");
        assertEquals(3, ci.getNumPending());
        assertFalse(ci.isPushBound());
        Subscription sub = nc.subscribe("dl");
        for (int i = 1; i <= 3; i++) {
            Message m = sub.nextMessage(Duration.ofSeconds(2));
            assertNotNull(m);
            assertEquals("s.x", m.getSubject());
            assertTrue(m.getReplyTo().startsWith("$JS.ACK.S.p.1." + i + "." + i + "."), m.getReplyTo());
        }
        assertTrue(jsm.getConsumerInfo("S", "p").isPushBound());
        sub.unsubscribe();
        nc.flush(Duration.ofSeconds(1));
        publish(2);
        Thread.sleep(200);
        assertEquals(3, jsm.getConsumerInfo("S", "p").getDelivered().getStreamSequence());
    }

    @Test
    void pushIdleHeartbeatAndFlowControlOnTheWire() throws Exception {
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("hb").deliverSubject("hb.in")
                .ackPolicy(AckPolicy.None).flowControl(Duration.ofMillis(300)).build());
        try (RawClient c = RawClient.open(server)) {
            c.send("CONNECT {\"verbose\":false,\"headers\":true,\"protocol\":1}\r\nSUB hb.in 1\r\nPING\r\n");
            c.expectSkippingPings("PONG\r\n", Duration.ofSeconds(2));
            c.expectMatch(java.util.regex.Pattern.compile("HMSG hb\\.in 1 +75 75\r\nNATS/1\\.0 100 Idle Heartbeat\r\n"
                    + "Nats-Last-Consumer: 0\r\nNats-Last-Stream: 0\r\n\r\n\r\n"), Duration.ofSeconds(2));
        }
        for (int i = 0; i < 50 && jsm.getConsumerInfo("S", "hb").isPushBound(); i++) {
            Thread.sleep(20); // the raw client's subscription goes when the server sees it close
        }
        assertFalse(jsm.getConsumerInfo("S", "hb").isPushBound());
        // 3 MiB through a flow-controlled consumer: jnats answers the flow-control requests
        JetStreamSubscription sub = js.subscribe(null, PushSubscribeOptions.bind("S", "hb"));
        byte[] big = new byte[64 * 1024];
        for (int i = 0; i < 48; i++) {
            js.publish("s.big", big);
        }
        for (int i = 0; i < 48; i++) {
            assertNotNull(sub.nextMessage(Duration.ofSeconds(3)), "message " + i);
        }
    }

    @Test
    void ephemeralGoesAfterInactiveThreshold() throws Exception {
        ConsumerInfo ci = jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().ackPolicy(AckPolicy.Explicit)
                .inactiveThreshold(Duration.ofMillis(300)).build());
        String name = ci.getName();
        assertEquals(Duration.ofMillis(300), ci.getConsumerConfiguration().getInactiveThreshold());
        Thread.sleep(2000);
        JetStreamApiException e = assertThrows(JetStreamApiException.class, () -> jsm.getConsumerInfo("S", name));
        assertEquals(10014, e.getApiErrorCode());
        ConsumerInfo eph = jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().ackPolicy(AckPolicy.Explicit)
                .build());
        assertEquals(Duration.ofSeconds(5), eph.getConsumerConfiguration().getInactiveThreshold(),
                "an ephemeral's default inactive threshold is stamped into its config");
    }

    @Test
    void ackAllAcknowledgesEverythingBelow() throws Exception {
        publish(5);
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("all").ackPolicy(AckPolicy.All).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "all"));
        List<Message> got = sub.fetch(5, Duration.ofSeconds(2));
        assertEquals(5, got.size());
        got.get(3).ackSync(Duration.ofSeconds(2));
        ConsumerInfo ci = jsm.getConsumerInfo("S", "all");
        assertEquals(4, ci.getAckFloor().getStreamSequence());
        assertEquals(1, ci.getNumAckPending());
    }

    @Test
    void backoffSpacesRedeliveries() throws Exception {
        publish(1);
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("bo").ackPolicy(AckPolicy.Explicit)
                .backoff(Duration.ofMillis(200), Duration.ofMillis(1200)).maxDeliver(3).build());
        ConsumerInfo ci = jsm.getConsumerInfo("S", "bo");
        assertEquals(Duration.ofMillis(200), ci.getConsumerConfiguration().getAckWait(), "ack_wait is backoff[0]");
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "bo"));
        sub.pull(3);
        long t0 = System.nanoTime();
        assertNotNull(sub.nextMessage(Duration.ofSeconds(2)));
        Message second = sub.nextMessage(Duration.ofSeconds(2));
        assertNotNull(second);
        long t1 = System.nanoTime();
        assertEquals(2, second.metaData().deliveredCount());
        Message third = sub.nextMessage(Duration.ofSeconds(3));
        assertNotNull(third);
        long t2 = System.nanoTime();
        assertEquals(3, third.metaData().deliveredCount());
        assertTrue(Duration.ofNanos(t1 - t0).toMillis() < 900, "first redelivery after ~200ms");
        assertTrue(Duration.ofNanos(t2 - t1).toMillis() >= 900, "second after ~1200ms");
    }

    @Test
    void headersOnlyMetadataAndReplayOriginal() throws Exception {
        js.publish("s.a", "hello".getBytes());
        Thread.sleep(600);
        js.publish("s.b", "world".getBytes());
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("ho").ackPolicy(AckPolicy.None)
                .headersOnly(true).metadata(Map.of("team", "blue")).replayPolicy(ReplayPolicy.Original).build());
        ConsumerInfo ci = jsm.getConsumerInfo("S", "ho");
        if (!TestServer.isGoServer()) { // metadata is 2.10's; the reference binary here is 2.9.10
            assertEquals("blue", ci.getConsumerConfiguration().getMetadata().get("team"));
        }
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "ho"));
        sub.pull(2);
        Message a = sub.nextMessage(Duration.ofSeconds(2));
        long ta = System.nanoTime();
        assertEquals(0, a.getData().length);
        assertEquals("5", a.getHeaders().getFirst("Nats-Msg-Size"));
        Message b = sub.nextMessage(Duration.ofSeconds(3));
        long tb = System.nanoTime();
        assertNotNull(b);
        assertTrue(Duration.ofNanos(tb - ta).toMillis() >= 400, "replayed at the original pace");
    }

    @Test
    void v2AckSubjectIsAccepted() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(TestServer.isGoServer(), "2.10's form; the reference here is 2.9.10");
        publish(1);
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("v2").ackPolicy(AckPolicy.Explicit).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "v2"));
        Message m = sub.fetch(1, Duration.ofSeconds(2)).get(0);
        String[] t = m.getReplyTo().split("\\.");
        // $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>.<random>
        String v2 = "$JS.ACK._.HASH." + t[2] + "." + t[3] + "." + t[4] + "." + t[5] + "." + t[6] + "." + t[7] + "."
                + t[8] + ".r4nd";
        Message reply = nc.request(v2, "+ACK".getBytes(), Duration.ofSeconds(2));
        assertNotNull(reply);
        assertEquals(0, jsm.getConsumerInfo("S", "v2").getNumAckPending());
        assertNull(sub.nextMessage(Duration.ofMillis(100)));
    }
}
