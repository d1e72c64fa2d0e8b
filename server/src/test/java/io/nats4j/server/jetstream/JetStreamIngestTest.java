package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing into streams: PubAcks, refusals and their error JSON (nats4j and nats-server -js). */
class JetStreamIngestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    TestServer server;
    Connection nc;
    JetStreamManagement jsm;
    JetStream js;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.defaultOptions(), "jetstream { store_dir: \"" + dir + "\" }");
        nc = Nats.connect(server.url());
        jsm = nc.jetStreamManagement();
        js = nc.jetStream();
    }

    @AfterEach
    void stop() throws Exception {
        nc.close();
        server.close();
    }

    private JsonNode request(String subject, Headers h, String body) throws Exception {
        Message m = nc.request(NatsMessage.builder().subject(subject).headers(h)
                .data(body.getBytes(StandardCharsets.UTF_8)).build(), Duration.ofSeconds(5));
        return JSON.readTree(m.getData());
    }

    @Test
    void pubAckJsonAndRefusals() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("P").subjects("p.>").storageType(StorageType.File)
                .maximumMessageSize(100).build());
        JsonNode ack = request("p.1", null, "x");
        assertEquals("P", ack.get("stream").asText());
        assertEquals(1, ack.get("seq").asLong());
        assertNull(ack.get("duplicate"));
        JsonNode big = request("p.1", null, "x".repeat(101));
        assertEquals(10054, big.at("/error/err_code").asInt(), big.toString());
        assertEquals(400, big.at("/error/code").asInt());
        assertEquals("P", big.get("stream").asText());
        assertEquals(0, big.get("seq").asLong());
        JsonNode wrong = request("p.1", new Headers().add("Nats-Expected-Stream", "Q"), "x");
        assertEquals(10060, wrong.at("/error/err_code").asInt());
        JsonNode subj = request("p.2", new Headers().add("Nats-Expected-Last-Subject-Sequence", "0"), "x");
        assertEquals(2, subj.get("seq").asLong(), subj.toString());
        JsonNode subj2 = request("p.2", new Headers().add("Nats-Expected-Last-Subject-Sequence", "1"), "x");
        assertEquals("wrong last sequence: 2", subj2.at("/error/description").asText());
        request("p.3", new Headers().add("Nats-Msg-Id", "m1"), "x");
        JsonNode lastId = request("p.3", new Headers().add("Nats-Expected-Last-Msg-Id", "zz"), "x");
        assertEquals(10070, lastId.at("/error/err_code").asInt());
        assertEquals("wrong last msg ID: m1", lastId.at("/error/description").asText());
        JsonNode rollup = request("p.3", new Headers().add("Nats-Rollup", "sub"), "x");
        assertEquals(10111, rollup.at("/error/err_code").asInt(), rollup.toString());
        assertEquals("rollup not permitted", rollup.at("/error/description").asText());
    }

    @Test
    void discardNewLimits() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("L").subjects("l").storageType(StorageType.Memory)
                .maxMessages(2).discardPolicy(DiscardPolicy.New).build());
        js.publish("l", new byte[1]);
        js.publish("l", new byte[1]);
        JetStreamApiException e = assertThrows(JetStreamApiException.class, () -> js.publish("l", new byte[1]));
        assertEquals(10077, e.getApiErrorCode());
        assertEquals(503, e.getErrorCode());
        assertEquals("maximum messages exceeded", e.getErrorDescription());
    }

    @Test
    void rollupSealedDenyAndNoAck() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("R").subjects("r.*").storageType(StorageType.Memory)
                .allowRollup(true).build());
        for (int i = 0; i < 5; i++) {
            js.publish("r.a", new byte[1]);
            js.publish("r.b", new byte[1]);
        }
        js.publish(NatsMessage.builder().subject("r.a").headers(new Headers().add("Nats-Rollup", "sub")).data(new byte[1]).build());
        assertEquals(6, jsm.getStreamInfo("R").getStreamState().getMsgCount());
        js.publish(NatsMessage.builder().subject("r.b").headers(new Headers().add("Nats-Rollup", "all")).data(new byte[1]).build());
        assertEquals(1, jsm.getStreamInfo("R").getStreamState().getMsgCount());
        assertEquals(12, jsm.getStreamInfo("R").getStreamState().getLastSequence());

        jsm.addStream(StreamConfiguration.builder().name("D").subjects("d").storageType(StorageType.Memory)
                .denyDelete(true).denyPurge(true).build());
        js.publish("d", new byte[1]);
        JetStreamApiException del = assertThrows(JetStreamApiException.class, () -> jsm.deleteMessage("D", 1));
        assertEquals(10057, del.getApiErrorCode());
        assertEquals("message delete not permitted", del.getErrorDescription());
        JetStreamApiException purge = assertThrows(JetStreamApiException.class, () -> jsm.purgeStream("D"));
        assertEquals(10110, purge.getApiErrorCode());
        assertEquals("stream purge not permitted", purge.getErrorDescription());

        StreamConfiguration sealed = StreamConfiguration.builder(jsm.getStreamInfo("D").getConfiguration()).seal().build();
        jsm.updateStream(sealed);
        JsonNode ack = request("d", null, "x");
        assertEquals(10109, ack.at("/error/err_code").asInt(), ack.toString());

        jsm.addStream(StreamConfiguration.builder().name("N").subjects("n").storageType(StorageType.Memory).noAck(true).build());
        Message reply = nc.request("n", new byte[1], Duration.ofMillis(500));
        assertNull(reply);
        assertEquals(1, jsm.getStreamInfo("N").getStreamState().getMsgCount());
    }

    @Test
    void updateRules() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("U").subjects("u").storageType(StorageType.Memory).build());
        JetStreamApiException e = assertThrows(JetStreamApiException.class, () -> jsm.updateStream(
                StreamConfiguration.builder().name("U").subjects("u").storageType(StorageType.File).build()));
        assertEquals(10052, e.getApiErrorCode());
        assertEquals("stream configuration update can not change storage type", e.getErrorDescription());
        jsm.addStream(StreamConfiguration.builder().name("V").subjects("v").storageType(StorageType.Memory).build());
        e = assertThrows(JetStreamApiException.class, () -> jsm.updateStream(
                StreamConfiguration.builder().name("U").subjects("u", "v").storageType(StorageType.Memory).build()));
        assertEquals(10065, e.getApiErrorCode());
        jsm.updateStream(StreamConfiguration.builder().name("U").subjects("u", "w").storageType(StorageType.Memory).build());
        assertEquals(1, js.publish("w", new byte[1]).getSeqno());
        e = assertThrows(JetStreamApiException.class, () -> jsm.updateStream(
                StreamConfiguration.builder().name("NOPE").subjects("nope").storageType(StorageType.Memory).build()));
        assertEquals(10059, e.getApiErrorCode());
    }

    @Test
    void interestRetentionWithoutConsumersKeepsNothing() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("I").subjects("i").storageType(StorageType.Memory)
                .retentionPolicy(io.nats.client.api.RetentionPolicy.Interest).build());
        assertEquals(1, js.publish("i", new byte[1]).getSeqno());
        assertEquals(2, js.publish("i", new byte[1]).getSeqno());
        var st = jsm.getStreamInfo("I").getStreamState();
        assertEquals(0, st.getMsgCount());
        assertEquals(2, st.getLastSequence());
        assertTrue(st.getFirstSequence() >= 3 || st.getFirstSequence() == 0, "" + st.getFirstSequence());
    }
}
