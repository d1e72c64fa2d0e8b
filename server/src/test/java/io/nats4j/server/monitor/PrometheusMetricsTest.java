package io.nats4j.server.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.Http;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics (nats4j only: nats-server has no built-in Prometheus endpoint). */
class PrometheusMetricsTest {

    /** name{labels} value, as the text exposition format writes a sample. */
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)} (\\S+)");

    /** Parses a scrape: "name{labels}" → value; checks every line is a comment or a well-formed sample. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "malformed sample line: " + line);
            out.put(m.group(1) + "{" + m.group(2) + "}", Double.parseDouble(m.group(3)));
        }
        return out;
    }

    @Test
    void scrapeAgreesWithVarzAndAccstatz() throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        try (NatsServer server = new NatsServer(o)) {
            server.start();
            String base = "http://127.0.0.1:" + server.monitorPort();
            try (RawClient a = RawClient.open(server.port(), 0); RawClient b = RawClient.open(server.port(), 0)) {
                a.connect("{\"verbose\":false,\"pedantic\":false,\"name\":\"a\"}").sync();
                b.connect("{\"verbose\":false,\"pedantic\":false}").sync();
                a.send("SUB foo 1\r\nSUB bar 2\r\n").sync();
                for (int i = 0; i < 3; i++) {
                    b.send("PUB foo 3\r\nabc\r\n");
                }
                b.sync();
                a.expect("MSG foo 1 3\r\nabc\r\nMSG foo 1 3\r\nabc\r\nMSG foo 1 3\r\nabc\r\n");

                JsonNode varz = Http.json(base + "/varz");
                Http.Response r = Http.get(base + "/metrics");
                assertEquals(200, r.status());
                assertEquals(PrometheusMetrics.CONTENT_TYPE, r.contentType());
                Map<String, Double> m = parse(r.body());
                String sid = "server_id=\"" + server.serverId() + "\"";
                for (String f : new String[] {"connections", "total_connections", "subscriptions", "slow_consumers",
                        "in_msgs", "out_msgs", "in_bytes", "out_bytes", "max_connections", "max_payload", "cores"}) {
                    assertEquals(varz.get(f).asDouble(), m.get("gnatsd_varz_" + f + "{" + sid + "}"), f);
                }
                assertEquals(3.0, m.get("gnatsd_varz_in_msgs{" + sid + "}"));
                assertEquals(9.0, m.get("gnatsd_varz_out_bytes{" + sid + "}"));

                JsonNode acc = Http.json(base + "/accstatz").get("account_statz").get(0);
                String accLabels = sid + ",account=\"$G\"";
                assertEquals(acc.get("conns").asDouble(), m.get("gnatsd_accstatz_conns{" + accLabels + "}"));
                assertEquals(acc.get("received").get("msgs").asDouble(),
                        m.get("gnatsd_accstatz_received_msgs{" + accLabels + "}"));
                assertEquals(acc.get("sent").get("bytes").asDouble(),
                        m.get("gnatsd_accstatz_sent_bytes{" + accLabels + "}"));
                // two client subscriptions plus the system imports every account has, as in nats-server
                assertEquals(2.0 + 4, m.get("gnatsd_accstatz_num_subscriptions{" + accLabels + "}"));

                Map<String, Double> detailed = parse(Http.get(base + "/metrics?connz=true").body());
                long perConnectionSeries = detailed.keySet().stream()
                        .filter(k -> k.startsWith("gnatsd_connz_subscriptions{")).count();
                assertEquals(2, perConnectionSeries);
                assertTrue(detailed.entrySet().stream().anyMatch(e -> e.getKey().startsWith("gnatsd_connz_out_msgs{")
                        && e.getKey().contains("name=\"a\"") && e.getValue() == 3.0), detailed.toString());
            }
        }
    }

    @Test
    void labelValuesAreEscaped() {
        assertEquals("a\\\"b\\\\c\\nd", PrometheusMetrics.escape("a\"b\\c\nd"));
    }

    @TempDir
    Path storeDir;

    @Test
    void jetStreamSeriesAgreeWithJsz() throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        try (NatsServer off = new NatsServer(o)) {
            off.start();
            Map<String, Double> m = parse(Http.get("http://127.0.0.1:" + off.monitorPort() + "/metrics").body());
            String sid = "server_id=\"" + off.serverId() + "\"";
            assertEquals(1.0, m.get("jetstream_server_jetstream_disabled{" + sid + "}"));
            assertEquals(0.0, m.get("jetstream_server_total_streams{" + sid + "}"));
        }
        o.jetStream.enabled = true;
        o.jetStream.storeDir = storeDir;
        try (NatsServer server = new NatsServer(o)) {
            server.start();
            try (Connection nc = Nats.connect(server.clientUrl())) {
                nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("ORDERS").subjects("orders.>")
                        .storageType(StorageType.Memory).build());
                nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("EMPTY").subjects("empty")
                        .storageType(StorageType.Memory).build());
                for (int i = 0; i < 3; i++) {
                    nc.jetStream().publish("orders." + i, new byte[10]);
                }
                nc.jetStreamManagement().createConsumer("ORDERS", ConsumerConfiguration.builder()
                        .durable("C").build());
            }
            String base = "http://127.0.0.1:" + server.monitorPort();
            JsonNode jsz = Http.json(base + "/jsz");
            Map<String, Double> m = parse(Http.get(base + "/metrics").body());
            String sid = "server_id=\"" + server.serverId() + "\"";
            assertEquals(0.0, m.get("jetstream_server_jetstream_disabled{" + sid + "}"));
            assertEquals(2.0, m.get("jetstream_server_total_streams{" + sid + "}"));
            assertEquals(jsz.get("streams").asDouble(), m.get("jetstream_server_total_streams{" + sid + "}"));
            assertEquals(jsz.get("consumers").asDouble(), m.get("jetstream_server_total_consumers{" + sid + "}"));
            assertEquals(1.0, m.get("jetstream_server_total_consumers{" + sid + "}"));
            assertEquals(3.0, m.get("jetstream_server_total_messages{" + sid + "}"));
            assertEquals(jsz.get("bytes").asDouble(), m.get("jetstream_server_total_message_bytes{" + sid + "}"));
            assertEquals(jsz.path("config").get("max_storage").asDouble(),
                    m.get("jetstream_server_max_storage{" + sid + "}"));
            assertEquals(jsz.path("config").get("max_memory").asDouble(),
                    m.get("jetstream_server_max_memory{" + sid + "}"));
            String orders = sid + ",account=\"$G\",stream_name=\"ORDERS\"";
            assertEquals(3.0, m.get("jetstream_stream_total_messages{" + orders + "}"));
            assertEquals(1.0, m.get("jetstream_stream_first_seq{" + orders + "}"));
            assertEquals(3.0, m.get("jetstream_stream_last_seq{" + orders + "}"));
            assertEquals(1.0, m.get("jetstream_stream_consumer_count{" + orders + "}"));
            assertEquals(m.get("jetstream_server_total_message_bytes{" + sid + "}"),
                    m.get("jetstream_stream_total_bytes{" + orders + "}"));
            assertEquals(0.0, m.get("jetstream_stream_total_messages{" + sid + ",account=\"$G\",stream_name=\"EMPTY\"}"));
        }
    }
}
