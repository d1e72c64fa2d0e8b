package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The advisories and metrics on {@code $JS.EVENT.>} as nats-server sends them, seen by a jnats subscriber: API
 * audit, stream and consumer actions, naks, terms, max deliveries and sampled acks, with their exact types,
 * subjects and fields. Runs against nats-server -js too (-Dnats.test.server=nats-server); what only 2.10 has is
 * checked on nats4j only.
 */
class JetStreamAdvisoriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;
    private Connection watcher;
    private JetStreamManagement jsm;
    private JetStream js;
    private final LinkedBlockingQueue<Message> events = new LinkedBlockingQueue<>();

    private void start(String extra) throws Exception {
        server = TestServer.start(TestServer.defaultOptions(),
                "jetstream { store_dir: \"" + dir.toAbsolutePath() + "\"" + extra + " }");
        watcher = Nats.connect(server.url());
        Dispatcher d = watcher.createDispatcher(events::add);
        d.subscribe("$JS.EVENT.>");
        watcher.flush(Duration.ofSeconds(2));
        nc = Nats.connect(server.url());
        jsm = nc.jetStreamManagement();
        js = nc.jetStream();
    }

    @AfterEach
    void stop() throws Exception {
        if (nc != null) {
            nc.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The next event on {@code subject} (others before it are kept for later calls). */
    private JsonNode next(String subject) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<Message> skipped = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                Message m = events.poll(50, TimeUnit.MILLISECONDS);
                if (m == null) {
                    continue;
                }
                if (m.getSubject().equals(subject)) {
                    return JSON.readTree(m.getData());
                }
                skipped.add(m);
            }
        } finally {
            List<Message> rest = new ArrayList<>(skipped);
            events.drainTo(rest);
            events.addAll(rest);
        }
        throw new AssertionError("no event on " + subject + "; got " + subjects(skipped));
    }

    private static List<String> subjects(List<Message> l) {
        List<String> s = new ArrayList<>();
        for (Message m : l) {
            s.add(m.getSubject());
        }
        return s;
    }

    /** No event on {@code subject} within {@code ms}. */
    private void none(String subject, long ms) throws Exception {
        Thread.sleep(ms);
        for (Message m : events) {
            assertFalse(m.getSubject().equals(subject), "unexpected event on " + subject);
        }
    }

    private static List<String> fields(JsonNode n) {
        List<String> l = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            l.add(it.next());
        }
        return l;
    }

    private static void assertTyped(JsonNode e, String type) {
        assertEquals(type, e.get("type").asText(), e.toString());
        assertEquals(22, e.get("id").asText().length(), "a NUID: " + e);
        assertTrue(e.get("timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), e.toString());
    }

    @Test
    void streamAndConsumerActions() throws Exception {
        start("");
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
        JsonNode created = next("$JS.EVENT.ADVISORY.STREAM.CREATED.S");
        assertTyped(created, "io.nats.jetstream.advisory.v1.stream_action");
        assertEquals(List.of("type", "id", "timestamp", "stream", "action"), fields(created));
        assertEquals("S", created.get("stream").asText());
        assertEquals("create", created.get("action").asText());

        jsm.updateStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory)
                .maxMessages(10).build());
        JsonNode updated = next("$JS.EVENT.ADVISORY.STREAM.UPDATED.S");
        assertEquals("modify", updated.get("action").asText());
        assertEquals(List.of("type", "id", "timestamp", "stream", "action"), fields(updated));

        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("C").build());
        JsonNode cc = next("$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.C");
        assertTyped(cc, "io.nats.jetstream.advisory.v1.consumer_action");
        assertEquals(List.of("type", "id", "timestamp", "stream", "consumer", "action"), fields(cc));
        assertEquals("C", cc.get("consumer").asText());
        assertEquals("create", cc.get("action").asText());

        // an update of the consumer is no create
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("C").description("d").build());
        none("$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.C", 300);

        jsm.deleteConsumer("S", "C");
        JsonNode cd = next("$JS.EVENT.ADVISORY.CONSUMER.DELETED.S.C");
        assertEquals("delete", cd.get("action").asText());

        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("D").build());
        next("$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.D");
        jsm.deleteStream("S");
        assertEquals("delete", next("$JS.EVENT.ADVISORY.CONSUMER.DELETED.S.D").get("action").asText());
        JsonNode sd = next("$JS.EVENT.ADVISORY.STREAM.DELETED.S");
        assertEquals("delete", sd.get("action").asText());
        assertEquals("S", sd.get("stream").asText());
    }

    @Test
    void apiAuditCarriesRequestAndResponse() throws Exception {
        start("");
        jsm.addStream(StreamConfiguration.builder().name("A").subjects("a.>").storageType(StorageType.Memory).build());
        next("$JS.EVENT.ADVISORY.API"); // the create's
        String req = "{\"subjects_filter\":\"a.>\"}";
        Message resp = nc.request("$JS.API.STREAM.INFO.A", req.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        JsonNode audit = next("$JS.EVENT.ADVISORY.API");
        assertTyped(audit, "io.nats.jetstream.advisory.v1.api_audit");
        assertEquals(List.of("type", "id", "timestamp", "server", "client", "subject", "request", "response"),
                fields(audit));
        String serverName = nc.getServerInfo().getServerName();
        assertEquals(serverName, audit.get("server").asText());
        assertEquals("$JS.API.STREAM.INFO.A", audit.get("subject").asText());
        assertEquals(req, audit.get("request").asText());
        assertEquals(new String(resp.getData(), StandardCharsets.UTF_8), audit.get("response").asText());
        JsonNode client = audit.get("client");
        assertEquals("$G", client.get("acc").asText());
        assertEquals(serverName, client.get("server").asText());
        if (!TestServer.isGoServer()) {
            // nats-server 2.10's JetStream API import shares the requester's details (2.9.10, the reference binary
            // here, reports only acc, rtt and server)
            assertEquals("java", client.get("lang").asText(), client.toString());
            assertEquals("Client", client.get("kind").asText());
            assertEquals("nats", client.get("client_type").asText());
            assertTrue(client.get("id").asLong() > 0);
            assertNotNull(client.get("start"));
            assertEquals("127.0.0.1", client.get("host").asText());
            assertNull(client.get("jwt"));
        }

        // an error is audited too, and a request without a body has no "request" field
        Message err = nc.request("$JS.API.STREAM.INFO.NOPE", null, Duration.ofSeconds(5));
        JsonNode audit2 = next("$JS.EVENT.ADVISORY.API");
        assertNull(audit2.get("request"), audit2.toString());
        assertEquals(new String(err.getData(), StandardCharsets.UTF_8), audit2.get("response").asText());
        assertEquals(10059, JSON.readTree(audit2.get("response").asText()).at("/error/err_code").asInt());
    }

    private JetStreamSubscription pull(String durable, ConsumerConfiguration.Builder b) throws Exception {
        jsm.addOrUpdateConsumer("S", b.durable(durable).ackPolicy(AckPolicy.Explicit).build());
        return js.subscribe(null, PullSubscribeOptions.bind("S", durable));
    }

    private Message fetchOne(JetStreamSubscription sub) {
        List<Message> l = sub.fetch(1, Duration.ofSeconds(3));
        assertEquals(1, l.size());
        return l.get(0);
    }

    @Test
    void nakTermAndMaxDeliveries() throws Exception {
        start("");
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
        js.publish("s.1", "one".getBytes());
        js.publish("s.2", "two".getBytes());
        JetStreamSubscription sub = pull("N", ConsumerConfiguration.builder().filterSubject("s.1").maxDeliver(3)
                .ackWait(Duration.ofSeconds(30)));
        fetchOne(sub).nak();
        JsonNode nak = next("$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.N");
        assertTyped(nak, "io.nats.jetstream.advisory.v1.nak");
        assertEquals(List.of("type", "id", "timestamp", "stream", "consumer", "consumer_seq", "stream_seq", "deliveries"),
                fields(nak));
        assertEquals("S", nak.get("stream").asText());
        assertEquals("N", nak.get("consumer").asText());
        assertEquals(1, nak.get("consumer_seq").asLong());
        assertEquals(1, nak.get("stream_seq").asLong());
        assertEquals(1, nak.get("deliveries").asLong());

        Message again = fetchOne(sub);
        assertEquals(2, again.metaData().deliveredCount());
        again.term();
        JsonNode term = next("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.N");
        assertTyped(term, "io.nats.jetstream.advisory.v1.terminated");
        assertEquals(2, term.get("consumer_seq").asLong());
        assertEquals(1, term.get("stream_seq").asLong());
        assertEquals(2, term.get("deliveries").asLong());
        assertNull(term.get("reason"), "a +TERM without a reason: " + term);

        // max_deliver 2: the second delivery without an ack is the last; the advisory comes once its ack wait
        // passed (2.10: at that expiry; 2.9: when the next pull finds it)
        JetStreamSubscription sub2 = pull("M", ConsumerConfiguration.builder().filterSubject("s.2").maxDeliver(2)
                .ackWait(Duration.ofMillis(400)));
        fetchOne(sub2);
        Message second = fetchOne(sub2);
        assertEquals(2, second.metaData().deliveredCount());
        assertEquals(0, sub2.fetch(1, Duration.ofMillis(800)).size(), "no third delivery");
        JsonNode max = next("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.M");
        assertTyped(max, "io.nats.jetstream.advisory.v1.max_deliver");
        assertEquals(List.of("type", "id", "timestamp", "stream", "consumer", "stream_seq", "deliveries"), fields(max));
        assertEquals(2, max.get("stream_seq").asLong());
        assertEquals(2, max.get("deliveries").asLong());
    }

    @Test
    void termWithReasonIs210s() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(TestServer.isGoServer(), "the reason is 2.10's; the reference here is 2.9.10");
        start("");
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
        js.publish("s.1", "one".getBytes());
        JetStreamSubscription sub = pull("T", ConsumerConfiguration.builder());
        Message m = fetchOne(sub);
        nc.publish(m.getReplyTo(), "+TERM bad payload".getBytes(StandardCharsets.UTF_8));
        JsonNode term = next("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.T");
        assertEquals(List.of("type", "id", "timestamp", "stream", "consumer", "consumer_seq", "stream_seq", "deliveries",
                "reason"), fields(term));
        assertEquals("bad payload", term.get("reason").asText());
    }

    @Test
    void ackSamplingMetric() throws Exception {
        start("");
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
        js.publish("s.1", "one".getBytes());
        js.publish("s.1", "two".getBytes());
        JetStreamSubscription sub = pull("K", ConsumerConfiguration.builder().sampleFrequency("100%"));
        Message m = fetchOne(sub);
        Thread.sleep(20);
        m.ackSync(Duration.ofSeconds(3));
        JsonNode metric = next("$JS.EVENT.METRIC.CONSUMER.ACK.S.K");
        assertTyped(metric, "io.nats.jetstream.metric.v1.consumer_ack");
        assertEquals(List.of("type", "id", "timestamp", "stream", "consumer", "consumer_seq", "stream_seq", "ack_time",
                "deliveries"), fields(metric));
        assertEquals(1, metric.get("consumer_seq").asLong());
        assertEquals(1, metric.get("stream_seq").asLong());
        assertEquals(1, metric.get("deliveries").asLong());
        long ackTime = metric.get("ack_time").asLong();
        assertTrue(ackTime >= 20_000_000L && ackTime < 10_000_000_000L, "ns from delivery to ack: " + ackTime);

        // without sample_freq nothing is sent
        JetStreamSubscription quiet = pull("Q", ConsumerConfiguration.builder());
        fetchOne(quiet).ackSync(Duration.ofSeconds(3));
        none("$JS.EVENT.METRIC.CONSUMER.ACK.S.Q", 300);
    }

    @Test
    void domainIsAddedWhenSet() throws Exception {
        start(", domain: \"hub\"");
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
        JsonNode created = next("$JS.EVENT.ADVISORY.STREAM.CREATED.S");
        assertEquals(List.of("type", "id", "timestamp", "stream", "action", "domain"), fields(created));
        assertEquals("hub", created.get("domain").asText());
        JsonNode audit = next("$JS.EVENT.ADVISORY.API");
        assertEquals("hub", audit.get("domain").asText());
        assertNotNull(audit.get("response"));
    }
}
