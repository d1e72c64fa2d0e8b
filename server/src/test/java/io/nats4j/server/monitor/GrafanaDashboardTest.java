package io.nats4j.server.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.Http;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dist/grafana/nats4j-dashboard.json asks only for what /metrics serves: every PromQL expression of its panels
 * and template variables names metrics (and labels) that a running server's scrape contains.
 */
class GrafanaDashboardTest {

    /** Surefire runs in the module's directory; the dashboard lives at the repository's top. */
    static final Path DASHBOARD = Path.of("..", "dist", "grafana", "nats4j-dashboard.json");

    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "offset", "bool", "inf", "nan");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern MATCHERS = Pattern.compile("\\{([^}]*)}");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*(.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");

    /** The metric names and label names an expression refers to (PromQL, with Grafana's $variables). */
    record Refs(Set<String> metrics, Set<String> labels) {
    }

    static Refs refs(String expr) {
        Set<String> metrics = new TreeSet<>();
        Set<String> labels = new TreeSet<>();
        String s = expr.replaceAll("\\$\\{[^}]*}|\\$[a-zA-Z_][a-zA-Z0-9_]*", "1"); // Grafana variables
        Matcher lv = LABEL_VALUES.matcher(s);
        if (lv.matches()) { // a template variable's query: label_values(series, label)
            labels.add(lv.group(2));
            s = lv.group(1);
        }
        s = s.replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\""); // string literals (label values)
        Matcher m = MATCHERS.matcher(s);
        while (m.find()) {
            Matcher l = MATCHER_LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.add(l.group(1));
            }
        }
        s = MATCHERS.matcher(s).replaceAll(" ");
        m = GROUPING.matcher(s);
        while (m.find()) {
            for (String l : m.group(1).split(",")) {
                if (!l.isBlank()) {
                    labels.add(l.trim());
                }
            }
        }
        s = GROUPING.matcher(s).replaceAll(" ");
        s = s.replaceAll("\\[[^]]*]", " "); // range selectors
        m = IDENT.matcher(s);
        while (m.find()) {
            String id = m.group();
            int after = m.end();
            while (after < s.length() && s.charAt(after) == ' ') {
                after++;
            }
            boolean function = after < s.length() && s.charAt(after) == '(';
            if (!function && !KEYWORDS.contains(id.toLowerCase()) && !(m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1)))) {
                metrics.add(id);
            }
        }
        return new Refs(metrics, labels);
    }

    /** Every "expr" of the panels (rows included) and every template variable's query, by where it is. */
    static Map<String, String> expressions(JsonNode dashboard) {
        Map<String, String> out = new LinkedHashMap<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) {
            JsonNode p = panels.get(i);
            p.path("panels").forEach(panels::add);
            for (JsonNode t : p.path("targets")) {
                out.put("panel \"" + p.path("title").asText() + "\" " + t.path("refId").asText(), t.path("expr").asText());
            }
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                out.put("variable $" + v.path("name").asText(), q.isTextual() ? q.asText() : q.path("query").asText());
            }
        }
        return out;
    }

    /** Problems of the dashboard against a scrape: unknown metrics or labels, expressions naming no metric. */
    static List<String> problems(JsonNode dashboard, String scrape) {
        Set<String> exported = new TreeSet<>();
        Set<String> exportedLabels = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                exported.add(line.split(" ")[2]);
            } else if (!line.startsWith("#") && line.contains("{")) {
                Matcher l = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"").matcher(line.substring(line.indexOf('{')));
                while (l.find()) {
                    exportedLabels.add(l.group(1));
                }
            }
        }
        List<String> problems = new ArrayList<>();
        expressions(dashboard).forEach((where, expr) -> {
            Refs r = refs(expr);
            if (r.metrics().isEmpty()) {
                problems.add(where + ": no metric in " + expr);
            }
            for (String name : r.metrics()) {
                if (!exported.contains(name)) {
                    problems.add(where + ": " + name + " is not exported by /metrics");
                }
            }
            for (String label : r.labels()) {
                if (!exportedLabels.contains(label)) {
                    problems.add(where + ": label " + label + " is on no exported sample");
                }
            }
        });
        return problems;
    }

    @TempDir
    Path storeDir;

    @Test
    void everyQueryOfTheDashboardNamesAMetricTheServerExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        assertTrue(expressions(dashboard).size() >= 20, "the dashboard's queries were found");
        ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        o.jetStream.enabled = true; // and a stream, so that the per-stream samples (and their labels) exist
        o.jetStream.storeDir = storeDir;
        try (NatsServer server = new NatsServer(o)) {
            server.start();
            try (Connection nc = Nats.connect(server.clientUrl())) {
                nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("ORDERS").subjects("orders.>")
                        .storageType(StorageType.Memory).build());
                nc.jetStream().publish("orders.1", new byte[10]);
            }
            try (RawClient c = RawClient.open(server.port(), 0)) { // so that account samples exist
                c.connect("{\"verbose\":false,\"pedantic\":false}").sync();
                String scrape = Http.get("http://127.0.0.1:" + server.monitorPort() + "/metrics").body();
                assertEquals(List.of(), problems(dashboard, scrape));
            }
        }
    }

    @Test
    void theCheckFindsMetricsAndLabelsInPromQl() {
        assertEquals(new Refs(Set.of("gnatsd_varz_in_msgs"), Set.of("server_id")),
                refs("sum by (server_id) (rate(gnatsd_varz_in_msgs{server_id=~\"$server\"}[$__rate_interval]))"));
        assertEquals(new Refs(Set.of("a_total", "b"), Set.of("account", "x")),
                refs("sum without (account) (increase(a_total{x!=\"y{z}\"}[1h])) / on() group_left b * 2"));
        assertEquals(new Refs(Set.of("gnatsd_accstatz_conns"), Set.of("account", "server_id")),
                refs("label_values(gnatsd_accstatz_conns{server_id=~\"$server\"}, account)"));
        JsonNode broken = new ObjectMapper().createObjectNode().set("panels", new ObjectMapper().createArrayNode()
                .add(new ObjectMapper().createObjectNode().put("title", "t").set("targets", new ObjectMapper()
                        .createArrayNode().add(new ObjectMapper().createObjectNode().put("refId", "A")
                                .put("expr", "rate(gnatsd_varz_in_msg[5m])")))));
        String scrape = "# TYPE gnatsd_varz_in_msgs counter\ngnatsd_varz_in_msgs{server_id=\"N\"} 1\n";
        List<String> p = problems(broken, scrape);
        assertFalse(p.isEmpty());
        assertEquals(List.of("panel \"t\" A: gnatsd_varz_in_msg is not exported by /metrics"), p);
    }
}
