package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JetStream across accounts ("JetStream cross-account" in the NATS docs): account U imports account JS's
 * {@code $JS.API.>} (as {@code js.>}), its acks ({@code $JS.ACK.>}) and its push delivery subject, and uses JS's
 * streams and consumers through jnats with a {@link JetStreamOptions} prefix. Runs against nats-server -js too.
 */
class JetStreamCrossAccountTest {

    @TempDir
    Path dir;
    private TestServer server;
    private Connection owner;
    private Connection user;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.defaultOptions(), "jetstream { store_dir: \"" + dir + "\" }\n"
                + "accounts {\n"
                + "  JS: { jetstream: enabled, users: [{user: js, password: p}],\n"
                + "        exports: [ {service: \"$JS.API.>\", response: stream}, {service: \"$JS.ACK.>\"}, {stream: \"deliver.u.>\"},\n"
                + "                   {service: \"$JS.FC.>\"} ] }\n"
                + "  U: { users: [{user: u, password: p}],\n"
                + "       imports: [ {service: {account: JS, subject: \"$JS.API.>\"}, to: \"js.>\"},\n"
                + "                  {service: {account: JS, subject: \"$JS.ACK.>\"}},\n"
                + "                  {service: {account: JS, subject: \"$JS.FC.>\"}},\n"
                + "                  {stream: {account: JS, subject: \"deliver.u.>\"}} ] }\n"
                + "}\n");
        owner = connect("js");
        user = connect("u");
    }

    private Connection connect(String name) throws Exception {
        return Nats.connect(new Options.Builder().server(server.url()).userInfo(name, "p")
                .connectionTimeout(Duration.ofSeconds(10)).build());
    }

    @AfterEach
    void stop() throws Exception {
        owner.close();
        user.close();
        server.close();
    }

    private JetStreamOptions prefixed() {
        return JetStreamOptions.builder().prefix("js").requestTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void managementAndPublishThroughTheImportedApi() throws Exception {
        JetStreamManagement jsm = user.jetStreamManagement(prefixed());
        jsm.addStream(StreamConfiguration.builder().name("ORDERS").subjects("orders.>")
                .storageType(StorageType.File).build());
        assertEquals(List.of("ORDERS"), owner.jetStreamManagement().getStreamNames());
        // the stream's subjects are in JS: U's messages reach them only when JS publishes them
        JetStream ownerJs = owner.jetStream();
        for (int i = 1; i <= 5; i++) {
            ownerJs.publish("orders." + i, ("o" + i).getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(5, jsm.getStreamInfo("ORDERS").getStreamState().getMsgCount());
        assertEquals("o3", new String(jsm.getMessage("ORDERS", 3).getData(), StandardCharsets.UTF_8));
    }

    @Test
    void pullConsumerFetchAndAckThroughTheImport() throws Exception {
        JetStreamManagement ownerJsm = owner.jetStreamManagement();
        ownerJsm.addStream(StreamConfiguration.builder().name("ORDERS").subjects("orders.>")
                .storageType(StorageType.File).build());
        JetStream ownerJs = owner.jetStream();
        for (int i = 1; i <= 10; i++) {
            PublishAck a = ownerJs.publish("orders." + i, ("o" + i).getBytes(StandardCharsets.UTF_8));
            assertEquals(i, a.getSeqno());
        }
        ownerJsm.addOrUpdateConsumer("ORDERS", ConsumerConfiguration.builder().durable("PULL")
                .ackPolicy(AckPolicy.Explicit).build());

        JetStream js = user.jetStream(prefixed());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("ORDERS", "PULL"));
        List<Message> got = sub.fetch(4, Duration.ofSeconds(5));
        assertEquals(4, got.size());
        assertEquals("orders.1", got.get(0).getSubject());
        assertEquals("o1", new String(got.get(0).getData(), StandardCharsets.UTF_8));
        assertEquals(1, got.get(0).metaData().streamSequence());
        for (Message m : got) {
            m.ackSync(Duration.ofSeconds(5));
        }
        ConsumerInfo ci = user.jetStreamManagement(prefixed()).getConsumerInfo("ORDERS", "PULL");
        assertEquals(4, ci.getAckFloor().getStreamSequence());
        assertEquals(6, ci.getNumPending());
        got = sub.fetch(10, Duration.ofSeconds(2));
        assertEquals(6, got.size());
        got.forEach(Message::ack);
        user.flush(Duration.ofSeconds(2));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline
                && ownerJsm.getConsumerInfo("ORDERS", "PULL").getAckFloor().getStreamSequence() < 10) {
            Thread.sleep(20);
        }
        assertEquals(10, ownerJsm.getConsumerInfo("ORDERS", "PULL").getAckFloor().getStreamSequence());
    }

    @Test
    void pushConsumerDeliversThroughTheStreamImport() throws Exception {
        JetStreamManagement ownerJsm = owner.jetStreamManagement();
        ownerJsm.addStream(StreamConfiguration.builder().name("EV").subjects("ev.>")
                .storageType(StorageType.Memory).build());
        ownerJsm.addOrUpdateConsumer("EV", ConsumerConfiguration.builder().durable("PUSH")
                .deliverSubject("deliver.u.ev").ackPolicy(AckPolicy.Explicit).build());
        // a core subscription on the imported deliver subject (jnats' bind would first check push_bound, which
        // nats4j reports true as soon as the stream import exists: docs/DIFFERENCES.md)
        io.nats.client.Subscription sub = user.subscribe("deliver.u.ev");
        user.flush(Duration.ofSeconds(2));
        JetStream ownerJs = owner.jetStream();
        for (int i = 1; i <= 3; i++) {
            ownerJs.publish("ev." + i, ("e" + i).getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 1; i <= 3; i++) {
            Message m = sub.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "push delivery " + i);
            assertEquals("ev." + i, m.getSubject());
            assertEquals("e" + i, new String(m.getData(), StandardCharsets.UTF_8));
            assertNotNull(m.getReplyTo(), "the ack subject");
            assertEquals(0, user.request(m.getReplyTo(), null, Duration.ofSeconds(5)).getData().length); // ack, double
        }
        assertEquals(3, ownerJsm.getConsumerInfo("EV", "PUSH").getAckFloor().getStreamSequence());
    }
}
