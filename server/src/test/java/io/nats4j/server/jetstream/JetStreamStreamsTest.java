package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streams through the real Java client, against nats4j or nats-server -js (TestServer's property). */
class JetStreamStreamsTest {

    @TempDir
    Path dir;
    TestServer server;
    Connection nc;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.defaultOptions(), "jetstream { store_dir: \"" + dir + "\" }");
        nc = Nats.connect(server.url());
    }

    @AfterEach
    void stop() throws Exception {
        if (nc != null) {
            nc.close();
        }
        server.close();
    }

    @Test
    void createPublishInfoPurgeDelete() throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        StreamInfo si = jsm.addStream(StreamConfiguration.builder().name("ORDERS").subjects("orders.>")
                .storageType(StorageType.File).build());
        assertEquals("ORDERS", si.getConfiguration().getName());
        assertEquals(0, si.getStreamState().getMsgCount());
        JetStream js = nc.jetStream();
        PublishAck a1 = js.publish("orders.1", "one".getBytes(StandardCharsets.UTF_8));
        assertEquals("ORDERS", a1.getStream());
        assertEquals(1, a1.getSeqno());
        assertFalse(a1.isDuplicate());
        List<CompletableFuture<PublishAck>> fs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            fs.add(js.publishAsync("orders." + (i % 7), new byte[16]));
        }
        for (int i = 0; i < fs.size(); i++) {
            assertEquals(i + 2, fs.get(i).get(10, TimeUnit.SECONDS).getSeqno());
        }
        si = jsm.getStreamInfo("ORDERS");
        assertEquals(501, si.getStreamState().getMsgCount());
        assertEquals(List.of("ORDERS"), jsm.getStreamNames());
        assertEquals(1, jsm.getStreams().size());
        assertEquals("one", new String(jsm.getMessage("ORDERS", 1).getData(), StandardCharsets.UTF_8));
        assertTrue(jsm.deleteMessage("ORDERS", 1));
        JetStreamApiException gone = assertThrows(JetStreamApiException.class, () -> jsm.getMessage("ORDERS", 1));
        assertEquals(10037, gone.getApiErrorCode());
        assertEquals(500, jsm.purgeStream("ORDERS").getPurged());
        assertTrue(jsm.deleteStream("ORDERS"));
        JetStreamApiException nf = assertThrows(JetStreamApiException.class, () -> jsm.getStreamInfo("ORDERS"));
        assertEquals(10059, nf.getApiErrorCode());
        assertEquals(404, nf.getErrorCode());
    }

    @Test
    void duplicatesAndExpectedHeaders() throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("D").subjects("d.*").storageType(StorageType.Memory).build());
        JetStream js = nc.jetStream();
        Headers h = new Headers().add("Nats-Msg-Id", "x1");
        PublishAck p1 = js.publish(nc.jetStream() == null ? null : io.nats.client.impl.NatsMessage.builder()
                .subject("d.a").headers(h).data("a".getBytes(StandardCharsets.UTF_8)).build());
        PublishAck p2 = js.publish(io.nats.client.impl.NatsMessage.builder()
                .subject("d.a").headers(h).data("a".getBytes(StandardCharsets.UTF_8)).build());
        assertEquals(1, p1.getSeqno());
        assertEquals(1, p2.getSeqno());
        assertTrue(p2.isDuplicate());
        JetStreamApiException wrong = assertThrows(JetStreamApiException.class, () -> js.publish(
                io.nats.client.impl.NatsMessage.builder().subject("d.b")
                        .headers(new Headers().add("Nats-Expected-Last-Sequence", "5")).data(new byte[1]).build()));
        assertEquals(10071, wrong.getApiErrorCode());
        assertEquals("wrong last sequence: 1", wrong.getErrorDescription());
    }

    @Test
    void rawApiErrors() throws Exception {
        ObjectMapper m = new ObjectMapper();
        Message r = nc.request("$JS.API.STREAM.CREATE.X", "{bad".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        JsonNode n = m.readTree(r.getData());
        assertEquals("io.nats.jetstream.api.v1.stream_create_response", n.get("type").asText());
        assertEquals(400, n.at("/error/code").asInt());
        assertEquals(10025, n.at("/error/err_code").asInt());
        r = nc.request("$JS.API.STREAM.CREATE.X", "{\"name\":\"Y\"}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        n = m.readTree(r.getData());
        assertEquals(10056, n.at("/error/err_code").asInt());
        r = nc.request("$JS.API.STREAM.CREATE.X", "{\"name\":\"X\",\"num_replicas\":3}".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(5));
        n = m.readTree(r.getData());
        assertEquals(10074, n.at("/error/err_code").asInt(), n.toString());
        assertEquals("replicas > 1 not supported in non-clustered mode", n.at("/error/description").asText());
        r = nc.request("$JS.API.STREAM.CREATE.X", "{\"name\":\"X\",\"subjects\":[\"a.>\",\"a.b\"]}".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(5));
        n = m.readTree(r.getData());
        assertEquals(10052, n.at("/error/err_code").asInt(), n.toString());
        r = nc.request("$JS.API.INFO", new byte[0], Duration.ofSeconds(5));
        n = m.readTree(r.getData());
        assertEquals("io.nats.jetstream.api.v1.account_info_response", n.get("type").asText());
        assertTrue(n.has("limits"), n.toString());
    }

    @Test
    void keyValuePutGet() throws Exception {
        nc.keyValueManagement().create(KeyValueConfiguration.builder().name("cfg").storageType(StorageType.Memory).build());
        KeyValue kv = nc.keyValue("cfg");
        assertEquals(1, kv.put("a", "1"));
        assertEquals(2, kv.put("a", "2"));
        assertEquals("2", kv.get("a").getValueAsString());
        assertNotNull(kv.get("a"));
    }

    @Test
    void restartRecoversFileStreams() throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("R").subjects("r.>").maxMessagesPerSubject(5)
                .storageType(StorageType.File).build());
        JetStream js = nc.jetStream();
        for (int i = 0; i < 20; i++) {
            js.publish("r." + (i % 2), new byte[] {(byte) i});
        }
        nc.close();
        server.restart();
        nc = Nats.connect(server.url());
        StreamInfo si = nc.jetStreamManagement().getStreamInfo("R");
        assertEquals(10, si.getStreamState().getMsgCount());
        assertEquals(20, si.getStreamState().getLastSequence());
        assertEquals(5, si.getConfiguration().getMaxMsgsPerSubject());
        assertEquals(21, nc.jetStream().publish("r.x", new byte[1]).getSeqno());
        assertTrue(Files.exists(dir));
    }

    @Test
    void theDuplicateWindowSurvivesARestart() throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("DR").subjects("dr.*").storageType(StorageType.File).build());
        JetStream js = nc.jetStream();
        Headers h = new Headers().add("Nats-Msg-Id", "id-1");
        js.publish(io.nats.client.impl.NatsMessage.builder().subject("dr.a").headers(h).data(new byte[] {1}).build());
        for (int i = 0; i < 50; i++) {
            js.publish("dr.b", new byte[] {2}); // no header: the index tells recovery to skip them
        }
        nc.close();
        server.restart();
        nc = Nats.connect(server.url());
        PublishAck again = nc.jetStream().publish(io.nats.client.impl.NatsMessage.builder().subject("dr.a")
                .headers(new Headers().add("Nats-Msg-Id", "id-1")).data(new byte[] {1}).build());
        assertTrue(again.isDuplicate());
        assertEquals(1, again.getSeqno());
        assertEquals(51, nc.jetStreamManagement().getStreamInfo("DR").getStreamState().getMsgCount());
    }
}
