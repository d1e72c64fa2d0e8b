package io.nats4j.server.jetstream.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.testsupport.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers through the real JetStream (streams made with jnats): pull, push (sync, dispatcher, queue), the
 * ordered consumer, deliver policies, retention, restart. Runs against nats-server -js with
 * -Dnats.test.server=nats-server.
 */
class JetStreamConsumerTest {

    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;
    private JetStream js;
    private JetStreamManagement jsm;

    @BeforeEach
    void start() throws Exception {
        server = JsServers.start(dir);
        connect();
    }

    private void connect() throws Exception {
        nc = Nats.connect(server.url());
        js = nc.jetStream();
        jsm = nc.jetStreamManagement();
    }

    @AfterEach
    void stop() throws Exception {
        if (nc != null) {
            nc.close();
        }
        server.close();
    }

    private void stream(String name, RetentionPolicy rp, StorageType st, String... subjects) throws Exception {
        jsm.addStream(StreamConfiguration.builder().name(name).subjects(subjects).retentionPolicy(rp)
                .storageType(st).build());
    }

    private void publish(String subject, int n) throws Exception {
        for (int i = 1; i <= n; i++) {
            js.publish(subject, ("m" + i).getBytes());
        }
    }

    @Test
    void pullFetchAndCounters() throws Exception {
        stream("S", RetentionPolicy.Limits, StorageType.File, "foo.>");
        publish("foo.a", 10);
        JetStreamSubscription sub = js.subscribe("foo.>", PullSubscribeOptions.builder().durable("d").build());
        List<Message> got = sub.fetch(4, Duration.ofSeconds(2));
        assertEquals(4, got.size());
        assertEquals(6, got.get(3).metaData().pendingCount());
        got.forEach(Message::ack);
        nc.flush(Duration.ofSeconds(1));
        ConsumerInfo ci = jsm.getConsumerInfo("S", "d");
        assertEquals(4, ci.getDelivered().getStreamSequence());
        assertEquals(4, ci.getAckFloor().getStreamSequence());
        assertEquals(6, ci.getNumPending());
        assertEquals(0, ci.getNumAckPending());
        List<Message> rest = new ArrayList<>();
        java.util.Iterator<Message> it = sub.iterate(10, Duration.ofSeconds(2));
        while (it.hasNext()) {
            Message m = it.next();
            rest.add(m);
            m.ack();
        }
        assertEquals(6, rest.size());
        assertEquals(10, rest.get(5).metaData().streamSequence());
    }

    @Test
    void pushSyncDispatcherAndQueue() throws Exception {
        stream("P", RetentionPolicy.Limits, StorageType.Memory, "p.>");
        publish("p.x", 5);
        JetStreamSubscription sync = js.subscribe("p.>", PushSubscribeOptions.builder().durable("ps").build());
        for (int i = 1; i <= 5; i++) {
            Message m = sync.nextMessage(Duration.ofSeconds(2));
            assertNotNull(m, "message " + i);
            assertEquals("m" + i, new String(m.getData()));
            m.ack();
        }
        Dispatcher d = nc.createDispatcher();
        CountDownLatch five = new CountDownLatch(5);
        js.subscribe("p.>", d, msg -> {
            msg.ack();
            five.countDown();
        }, false, PushSubscribeOptions.builder().durable("pd").build());
        assertTrue(five.await(3, TimeUnit.SECONDS));

        List<String> q1 = Collections.synchronizedList(new ArrayList<>());
        List<String> q2 = Collections.synchronizedList(new ArrayList<>());
        JetStreamSubscription a = js.subscribe("p.>", "grp", PushSubscribeOptions.builder().durable("pq").build());
        JetStreamSubscription b = js.subscribe("p.>", "grp", PushSubscribeOptions.builder().durable("pq").build());
        publish("p.y", 20);
        for (int i = 0; i < 40; i++) {
            Message m = a.nextMessage(Duration.ofMillis(50));
            if (m != null) {
                q1.add(new String(m.getData()));
                m.ack();
            }
            m = b.nextMessage(Duration.ofMillis(50));
            if (m != null) {
                q2.add(new String(m.getData()));
                m.ack();
            }
        }
        assertEquals(25, q1.size() + q2.size(), q1 + " " + q2);
    }

    @Test
    void orderedConsumer() throws Exception {
        stream("O", RetentionPolicy.Limits, StorageType.Memory, "o.>");
        publish("o.1", 50);
        JetStreamSubscription sub = js.subscribe("o.>", PushSubscribeOptions.builder().ordered(true).build());
        for (int i = 1; i <= 50; i++) {
            Message m = sub.nextMessage(Duration.ofSeconds(2));
            assertNotNull(m, "message " + i);
            assertEquals(i, m.metaData().streamSequence());
        }
        assertNull(sub.nextMessage(Duration.ofMillis(200)));
    }

    @Test
    void deliverPolicies() throws Exception {
        stream("D", RetentionPolicy.Limits, StorageType.Memory, "d.>");
        js.publish("d.a", "a1".getBytes());
        js.publish("d.b", "b1".getBytes());
        js.publish("d.a", "a2".getBytes());
        js.publish("d.b", "b2".getBytes());
        assertEquals(List.of(4L), seqs("last", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.Last)));
        assertEquals(List.of(3L, 4L), seqs("lps", ConsumerConfiguration.builder()
                .deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("d.>")));
        assertEquals(List.of(2L, 3L, 4L), seqs("bss", ConsumerConfiguration.builder()
                .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(2)));
        assertEquals(List.of(2L, 4L), seqs("flt", ConsumerConfiguration.builder().filterSubject("d.b")));
        assertEquals(List.of(), seqs("new", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.New)));
    }

    private List<Long> seqs(String name, ConsumerConfiguration.Builder b) throws Exception {
        jsm.addOrUpdateConsumer("D", b.durable(name).ackPolicy(AckPolicy.None).build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("D", name));
        List<Long> out = new ArrayList<>();
        for (Message m : sub.fetch(10, Duration.ofMillis(500))) {
            out.add(m.metaData().streamSequence());
        }
        sub.unsubscribe();
        return out;
    }

    @Test
    void workQueueRemovesAckedMessages() throws Exception {
        stream("W", RetentionPolicy.WorkQueue, StorageType.File, "w.>");
        publish("w.1", 5);
        JetStreamSubscription sub = js.subscribe("w.>", PullSubscribeOptions.builder().durable("wq").build());
        List<Message> got = sub.fetch(3, Duration.ofSeconds(2));
        assertEquals(3, got.size());
        for (Message m : got) {
            m.ackSync(Duration.ofSeconds(2));
        }
        assertEquals(2, waitForMsgs("W", 2));
    }

    @Test
    void interestRetentionKeepsUntilEveryConsumerAcked() throws Exception {
        stream("I", RetentionPolicy.Interest, StorageType.Memory, "i.>");
        jsm.addOrUpdateConsumer("I", ConsumerConfiguration.builder().durable("c1").ackPolicy(AckPolicy.Explicit).build());
        jsm.addOrUpdateConsumer("I", ConsumerConfiguration.builder().durable("c2").ackPolicy(AckPolicy.Explicit).build());
        publish("i.1", 3);
        JetStreamSubscription s1 = js.subscribe(null, PullSubscribeOptions.bind("I", "c1"));
        JetStreamSubscription s2 = js.subscribe(null, PullSubscribeOptions.bind("I", "c2"));
        for (Message m : s1.fetch(3, Duration.ofSeconds(2))) {
            m.ackSync(Duration.ofSeconds(2));
        }
        assertEquals(3, waitForMsgs("I", 3));
        List<Message> two = s2.fetch(3, Duration.ofSeconds(2));
        two.get(0).ackSync(Duration.ofSeconds(2));
        assertEquals(2, waitForMsgs("I", 2));
        jsm.deleteConsumer("I", "c2");
        assertEquals(0, waitForMsgs("I", 0));
    }

    private long waitForMsgs(String stream, long want) throws Exception {
        long n = -1;
        for (int i = 0; i < 50; i++) {
            n = jsm.getStreamInfo(stream).getStreamState().getMsgCount();
            if (n == want) {
                return n;
            }
            Thread.sleep(40);
        }
        return n;
    }

    @Test
    void restartKeepsAcksAndConsumers() throws Exception {
        stream("R", RetentionPolicy.Limits, StorageType.File, "r.>");
        publish("r.1", 6);
        JetStreamSubscription sub = js.subscribe("r.>", PullSubscribeOptions.builder().durable("rd").build());
        for (Message m : sub.fetch(3, Duration.ofSeconds(2))) {
            m.ackSync(Duration.ofSeconds(2));
        }
        nc.close();
        if (server instanceof io.nats4j.server.testsupport.EmbeddedTestServer e) {
            e.restart();
        } else {
            server.close();
            server = JsServers.start(dir);
        }
        connect();
        ConsumerInfo ci = jsm.getConsumerInfo("R", "rd");
        assertEquals(3, ci.getAckFloor().getStreamSequence());
        assertEquals(3, ci.getNumPending());
        JetStreamSubscription again = js.subscribe(null, PullSubscribeOptions.bind("R", "rd"));
        List<Message> rest = again.fetch(10, Duration.ofSeconds(1));
        assertEquals(3, rest.size());
        assertEquals(4, rest.get(0).metaData().streamSequence());
        assertFalse(rest.isEmpty());
    }
}
