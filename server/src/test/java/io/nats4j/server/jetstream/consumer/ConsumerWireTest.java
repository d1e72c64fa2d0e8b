package io.nats4j.server.jetstream.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer API and pull requests on the wire: the 404/408/409 status messages with nats-server's texts
 * (raw socket), and the error JSON ({@code code}/{@code err_code}/{@code description}) of bad requests. Runs
 * against nats-server -js with -Dnats.test.server=nats-server.
 */
class ConsumerWireTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;
    private JetStreamManagement jsm;

    @BeforeEach
    void start() throws Exception {
        server = JsServers.start(dir);
        nc = Nats.connect(server.url());
        jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("pull").ackPolicy(AckPolicy.Explicit)
                .maxBatch(5).maxBytes(1000).maxPullWaiting(1).build());
        jsm.addOrUpdateConsumer("S", ConsumerConfiguration.builder().durable("push").deliverSubject("dlv")
                .ackPolicy(AckPolicy.Explicit).build());
    }

    @AfterEach
    void stop() throws Exception {
        nc.close();
        server.close();
    }

    private RawClient raw() throws Exception {
        RawClient c = RawClient.open(server);
        c.send("CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\nSUB r.> 1\r\nPING\r\n");
        c.expectSkippingPings("PONG\r\n", Duration.ofSeconds(2));
        return c;
    }

    private static void next(RawClient c, String consumer, String reply, String body) throws Exception {
        c.send("PUB $JS.API.CONSUMER.MSG.NEXT.S." + consumer + " " + reply + " " + body.length() + "\r\n" + body + "\r\n");
    }

    /** Expects one status message on {@code subject}: returns its header block. */
    private static String status(RawClient c, String subject, Duration timeout) throws Exception {
        // nats-server writes an empty reply as a second space ("HMSG subj 1  28 28"); clients read both
        Matcher m = c.expectMatch(java.util.regex.Pattern.compile(
                "HMSG " + java.util.regex.Pattern.quote(subject) + " 1 +(\\d+) (\\d+)\r\n"), timeout);
        int hlen = Integer.parseInt(m.group(1));
        Matcher body = c.expectMatch(java.util.regex.Pattern.compile("(?s)(.{" + hlen + "})\r\n"), timeout);
        return body.group(1);
    }

    @Test
    void noWaitOnEmptyConsumerIs404() throws Exception {
        try (RawClient c = raw()) {
            next(c, "pull", "r.1", "{\"batch\":1,\"no_wait\":true}");
            assertEquals("NATS/1.0 404 No Messages\r\n\r\n", status(c, "r.1", Duration.ofSeconds(2)));
        }
    }

    @Test
    void expiredRequestIs408WithPendingCounts() throws Exception {
        try (RawClient c = raw()) {
            next(c, "pull", "r.2", "{\"batch\":3,\"expires\":200000000}");
            assertEquals("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 3\r\nNats-Pending-Bytes: 0\r\n\r\n",
                    status(c, "r.2", Duration.ofSeconds(3)));
        }
    }

    @Test
    void pullLimitsAre409() throws Exception {
        try (RawClient c = raw()) {
            next(c, "pull", "r.3", "{\"batch\":6}");
            assertEquals("NATS/1.0 409 Exceeded MaxRequestBatch of 5\r\n\r\n", status(c, "r.3", Duration.ofSeconds(2)));
            next(c, "pull", "r.4", "{\"batch\":1,\"max_bytes\":2000}");
            assertEquals("NATS/1.0 409 Exceeded MaxRequestMaxBytes of 1000\r\n\r\n",
                    status(c, "r.4", Duration.ofSeconds(2)));
            next(c, "pull", "r.5", "{\"batch\":1,\"expires\":5000000000}");
            next(c, "pull", "r.6", "{\"batch\":1,\"expires\":5000000000}");
            assertEquals("NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n", status(c, "r.6", Duration.ofSeconds(2)));
            next(c, "push", "r.7", "");
            assertEquals("NATS/1.0 409 Consumer is push based\r\n\r\n", status(c, "r.7", Duration.ofSeconds(2)));
            jsm.deleteConsumer("S", "pull");
            assertEquals("NATS/1.0 409 Consumer Deleted\r\n\r\n", status(c, "r.5", Duration.ofSeconds(2)));
        }
    }

    @Test
    void messageLargerThanMaxBytesIs409() throws Exception {
        nc.publish("s.big", new byte[300]);
        nc.flush(Duration.ofSeconds(1));
        Thread.sleep(100);
        try (RawClient c = raw()) {
            next(c, "pull", "r.8", "{\"batch\":2,\"max_bytes\":100,\"expires\":1000000000}");
            assertEquals("NATS/1.0 409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: 2\r\n"
                    + "Nats-Pending-Bytes: 100\r\n\r\n", status(c, "r.8", Duration.ofSeconds(2)));
        }
    }

    @Test
    void idleHeartbeatOfAPullRequest() throws Exception {
        try (RawClient c = raw()) {
            next(c, "pull", "r.9", "{\"batch\":1,\"expires\":2000000000,\"idle_heartbeat\":300000000}");
            assertEquals("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 0\r\nNats-Last-Stream: 0\r\n\r\n",
                    status(c, "r.9", Duration.ofSeconds(2)));
        }
    }

    // ------------------------------------------------------------------ error JSON

    private JsonNode request(String subject, String body) throws Exception {
        Message m = nc.request(subject, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3));
        return JSON.readTree(m.getData());
    }

    private static void assertError(JsonNode resp, int code, int errCode, String description) {
        JsonNode e = resp.get("error");
        assertTrue(e != null, "an error: " + resp);
        assertEquals(code, e.get("code").asInt(), resp.toString());
        assertEquals(errCode, e.get("err_code").asInt(), resp.toString());
        assertEquals(description, e.get("description").asText(), resp.toString());
    }

    @Test
    void errorJsonOfBadRequests() throws Exception {
        assertError(request("$JS.API.CONSUMER.INFO.S.nope", ""), 404, 10014, "consumer not found");
        assertError(request("$JS.API.CONSUMER.INFO.NOPE.x", ""), 404, 10059, "stream not found");
        assertError(request("$JS.API.CONSUMER.DELETE.S.nope", ""), 404, 10014, "consumer not found");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x", "{bad"), 400, 10025, "invalid JSON");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x", "{\"stream_name\":\"T\",\"config\":{}}"), 400, 10056,
                "stream name in subject does not match request");
        assertError(request("$JS.API.CONSUMER.DURABLE.CREATE.S.a",
                "{\"stream_name\":\"S\",\"config\":{\"durable_name\":\"b\",\"ack_policy\":\"explicit\"}}"), 400, 10017,
                "consumer name in subject does not match durable name in request");
        assertError(request("$JS.API.CONSUMER.CREATE.S",
                "{\"stream_name\":\"S\",\"config\":{\"durable_name\":\"b\",\"ack_policy\":\"explicit\"}}"), 400, 10020,
                "consumer expected to be ephemeral but a durable name was set in request");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"flow_control\":true}}"), 400, 10089,
                "consumer flow control requires a push based consumer");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"deliver_policy\":\"all\","
                        + "\"opt_start_seq\":3}}"), 400, 10094,
                "consumer delivery policy is deliver all, but optional start sequence is also set");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"deliver_policy\":\"by_start_sequence\"}}"),
                400, 10094, "consumer delivery policy is deliver by start sequence, but optional start sequence is not set");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"deliver_subject\":\"s.loop\",\"ack_policy\":\"explicit\"}}"),
                400, 10081, "consumer deliver subject forms a cycle");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"deliver_subject\":\"d\",\"idle_heartbeat\":50000000}}"),
                400, 10083, "consumer idle heartbeat needs to be >= 100ms");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"max_deliver\":2,"
                        + "\"backoff\":[1000000000,2000000000]}}"),
                400, 10116, "max deliver is required to be > length of backoff values");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x.s.a",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"filter_subject\":\"s.b\"}}"),
                400, 10131, "Consumer create request did not match filtered subject from create subject");
        if (TestServer.isGoServer()) {
            return; // the reference binary here is nats-server 2.9.10: filter_subjects and actions are 2.10's
        }
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"filter_subjects\":[\"s.a\",\"s.*\"]}}"),
                400, 10138, "consumer subject filters cannot overlap");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"filter_subject\":\"s.a\","
                        + "\"filter_subjects\":[\"s.b\"]}}"),
                400, 10136, "consumer cannot have both FilterSubject and FilterSubjects specified");
        assertError(request("$JS.API.CONSUMER.CREATE.S.pull",
                "{\"stream_name\":\"S\",\"config\":{\"name\":\"pull\",\"ack_policy\":\"none\"},\"action\":\"create\"}"),
                400, 10148, "consumer already exists");
        assertError(request("$JS.API.CONSUMER.CREATE.S.newone",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\"},\"action\":\"update\"}"),
                400, 10149, "consumer does not exist");
        assertError(request("$JS.API.CONSUMER.DURABLE.CREATE.S.pull",
                "{\"stream_name\":\"S\",\"config\":{\"durable_name\":\"pull\",\"ack_policy\":\"none\"}}"),
                500, 10012, "ack policy can not be updated");
        assertError(request("$JS.API.CONSUMER.CREATE.S.x",
                "{\"stream_name\":\"S\",\"config\":{\"ack_policy\":\"explicit\",\"num_replicas\":3}}"),
                500, 10074, "replicas > 1 not supported in non-clustered mode");
    }

    @Test
    void namesAndListWithPaging() throws Exception {
        JsonNode names = request("$JS.API.CONSUMER.NAMES.S", "");
        assertEquals("io.nats.jetstream.api.v1.consumer_names_response", names.get("type").asText());
        assertEquals(2, names.get("total").asInt());
        assertEquals(1024, names.get("limit").asInt());
        assertEquals("[\"pull\",\"push\"]", names.get("consumers").toString());
        JsonNode page = request("$JS.API.CONSUMER.NAMES.S", "{\"offset\":1}");
        assertEquals("[\"push\"]", page.get("consumers").toString());
        assertEquals(1, page.get("offset").asInt());
        JsonNode list = request("$JS.API.CONSUMER.LIST.S", "");
        assertEquals(256, list.get("limit").asInt());
        assertEquals("pull", list.get("consumers").get(0).get("name").asText());
        assertEquals("S", list.get("consumers").get(0).get("stream_name").asText());
        assertEquals(5, list.get("consumers").get(0).get("config").get("max_batch").asInt());
        assertEquals("{\"type\":\"io.nats.jetstream.api.v1.consumer_names_response\",\"error\":{\"code\":404,"
                + "\"err_code\":10059,\"description\":\"stream not found\"},\"total\":0,\"offset\":0,\"limit\":0,"
                + "\"consumers\":[]}", request("$JS.API.CONSUMER.NAMES.NOPE", "").toString());
        JsonNode past = request("$JS.API.CONSUMER.NAMES.S", "{\"offset\":9}");
        assertEquals(2, past.get("offset").asInt(), "offset past the end is clamped");
        assertEquals(0, past.get("consumers").size());
        JsonNode del = request("$JS.API.CONSUMER.DELETE.S.push", "");
        assertEquals("{\"type\":\"io.nats.jetstream.api.v1.consumer_delete_response\",\"success\":true}", del.toString());
    }
}
