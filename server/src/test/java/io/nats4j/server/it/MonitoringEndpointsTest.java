package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.Http;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The monitoring endpoints against both servers (-Dnats.test.server): field names, nesting, units, the
 * parameters of /connz and /subsz, closed connections with their reasons, error texts, JSONP. Field lists
 * were taken side by side from nats-server 2.9.10 -m.
 */
class MonitoringEndpointsTest {

    private static final String RFC3339_NANO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z";
    private static final String QUIET = "{\"verbose\":false,\"pedantic\":false,\"name\":\"%s\",\"lang\":\"raw\","
            + "\"version\":\"1.2.3\",\"protocol\":1}";

    private TestServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        server = TestServer.start(o);
        base = server.monitorUrl();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private RawClient client(String name) throws Exception {
        RawClient c = RawClient.open(server);
        c.connect(String.format(QUIET, name)).sync();
        return c;
    }

    private static void assertFields(JsonNode n, String... names) {
        for (String f : names) {
            assertTrue(n.has(f), "missing field \"" + f + "\" in " + n);
        }
    }

    @Test
    void varzHasNatsServerFieldsAndUnits() throws Exception {
        try (RawClient c = client("v")) {
            c.send("SUB foo 1\r\nPUB foo 5\r\nhello\r\n").expect("MSG foo 1 5\r\nhello\r\n");
            c.sync();
            JsonNode v = Http.json(base + "/varz");
            assertFields(v, "server_id", "server_name", "version", "proto", "go", "host", "port", "max_connections",
                    "ping_interval", "ping_max", "http_host", "http_port", "http_base_path", "https_port",
                    "auth_timeout", "max_control_line", "max_payload", "max_pending", "cluster", "gateway", "leaf",
                    "mqtt", "websocket", "jetstream", "tls_timeout", "write_deadline", "start", "now", "uptime",
                    "mem", "cores", "gomaxprocs", "cpu", "connections", "total_connections", "routes", "remotes",
                    "leafnodes", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "slow_consumers", "subscriptions",
                    "http_req_stats", "config_load_time");
            assertEquals(server.port(), v.get("port").asInt());
            assertEquals(server.monitorPort(), v.get("http_port").asInt());
            assertEquals(120_000_000_000L, v.get("ping_interval").asLong(), "nanoseconds, as Go's Duration");
            assertEquals(10_000_000_000L, v.get("write_deadline").asLong());
            assertEquals(2, v.get("auth_timeout").asDouble(), "seconds");
            assertEquals("2", v.get("auth_timeout").asText(), "Go prints a whole float64 without a fraction");
            assertTrue(v.get("start").asText().matches(RFC3339_NANO), v.get("start").asText());
            assertTrue(v.get("now").asText().matches(RFC3339_NANO));
            assertTrue(v.get("uptime").asText().matches("(\\d+[ydhm])*\\d+s"));
            assertEquals(1, v.get("connections").asInt());
            assertEquals(1, v.get("in_msgs").asLong());
            assertEquals(5, v.get("in_bytes").asLong());
            assertEquals(1, v.get("out_msgs").asLong());
            assertEquals(5, v.get("out_bytes").asLong());
            assertTrue(v.get("cluster").isObject() && v.get("jetstream").isObject());
            assertEquals(1, v.get("http_req_stats").get("/varz").asInt());
        }
    }

    @Test
    void connzShowsAnOpenConnectionWithCountersAndSubscriptions() throws Exception {
        try (RawClient c = client("c1")) {
            c.send("SUB foo 1\r\nSUB bar.* q 2\r\nPUB foo 5\r\nhello\r\n").expect("MSG foo 1 5\r\nhello\r\n");
            c.sync();
            JsonNode z = Http.json(base + "/connz?subs=detail");
            assertFields(z, "server_id", "now", "num_connections", "total", "offset", "limit", "connections");
            assertEquals(1, z.get("num_connections").asInt());
            assertEquals(1024, z.get("limit").asInt());
            JsonNode ci = z.get("connections").get(0);
            assertFields(ci, "cid", "kind", "type", "ip", "port", "start", "last_activity", "rtt", "uptime", "idle",
                    "pending_bytes", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "subscriptions", "name", "lang",
                    "version", "subscriptions_list_detail");
            assertFalse(ci.has("stop") || ci.has("reason") || ci.has("subscriptions_list"));
            assertEquals("Client", ci.get("kind").asText());
            assertEquals("nats", ci.get("type").asText());
            assertEquals("127.0.0.1", ci.get("ip").asText());
            assertEquals("c1", ci.get("name").asText());
            assertEquals("raw", ci.get("lang").asText());
            assertEquals("1.2.3", ci.get("version").asText());
            assertEquals(1, ci.get("in_msgs").asLong());
            assertEquals(5, ci.get("out_bytes").asLong());
            assertEquals(2, ci.get("subscriptions").asInt());
            assertTrue(ci.get("rtt").asText().matches("[0-9.]+(ns|µs|ms|s)"), ci.get("rtt").asText());
            Set<String> details = new HashSet<>();
            for (JsonNode d : ci.get("subscriptions_list_detail")) {
                assertFalse(d.has("account"), "no account inside connz details");
                details.add(d.get("subject").asText() + "|" + d.path("qgroup").asText("-") + "|"
                        + d.get("sid").asText() + "|" + d.get("msgs").asLong() + "|" + d.get("cid").asLong());
            }
            long cid = ci.get("cid").asLong();
            assertEquals(Set.of("foo|-|1|1|" + cid, "bar.*|q|2|0|" + cid), details);

            JsonNode plain = Http.json(base + "/connz?subs=1").get("connections").get(0);
            Set<String> subjects = new HashSet<>();
            plain.get("subscriptions_list").forEach(s -> subjects.add(s.asText()));
            assertEquals(Set.of("foo", "bar.*"), subjects);
        }
    }

    @Test
    void connzSortsPagesAndFindsByCid() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawClient c = client("s" + i);
                for (int s = 0; s <= i; s++) {
                    c.send("SUB x." + s + " " + (s + 1) + "\r\n");
                }
                c.sync();
                clients.add(c);
            }
            JsonNode bySubs = Http.json(base + "/connz?sort=subs").get("connections");
            assertEquals(List.of("s2", "s1", "s0"), names(bySubs));
            JsonNode byCid = Http.json(base + "/connz?sort=cid&offset=1&limit=1");
            assertEquals(3, byCid.get("total").asInt());
            assertEquals(1, byCid.get("num_connections").asInt());
            assertEquals(1, byCid.get("offset").asInt());
            assertEquals(List.of("s1"), names(byCid.get("connections")));
            long cid = bySubs.get(0).get("cid").asLong();
            JsonNode one = Http.json(base + "/connz?cid=" + cid);
            assertEquals(1, one.get("limit").asInt());
            assertEquals(List.of("s2"), names(one.get("connections")));
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    private static List<String> names(Iterable<JsonNode> conns) {
        List<String> out = new ArrayList<>();
        conns.forEach(c -> out.add(c.path("name").asText()));
        return out;
    }

    @Test
    void closedConnectionsAreListedWithTheirReason() throws Exception {
        try (RawClient big = client("big")) {
            big.send("PUB foo 2000000\r\n");
            big.expectClosed(Duration.ofSeconds(3));
        }
        try (RawClient gone = client("gone")) {
            gone.send("SUB a 1\r\n").sync();
        }
        // nats-server also lists the readiness probe of the test harness (a bare TCP connect): skip unnamed ones
        int before = waitForClosed(2).get("total").asInt();
        List<JsonNode> byReason = new ArrayList<>();
        Http.json(base + "/connz?state=closed&sort=reason").get("connections").forEach(ci -> {
            if (ci.has("name")) {
                byReason.add(ci);
            }
        });
        assertEquals(List.of("gone", "big"), names(byReason));
        assertEquals("Client Closed", byReason.get(0).get("reason").asText());
        assertEquals("Maximum Message Payload Exceeded", byReason.get(1).get("reason").asText());
        JsonNode goneInfo = byReason.get(0);
        assertFields(goneInfo, "stop", "reason", "uptime", "idle");
        assertTrue(goneInfo.get("stop").asText().matches(RFC3339_NANO));
        assertEquals(1, goneInfo.get("subscriptions").asInt(), "a closed connection keeps its subscription count");
        long goneCid = goneInfo.get("cid").asLong();
        JsonNode withSubs = Http.json(base + "/connz?state=closed&subs=1&cid=" + goneCid).get("connections").get(0);
        assertEquals("a", withSubs.get("subscriptions_list").get(0).asText());
        try (RawClient open = client("open")) {
            JsonNode any = Http.json(base + "/connz?state=any");
            assertEquals(before + 1, any.get("total").asInt());
            assertEquals(1, Http.json(base + "/connz").get("total").asInt());
        }
    }

    private JsonNode waitForClosed(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        JsonNode z;
        do {
            z = Http.json(base + "/connz?state=closed");
            if (z.get("total").asInt() >= n) {
                return z;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return z;
    }

    @Test
    void badParametersAnswer400WithNatsServerTexts() throws Exception {
        assertBadRequest("/connz?sort=bogus", "invalid sorting option: bogus");
        assertBadRequest("/connz?sort=stop", "sort by stop only valid on closed connections");
        assertBadRequest("/connz?sort=reason&state=any", "sort by reason only valid on closed connections");
        assertBadRequest("/connz?state=weird", "Error decoding state for weird");
        assertBadRequest("/connz?limit=x", "Error decoding int for 'limit': strconv.Atoi: parsing \"x\": invalid syntax");
        assertBadRequest("/connz?auth=maybe",
                "Error decoding boolean for 'auth': strconv.ParseBool: parsing \"maybe\": invalid syntax");
        assertBadRequest("/subsz?test=foo.*", "invalid test subject, must be valid publish subject: foo.*");
        Http.Response missing = Http.get(base + "/nothere");
        assertEquals(404, missing.status());
        assertEquals("404 page not found\n", missing.body());
    }

    private void assertBadRequest(String path, String text) throws Exception {
        Http.Response r = Http.get(base + path);
        assertEquals(400, r.status(), path);
        assertEquals(text, r.body(), path);
    }

    @Test
    void subszTestListsOnlyMatchingSubscriptions() throws Exception {
        try (RawClient c = client("subs")) {
            c.send("SUB foo 1\r\nSUB bar.* q 2\r\nSUB baz.> 3\r\n").sync();
            JsonNode stats = Http.json(base + "/subsz");
            assertFields(stats, "num_subscriptions", "num_cache", "num_inserts", "num_removes", "num_matches",
                    "cache_hit_rate", "max_fanout", "avg_fanout");
            assertFalse(stats.has("subscriptions_list"));
            JsonNode z = Http.json(base + "/subsz?subs=1&test=bar.x");
            assertFields(z, "server_id", "now", "num_subscriptions", "total", "offset", "limit", "subscriptions_list");
            assertEquals(1, z.get("total").asInt());
            JsonNode d = z.get("subscriptions_list").get(0);
            assertEquals("$G", d.get("account").asText());
            assertEquals("bar.*", d.get("subject").asText());
            assertEquals("q", d.get("qgroup").asText());
            assertEquals("2", d.get("sid").asText());
            JsonNode deep = Http.json(base + "/subsz?subs=1&test=baz.a.b");
            assertEquals("baz.>", deep.get("subscriptions_list").get(0).get("subject").asText());
        }
    }

    @Test
    void otherEndpointsHaveTheirEmptyShapes() throws Exception {
        JsonNode routez = Http.json(base + "/routez");
        assertFields(routez, "server_id", "now", "num_routes", "routes");
        assertEquals(0, routez.get("num_routes").asInt());
        JsonNode gw = Http.json(base + "/gatewayz");
        assertTrue(gw.get("outbound_gateways").isObject() && gw.get("inbound_gateways").isObject());
        JsonNode leafz = Http.json(base + "/leafz");
        assertEquals(0, leafz.get("leafnodes").asInt());
        assertTrue(leafz.get("leafs").isNull());
        JsonNode accountz = Http.json(base + "/accountz");
        Set<String> accounts = new HashSet<>();
        accountz.get("accounts").forEach(a -> accounts.add(a.asText()));
        assertTrue(accounts.contains("$G"), accounts.toString());
        JsonNode jsz = Http.json(base + "/jsz");
        assertTrue(jsz.get("disabled").asBoolean());
        assertFields(jsz, "server_id", "now", "config", "memory", "storage", "reserved_memory", "reserved_storage",
                "accounts", "ha_assets", "api", "streams", "consumers", "messages", "bytes");
        try (RawClient c = client("acc")) {
            JsonNode st = Http.json(base + "/accstatz").get("account_statz").get(0);
            assertFields(st, "acc", "conns", "leafnodes", "total_conns", "sent", "received", "slow_consumers");
            assertEquals("$G", st.get("acc").asText());
            assertEquals(1, st.get("conns").asInt());
            assertFields(st.get("sent"), "msgs", "bytes");
        }
        Http.Response health = Http.get(base + "/healthz");
        assertEquals(200, health.status());
        assertEquals("{\"status\":\"ok\"}", health.body());
        Http.Response jsonp = Http.get(base + "/varz?callback=cb");
        assertEquals("application/javascript", jsonp.contentType());
        assertTrue(jsonp.body().startsWith("cb({\n  \"server_id\": ") && jsonp.body().endsWith("})"));
        Http.Response index = Http.get(base + "/");
        assertTrue(index.body().contains("<a href=./varz>General</a>"), index.body());
        assertTrue(index.contentType().startsWith("text/html"));
    }
}
