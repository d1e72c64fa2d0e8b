package io.nats4j.server.jetstream.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.EmbeddedTestServer;
import io.nats4j.server.testsupport.TestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pull consumers driven by jnats: fetch, acks, info counters, redelivery, nak/term/in-progress, max_deliver. */
class PullConsumerTest {

    private EmbeddedTestServer server;
    private MiniStreamHost host;
    private Connection nc;
    private JetStream js;
    private JetStreamManagement jsm;

    @BeforeEach
    void start() throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        server = new EmbeddedTestServer(o);
        server.start();
        host = new MiniStreamHost(server.server(), "S", List.of("foo.>"), StreamHandle.Retention.LIMITS);
        nc = Nats.connect(server.url());
        js = nc.jetStream();
        jsm = nc.jetStreamManagement();
    }

    @AfterEach
    void stop() throws Exception {
        if (nc != null) {
            nc.close();
        }
        host.close();
        server.close();
    }

    private void publish(int n) throws Exception {
        for (int i = 1; i <= n; i++) {
            nc.publish("foo." + (i % 3), ("m" + i).getBytes());
        }
        nc.flush(Duration.ofSeconds(2));
        host.drain();
    }

    @Test
    void fetchAckAndExactCounters() throws Exception {
        publish(10);
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("d").ackPolicy(AckPolicy.Explicit).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "d"));
        List<Message> got = sub.fetch(4, Duration.ofSeconds(2));
        assertEquals(4, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals("m" + (i + 1), new String(got.get(i).getData()));
            assertEquals(i + 1, got.get(i).metaData().streamSequence());
            assertEquals(i + 1, got.get(i).metaData().consumerSequence());
            assertEquals(10 - i - 1, got.get(i).metaData().pendingCount());
        }
        got.get(0).ackSync(Duration.ofSeconds(2));
        got.get(2).ackSync(Duration.ofSeconds(2));
        ConsumerInfo ci = jsm.getConsumerInfo("S", "d");
        assertEquals(4, ci.getDelivered().getConsumerSequence());
        assertEquals(4, ci.getDelivered().getStreamSequence());
        assertEquals(1, ci.getAckFloor().getStreamSequence());
        assertEquals(2, ci.getNumAckPending());
        assertEquals(6, ci.getNumPending());
        got.get(1).ackSync(Duration.ofSeconds(2));
        got.get(3).ackSync(Duration.ofSeconds(2));
        ci = jsm.getConsumerInfo("S", "d");
        assertEquals(4, ci.getAckFloor().getStreamSequence());
        assertEquals(4, ci.getAckFloor().getConsumerSequence());
        assertEquals(0, ci.getNumAckPending());
        List<Message> rest = sub.fetch(100, Duration.ofMillis(500));
        assertEquals(6, rest.size());
        assertEquals(0, jsm.getConsumerInfo("S", "d").getNumPending());
    }

    @Test
    void redeliveryAfterAckWaitThenMaxDeliver() throws Exception {
        publish(1);
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("r").ackPolicy(AckPolicy.Explicit)
                .ackWait(Duration.ofMillis(300)).maxDeliver(2).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "r"));
        Message m1 = sub.fetch(1, Duration.ofSeconds(2)).get(0);
        assertEquals(1, m1.metaData().deliveredCount());
        Thread.sleep(500);
        List<Message> again = sub.fetch(1, Duration.ofSeconds(2));
        assertEquals(1, again.size());
        assertEquals(2, again.get(0).metaData().deliveredCount());
        assertEquals(1, again.get(0).metaData().streamSequence());
        assertEquals(2, again.get(0).metaData().consumerSequence());
        ConsumerInfo ci = jsm.getConsumerInfo("S", "r");
        assertEquals(1, ci.getRedelivered());
        Thread.sleep(500);
        assertTrue(sub.fetch(1, Duration.ofMillis(700)).isEmpty(), "max_deliver 2 reached");
    }

    @Test
    void nakTermAndInProgress() throws Exception {
        publish(3);
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("n").ackPolicy(AckPolicy.Explicit)
                .ackWait(Duration.ofSeconds(1)).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "n"));
        List<Message> got = sub.fetch(3, Duration.ofSeconds(2));
        assertEquals(3, got.size());
        got.get(0).nak();
        got.get(1).term();
        Message re = sub.fetch(1, Duration.ofSeconds(2)).get(0);
        assertEquals(1, re.metaData().streamSequence());
        assertEquals(2, re.metaData().deliveredCount());
        re.ack();
        for (int i = 0; i < 4; i++) {
            Thread.sleep(400);
            got.get(2).inProgress();
        }
        ConsumerInfo ci = jsm.getConsumerInfo("S", "n");
        assertEquals(1, ci.getNumAckPending(), "message 3 kept alive by +WPI");
        got.get(2).ackSync(Duration.ofSeconds(1));
        ci = jsm.getConsumerInfo("S", "n");
        assertEquals(0, ci.getNumAckPending());
        assertEquals(3, ci.getAckFloor().getStreamSequence());
        assertTrue(sub.fetch(1, Duration.ofMillis(500)).isEmpty());
    }

    @Test
    void nakWithDelay() throws Exception {
        publish(1);
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("nd").ackPolicy(AckPolicy.Explicit).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "nd"));
        Message m = sub.fetch(1, Duration.ofSeconds(2)).get(0);
        m.nakWithDelay(Duration.ofMillis(800));
        assertTrue(sub.fetch(1, Duration.ofMillis(400)).isEmpty());
        Message again = sub.nextMessage(Duration.ofSeconds(3));
        if (again == null) {
            again = sub.fetch(1, Duration.ofSeconds(2)).get(0);
        }
        assertEquals(2, again.metaData().deliveredCount());
    }

    @Test
    void iterateAndNewMessagesWhileWaiting() throws Exception {
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("it").ackPolicy(AckPolicy.Explicit).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("S", "it"));
        sub.pull(5);
        publish(5);
        for (int i = 1; i <= 5; i++) {
            Message m = sub.nextMessage(Duration.ofSeconds(2));
            assertNotNull(m);
            assertEquals(i, m.metaData().streamSequence());
            m.ack();
        }
        assertNull(sub.nextMessage(Duration.ofMillis(200)));
    }
}
