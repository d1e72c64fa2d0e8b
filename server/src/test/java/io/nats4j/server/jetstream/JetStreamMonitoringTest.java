package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.Http;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What clients and monitoring see of JetStream being on, against nats4j or nats-server -js. */
class JetStreamMonitoringTest {

    @TempDir
    Path dir;

    @Test
    void infoVarzJszHealthz() throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        try (TestServer s = TestServer.start(o, "jetstream { store_dir: \"" + dir + "\", max_memory_store: 64MB }")) {
            try (RawClient c = RawClient.open(s)) {
                assertTrue(c.info().contains("\"jetstream\":true"), c.info());
            }
            try (Connection nc = Nats.connect(s.url())) {
                nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("M").subjects("m")
                        .storageType(StorageType.Memory).build());
                nc.jetStream().publish("m", new byte[100]);
            }
            JsonNode varz = Http.json(s.monitorUrl() + "/varz");
            assertEquals(64L << 20, varz.at("/jetstream/config/max_memory").asLong(), varz.get("jetstream").toString());
            assertEquals(1, varz.at("/jetstream/stats/accounts").asInt(), varz.get("jetstream").toString());
            assertTrue(varz.at("/jetstream/stats/api/total").asLong() >= 1);
            JsonNode jsz = Http.json(s.monitorUrl() + "/jsz");
            assertFalse(jsz.path("disabled").asBoolean());
            assertEquals(1, jsz.get("streams").asInt());
            assertEquals(1, jsz.get("messages").asInt());
            assertTrue(jsz.get("memory").asLong() > 100, jsz.toString());
            JsonNode det = Http.json(s.monitorUrl() + "/jsz?streams=true&config=true");
            assertEquals("M", det.at("/account_details/0/stream_detail/0/name").asText(), det.toString());
            assertEquals("M", det.at("/account_details/0/stream_detail/0/config/name").asText());
            assertEquals("ok", Http.json(s.monitorUrl() + "/healthz?js-enabled-only=true").get("status").asText());
        }
    }

    @Test
    void withoutJetStreamInfoHasNoFlagAndApiHasNoResponder() throws Exception {
        try (TestServer s = TestServer.start(TestServer.defaultOptions())) {
            try (RawClient c = RawClient.open(s)) {
                assertFalse(c.info().contains("jetstream"), c.info());
            }
        }
    }
}
