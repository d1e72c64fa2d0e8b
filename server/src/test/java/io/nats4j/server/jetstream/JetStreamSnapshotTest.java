package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.Subscription;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats4j.server.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code $JS.API.STREAM.SNAPSHOT} and {@code RESTORE} through jnats' raw requests, as {@code nats stream backup} and
 * {@code restore} drive them: the chunks with their ack replies and the empty end message, the restore's chunk
 * subject answered chunk by chunk, the final stream info. A snapshot restores with every message, header, sequence,
 * timestamp and the consumers' state. The round trips also run against nats-server -js.
 */
class JetStreamSnapshotTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;
    private JetStreamManagement jsm;
    private JetStream js;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.defaultOptions(), "jetstream { store_dir: \"" + dir + "\" }");
        connect();
    }

    private void connect() throws Exception {
        nc = Nats.connect(new io.nats.client.Options.Builder().server(server.url())
                .connectionTimeout(Duration.ofSeconds(10)).build());
        jsm = nc.jetStreamManagement();
        js = nc.jetStream();
    }

    @AfterEach
    void stop() throws Exception {
        if (nc != null) {
            nc.close();
        }
        server.close();
    }

    /** The snapshot's answer, its bytes and how many chunks (each acked) carried them. */
    record Snapshot(JsonNode response, byte[] data, int chunks, int chunksWithReply) {
    }

    private Snapshot snapshot(String stream, String extra) throws Exception {
        String inbox = nc.createInbox();
        Subscription sub = nc.subscribe(inbox);
        nc.flush(Duration.ofSeconds(2));
        String body = "{\"deliver_subject\":\"" + inbox + "\"" + extra + "}";
        Message r = nc.request("$JS.API.STREAM.SNAPSHOT." + stream, body.getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(10));
        assertNotNull(r, "no snapshot answer");
        JsonNode resp = JSON.readTree(r.getData());
        if (resp.has("error")) {
            return new Snapshot(resp, null, 0, 0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int chunks = 0;
        int withReply = 0;
        while (true) {
            Message m = sub.nextMessage(Duration.ofSeconds(10));
            assertNotNull(m, "snapshot chunks stopped after " + chunks);
            byte[] d = m.getData();
            if (d == null || d.length == 0) {
                assertTrue(m.getReplyTo() == null || m.getReplyTo().isEmpty(), "the end message has no reply");
                break;
            }
            chunks++;
            out.write(d);
            if (m.getReplyTo() != null) {
                withReply++;
                assertTrue(m.getReplyTo().startsWith("$JS.SNAPSHOT.ACK." + stream + "."), m.getReplyTo());
                String[] t = m.getReplyTo().split("\\.");
                assertEquals(d.length, Integer.parseInt(t[5]), "the ack subject names the chunk's size");
                assertEquals(chunks, Integer.parseInt(t[6]), "and its index");
                nc.publish(m.getReplyTo(), null);
            }
        }
        sub.unsubscribe();
        return new Snapshot(resp, out.toByteArray(), chunks, withReply);
    }

    /** Restores {@code data} in chunks of {@code chunk} bytes; returns the final answer (stream info or error). */
    private JsonNode restore(String stream, JsonNode config, JsonNode state, byte[] data, int chunk) throws Exception {
        ObjectNode req = JSON.createObjectNode();
        req.set("config", config);
        req.set("state", state);
        Message r = nc.request("$JS.API.STREAM.RESTORE." + stream, JSON.writeValueAsBytes(req), Duration.ofSeconds(10));
        JsonNode resp = JSON.readTree(r.getData());
        assertEquals("io.nats.jetstream.api.v1.stream_restore_response", resp.path("type").asText(), resp.toString());
        if (resp.has("error")) {
            return resp;
        }
        String deliver = resp.path("deliver_subject").asText();
        assertTrue(deliver.startsWith("$JS.SNAPSHOT.RESTORE." + stream + "."), deliver);
        for (int off = 0; off < data.length; off += chunk) {
            byte[] part = Arrays.copyOfRange(data, off, Math.min(data.length, off + chunk));
            Message ack = nc.request(deliver, part, Duration.ofSeconds(10));
            assertNotNull(ack, "chunk at " + off + " not acknowledged");
            assertTrue(ack.getData() == null || ack.getData().length == 0, "a chunk's ack is empty");
        }
        Message fin = nc.request(deliver, new byte[0], Duration.ofSeconds(30));
        assertNotNull(fin, "no final restore answer");
        return JSON.readTree(fin.getData());
    }

    private record Stored(long seq, String subject, Headers headers, byte[] data, Object time) {
    }

    private List<Stored> messages(String stream, long first, long last) throws Exception {
        List<Stored> out = new ArrayList<>();
        for (long s = first; s <= last; s++) {
            try {
                MessageInfo mi = jsm.getMessage(stream, s);
                out.add(new Stored(s, mi.getSubject(), mi.getHeaders(), mi.getData(), mi.getTime()));
            } catch (JetStreamApiException e) {
                assertEquals(10037, e.getApiErrorCode());
                out.add(new Stored(s, null, null, null, null));
            }
        }
        return out;
    }

    private static void assertSameMessages(List<Stored> a, List<Stored> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            Stored x = a.get(i);
            Stored y = b.get(i);
            assertEquals(x.seq(), y.seq());
            assertEquals(x.subject(), y.subject(), "subject of " + x.seq());
            assertArrayEquals(x.data(), y.data(), "payload of " + x.seq());
            assertEquals(x.time(), y.time(), "time of " + x.seq());
            if (x.headers() == null || x.headers().isEmpty()) {
                assertTrue(y.headers() == null || y.headers().isEmpty(), "headers of " + x.seq());
            } else {
                assertEquals(x.headers().get("k"), y.headers().get("k"), "headers of " + x.seq());
                assertEquals(x.headers().get("Nats-Msg-Id"), y.headers().get("Nats-Msg-Id"), "headers of " + x.seq());
            }
        }
    }

    private static void assertSameState(StreamState a, StreamState b) {
        assertEquals(a.getMsgCount(), b.getMsgCount(), "messages");
        assertEquals(a.getByteCount(), b.getByteCount(), "bytes");
        assertEquals(a.getFirstSequence(), b.getFirstSequence(), "first_seq");
        assertEquals(a.getLastSequence(), b.getLastSequence(), "last_seq");
        assertEquals(a.getFirstTime(), b.getFirstTime(), "first_ts");
        if (!TestServer.isGoServer()) {
            // nats-server 2.9.10 restores a stream whose last message was deleted with last_ts 0001-01-01
            assertEquals(a.getLastTime(), b.getLastTime(), "last_ts");
        }
        assertEquals(a.getDeletedCount(), b.getDeletedCount(), "num_deleted");
        assertEquals(a.getSubjectCount(), b.getSubjectCount(), "num_subjects");
        assertEquals(a.getConsumerCount(), b.getConsumerCount(), "consumers");
    }

    private static void assertSameConsumer(ConsumerInfo a, ConsumerInfo b) {
        assertEquals(a.getName(), b.getName());
        assertEquals(a.getConsumerConfiguration().getFilterSubject(), b.getConsumerConfiguration().getFilterSubject());
        assertEquals(a.getConsumerConfiguration().getAckPolicy(), b.getConsumerConfiguration().getAckPolicy());
        assertEquals(a.getDelivered().getStreamSequence(), b.getDelivered().getStreamSequence(), "delivered stream");
        assertEquals(a.getDelivered().getConsumerSequence(), b.getDelivered().getConsumerSequence(), "delivered consumer");
        assertEquals(a.getAckFloor().getStreamSequence(), b.getAckFloor().getStreamSequence(), "ack floor stream");
        assertEquals(a.getAckFloor().getConsumerSequence(), b.getAckFloor().getConsumerSequence(), "ack floor consumer");
        assertEquals(a.getNumAckPending(), b.getNumAckPending(), "ack pending");
        assertEquals(a.getNumPending(), b.getNumPending(), "num pending");
        if (!TestServer.isGoServer()) {
            // nats4j keeps the consumer's creation time; nats-server 2.9.10 gives a restored consumer a new one
            assertEquals(a.getCreationTime(), b.getCreationTime(), "created");
        }
    }

    /** A stream with holes, a moved first sequence, a removed last message, headers and two consumers. */
    private void fill(String stream, StorageType storage) throws Exception {
        jsm.addStream(StreamConfiguration.builder().name(stream).subjects(stream.toLowerCase() + ".>")
                .storageType(storage).build());
        String p = stream.toLowerCase();
        for (int i = 1; i <= 60; i++) {
            NatsMessage.Builder b = NatsMessage.builder().subject(p + "." + (i % 4)).data(("m" + i).getBytes());
            if (i % 3 == 0) {
                b.headers(new Headers().add("k", "v" + i).add("Nats-Msg-Id", "id" + i));
            }
            js.publish(b.build());
        }
        jsm.purgeStream(stream, PurgeOptions.builder().sequence(5).build()); // 1..4 go
        assertTrue(jsm.deleteMessage(stream, 10));
        assertTrue(jsm.deleteMessage(stream, 20, false));
        assertTrue(jsm.deleteMessage(stream, 60)); // the last: last_seq stays 60
        jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable("WORK").ackPolicy(AckPolicy.Explicit)
                .ackWait(Duration.ofMinutes(5)).build());
        jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable("ONE").ackPolicy(AckPolicy.Explicit)
                .filterSubject(p + ".1").build());
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind(stream, "WORK"));
        List<Message> got = sub.fetch(10, Duration.ofSeconds(5));
        assertEquals(10, got.size());
        for (int i = 0; i < 6; i++) {
            got.get(i).ackSync(Duration.ofSeconds(5));
        }
        got.get(8).ackSync(Duration.ofSeconds(5)); // a hole in the acks
        sub.unsubscribe();
    }

    private void roundTrip(StorageType storage, int chunkSize) throws Exception {
        fill("ORDERS", storage);
        StreamState before = jsm.getStreamInfo("ORDERS").getStreamState();
        List<Stored> msgs = messages("ORDERS", 1, 61);
        ConsumerInfo work = jsm.getConsumerInfo("ORDERS", "WORK");
        ConsumerInfo one = jsm.getConsumerInfo("ORDERS", "ONE");

        Snapshot snap = snapshot("ORDERS", ",\"chunk_size\":" + chunkSize);
        assertFalse(snap.response().has("error"), snap.response().toString());
        assertEquals("io.nats.jetstream.api.v1.stream_snapshot_response", snap.response().path("type").asText());
        assertEquals("ORDERS", snap.response().path("config").path("name").asText());
        assertEquals(before.getMsgCount(), snap.response().path("state").path("messages").asLong());
        assertEquals(60, snap.response().path("state").path("last_seq").asLong());
        assertTrue(snap.chunks() >= 1);
        assertEquals(snap.chunks(), snap.chunksWithReply(), "every chunk carries an ack subject");
        if (chunkSize > 0 && chunkSize < snap.data().length) {
            assertTrue(snap.chunks() > 1, "chunks of " + chunkSize + " for " + snap.data().length + " bytes");
        }

        assertTrue(jsm.deleteStream("ORDERS"));
        JsonNode fin = restore("ORDERS", snap.response().get("config"), snap.response().get("state"), snap.data(), 777);
        assertFalse(fin.has("error"), fin.toString());
        assertEquals("io.nats.jetstream.api.v1.stream_create_response", fin.path("type").asText());
        assertEquals(before.getMsgCount(), fin.path("state").path("messages").asLong());

        assertSameState(before, jsm.getStreamInfo("ORDERS").getStreamState());
        assertSameMessages(msgs, messages("ORDERS", 1, 61));
        assertSameConsumer(work, jsm.getConsumerInfo("ORDERS", "WORK"));
        assertSameConsumer(one, jsm.getConsumerInfo("ORDERS", "ONE"));

        // the restored consumer carries on: the next fetch gives the next new message
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("ORDERS", "WORK"));
        List<Message> next = sub.fetch(1, Duration.ofSeconds(5));
        assertEquals(1, next.size());
        assertEquals(work.getDelivered().getStreamSequence() + 1, next.get(0).metaData().streamSequence());
        assertEquals(work.getDelivered().getConsumerSequence() + 1, next.get(0).metaData().consumerSequence());
        next.get(0).ackSync(Duration.ofSeconds(5));
        sub.unsubscribe();
        // and the stream takes new messages after its last sequence
        assertEquals(61, js.publish("orders.x", new byte[1]).getSeqno());
    }

    @Test
    void fileStreamRoundTripKeepsMessagesSequencesTimesAndConsumers() throws Exception {
        roundTrip(StorageType.File, 1024);
        if (!TestServer.isGoServer()) {
            // the restored stream and its consumers are durable like any other
            ConsumerInfo work = jsm.getConsumerInfo("ORDERS", "WORK");
            StreamState st = jsm.getStreamInfo("ORDERS").getStreamState();
            nc.close();
            server.restart();
            connect();
            assertSameState(st, jsm.getStreamInfo("ORDERS").getStreamState());
            assertSameConsumer(work, jsm.getConsumerInfo("ORDERS", "WORK"));
        }
    }

    /** nats-server's memory store has no snapshots ("snapshot failed: no impl"); nats4j's has (docs/DIFFERENCES.md). */
    @Test
    void memoryStreamRoundTripWithDefaultChunks() throws Exception {
        assumeFalse(TestServer.isGoServer(), "nats-server cannot snapshot memory streams");
        roundTrip(StorageType.Memory, 0);
    }

    @Test
    void noConsumersLeavesThemOut() throws Exception {
        fill("NC", StorageType.File);
        Snapshot snap = snapshot("NC", ",\"no_consumers\":true");
        assertTrue(jsm.deleteStream("NC"));
        JsonNode fin = restore("NC", snap.response().get("config"), snap.response().get("state"), snap.data(), 4096);
        assertFalse(fin.has("error"), fin.toString());
        assertEquals(0, jsm.getStreamInfo("NC").getStreamState().getConsumerCount());
        assertEquals(snap.response().path("state").path("messages").asLong(),
                jsm.getStreamInfo("NC").getStreamState().getMsgCount());
    }

    private JsonNode api(String subject, String body) throws Exception {
        Message r = nc.request(subject, body == null ? null : body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        return JSON.readTree(r.getData());
    }

    private static void assertError(JsonNode r, int code, int errCode, String description) {
        assertEquals(code, r.path("error").path("code").asInt(), r.toString());
        assertEquals(errCode, r.path("error").path("err_code").asInt(), r.toString());
        assertEquals(description, r.path("error").path("description").asText(), r.toString());
    }

    @Test
    void badRequestsGetNatsServersErrors() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("E").subjects("e.>").storageType(StorageType.File).build());
        JsonNode r = api("$JS.API.STREAM.SNAPSHOT.E", "");
        assertEquals("io.nats.jetstream.api.v1.stream_snapshot_response", r.path("type").asText());
        assertError(r, 400, 10003, "bad request");
        assertError(api("$JS.API.STREAM.SNAPSHOT.NOPE", "{\"deliver_subject\":\"x\"}"), 404, 10059, "stream not found");
        assertError(api("$JS.API.STREAM.SNAPSHOT.E", "{\"deliver_subject\":\"\"}"), 400, 10015, "deliver subject not valid");
        assertError(api("$JS.API.STREAM.SNAPSHOT.E", "{\"deliver_subject\":\"a..b\"}"), 400, 10015,
                "deliver subject not valid");
        assertError(api("$JS.API.STREAM.SNAPSHOT.E", "{bad"), 400, 10025, "invalid JSON");

        JsonNode rr = api("$JS.API.STREAM.RESTORE.E", "");
        assertEquals("io.nats.jetstream.api.v1.stream_restore_response", rr.path("type").asText());
        assertError(rr, 400, 10003, "bad request");
        assertEquals("", rr.path("deliver_subject").asText("missing"), "the error answer has deliver_subject \"\"");
        assertError(api("$JS.API.STREAM.RESTORE.E", "{bad"), 400, 10025, "invalid JSON");
        assertError(api("$JS.API.STREAM.RESTORE.E",
                "{\"config\":{\"name\":\"E\",\"subjects\":[\"e.>\"],\"storage\":\"file\",\"retention\":\"limits\","
                        + "\"discard\":\"old\",\"num_replicas\":1},\"state\":{}}"),
                400, 10130, "stream name already in use, cannot restore");
    }

    @Test
    void aNatsServerSnapshotIsRefusedWithAClearError() throws Exception {
        assumeFalse(TestServer.isGoServer(), "nats4j's own refusal");
        // the stream identifier chunk that starts every s2 stream (nats-server's snapshots are s2-compressed tars)
        byte[] s2 = new byte[64];
        byte[] head = {(byte) 0xff, 6, 0, 0, 'S', '2', 's', 'T', 'w', 'O'};
        System.arraycopy(head, 0, s2, 0, head.length);
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("name", "G");
        cfg.putArray("subjects").add("g.>");
        cfg.put("storage", "file");
        JsonNode fin = restore("G", cfg, JSON.createObjectNode(), s2, 32);
        assertEquals("io.nats.jetstream.api.v1.stream_create_response", fin.path("type").asText());
        assertError(fin, 500, 10062, "restore failed: snapshot is a nats-server file store snapshot (s2-compressed "
                + "tar), which nats4j cannot restore: nats4j restores snapshots taken by nats4j only");
        assertThrowsNotFound("G");
        // a damaged nats4j snapshot is refused too, and leaves no stream behind
        fill("H", StorageType.File);
        Snapshot snap = snapshot("H", "");
        assertTrue(jsm.deleteStream("H"));
        byte[] cut = Arrays.copyOf(snap.data(), snap.data().length - 9);
        JsonNode bad = restore("H", snap.response().get("config"), snap.response().get("state"), cut, 4096);
        assertError(bad, 500, 10062, "restore failed: snapshot is truncated or damaged");
        assertThrowsNotFound("H");
        // the whole snapshot still restores after the failed attempt
        JsonNode ok = restore("H", snap.response().get("config"), snap.response().get("state"), snap.data(), 4096);
        assertFalse(ok.has("error"), ok.toString());
    }

    private void assertThrowsNotFound(String stream) {
        JetStreamApiException e = org.junit.jupiter.api.Assertions.assertThrows(JetStreamApiException.class,
                () -> jsm.getStreamInfo(stream));
        assertEquals(10059, e.getApiErrorCode());
    }
}
