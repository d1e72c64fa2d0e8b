package io.nats4j.server.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.jetstream.JsAccount;
import io.nats4j.server.jetstream.Stream;
import io.nats4j.server.jetstream.store.StreamState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * /metrics in the Prometheus text exposition format (version 0.0.4). Names follow the popular
 * prometheus-nats-exporter: {@code gnatsd_<endpoint>_<json field>}, so dashboards built for it keep
 * working: {@code gnatsd_varz_in_msgs} is /varz {@code in_msgs}. Every sample carries the
 * {@code server_id} label; account samples add {@code account}, per-connection samples (only with
 * {@code ?connz=true}) add {@code cid}, {@code name}, {@code ip}, {@code port}, {@code lang} and
 * {@code version}. docs/MONITORING.md has the full list.
 */
public final class PrometheusMetrics {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final NatsServer server;
    private final Monitor monitor;

    public PrometheusMetrics(NatsServer server, Monitor monitor) {
        this.server = server;
        this.monitor = monitor;
    }

    /** The scrape; {@code connz=true} adds one series per open connection and metric. */
    public String scrape(Map<String, String> q) throws MonitorException {
        boolean perConnection = MonitorParams.decodeBool(q, "connz");
        ObjectNode v = monitor.varz();
        String sid = "server_id=\"" + escape(server.serverId()) + "\"";
        StringBuilder sb = new StringBuilder(4096);
        varz(sb, sid, v, "connections", "gauge", "Open client connections");
        varz(sb, sid, v, "total_connections", "counter", "Client connections accepted since start");
        varz(sb, sid, v, "subscriptions", "gauge", "Subscriptions in all accounts");
        varz(sb, sid, v, "slow_consumers", "counter", "Clients closed as slow consumers since start");
        varz(sb, sid, v, "in_msgs", "counter", "Messages received from clients");
        varz(sb, sid, v, "out_msgs", "counter", "Messages delivered to clients");
        varz(sb, sid, v, "in_bytes", "counter", "Payload bytes received from clients");
        varz(sb, sid, v, "out_bytes", "counter", "Payload bytes delivered to clients");
        varz(sb, sid, v, "mem", "gauge", "Resident memory of the process in bytes");
        varz(sb, sid, v, "cpu", "gauge", "CPU use in percent of one core");
        varz(sb, sid, v, "cores", "gauge", "Processors available to the server");
        varz(sb, sid, v, "max_connections", "gauge", "Configured max_connections");
        varz(sb, sid, v, "max_payload", "gauge", "Configured max_payload in bytes");
        varz(sb, sid, v, "max_pending", "gauge", "Configured max_pending in bytes");
        varz(sb, sid, v, "routes", "gauge", "Open routes to other servers of the cluster");
        varz(sb, sid, v, "leafnodes", "gauge", "Leaf node connections (always 0: not built yet)");
        header(sb, "gnatsd_varz_uptime_seconds", "gauge", "Seconds since the server started (/varz start)");
        sample(sb, "gnatsd_varz_uptime_seconds", sid,
                Long.toString(Duration.between(server.startTime(), Instant.now()).getSeconds()));

        var stats = monitor.accountStats();
        header(sb, "gnatsd_accstatz_conns", "gauge", "Open client connections of the account");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_conns", acc(sid, s.account()), Long.toString(s.conns())));
        header(sb, "gnatsd_accstatz_total_conns", "counter", "Client connections of the account since start");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_total_conns", acc(sid, s.account()),
                Long.toString(s.totalConns())));
        header(sb, "gnatsd_accstatz_num_subscriptions", "gauge", "Subscriptions in the account");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_num_subscriptions", acc(sid, s.account()),
                Long.toString(s.subscriptions())));
        header(sb, "gnatsd_accstatz_sent_msgs", "counter", "Messages delivered to the account's clients");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_sent_msgs", acc(sid, s.account()),
                Long.toString(s.sentMsgs())));
        header(sb, "gnatsd_accstatz_sent_bytes", "counter", "Bytes delivered to the account's clients");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_sent_bytes", acc(sid, s.account()),
                Long.toString(s.sentBytes())));
        header(sb, "gnatsd_accstatz_received_msgs", "counter", "Messages published by the account's clients");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_received_msgs", acc(sid, s.account()),
                Long.toString(s.receivedMsgs())));
        header(sb, "gnatsd_accstatz_received_bytes", "counter", "Bytes published by the account's clients");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_received_bytes", acc(sid, s.account()),
                Long.toString(s.receivedBytes())));
        header(sb, "gnatsd_accstatz_slow_consumers", "counter", "The account's clients closed as slow consumers");
        stats.forEach(s -> sample(sb, "gnatsd_accstatz_slow_consumers", acc(sid, s.account()),
                Long.toString(s.slowConsumers())));

        jetStream(sb, sid);

        if (perConnection) {
            JsonNode conns = monitor.connz(Map.of("limit", Integer.toString(Integer.MAX_VALUE))).get("connections");
            for (String f : new String[] {"pending_bytes", "in_msgs", "out_msgs", "in_bytes", "out_bytes",
                    "subscriptions"}) {
                String name = "gnatsd_connz_" + f;
                header(sb, name, f.equals("pending_bytes") || f.equals("subscriptions") ? "gauge" : "counter",
                        "/connz " + f + " of one open connection");
                for (JsonNode c : conns) {
                    String labels = sid + ",cid=\"" + c.get("cid").asLong() + "\",name=\""
                            + escape(c.path("name").asText("")) + "\",ip=\"" + escape(c.path("ip").asText(""))
                            + "\",port=\"" + c.path("port").asInt() + "\",lang=\""
                            + escape(c.path("lang").asText("")) + "\",version=\""
                            + escape(c.path("version").asText("")) + "\"";
                    sample(sb, name, labels, c.get(f).asText());
                }
            }
        }
        return sb.toString();
    }

    /**
     * JetStream, with prometheus-nats-exporter's {@code jetstream_*} names (its jsz collector): server totals
     * always (zeros and {@code jetstream_server_jetstream_disabled 1} without JetStream), one series per stream
     * with {@code account} and {@code stream_name} labels. The same figures as /jsz, read from the same state.
     */
    private void jetStream(StringBuilder sb, String sid) {
        JetStream js = server.jetStream();
        List<Stream> streams = new ArrayList<>();
        List<String> streamAccounts = new ArrayList<>();
        List<StreamState> states = new ArrayList<>();
        long consumers = 0;
        long msgs = 0;
        long bytes = 0;
        if (js != null) {
            for (JsAccount a : js.accounts()) {
                for (Stream st : a.streams()) {
                    StreamState state = st.store().state();
                    streams.add(st);
                    streamAccounts.add(a.name());
                    states.add(state);
                    consumers += state.consumers();
                    msgs += state.msgs();
                    bytes += state.bytes();
                }
            }
        }
        jsServer(sb, sid, "jetstream_disabled", "1 when JetStream is off", js == null ? 1 : 0);
        jsServer(sb, sid, "total_streams", "Streams in JetStream", streams.size());
        jsServer(sb, sid, "total_consumers", "Consumers in JetStream", consumers);
        jsServer(sb, sid, "total_messages", "Messages stored in JetStream", msgs);
        jsServer(sb, sid, "total_message_bytes", "Bytes stored in JetStream", bytes);
        jsServer(sb, sid, "max_memory", "JetStream max_memory_store in bytes", js == null ? 0 : js.maxMemory());
        jsServer(sb, sid, "max_storage", "JetStream max_file_store in bytes", js == null ? 0 : js.maxStore());
        String[][] perStream = {
            {"total_messages", "Messages stored in the stream"},
            {"total_bytes", "Bytes stored in the stream"},
            {"first_seq", "The stream's first sequence"},
            {"last_seq", "The stream's last sequence"},
            {"consumer_count", "Consumers of the stream"}};
        for (String[] m : perStream) {
            String name = "jetstream_stream_" + m[0];
            header(sb, name, "gauge", m[1]);
            for (int i = 0; i < streams.size(); i++) {
                StreamState st = states.get(i);
                long value = switch (m[0]) {
                    case "total_messages" -> st.msgs();
                    case "total_bytes" -> st.bytes();
                    case "first_seq" -> st.firstSeq();
                    case "last_seq" -> st.lastSeq();
                    default -> st.consumers();
                };
                sample(sb, name, acc(sid, streamAccounts.get(i)) + ",stream_name=\"" + escape(streams.get(i).name())
                        + "\"", Long.toString(value));
            }
        }
    }

    private static void jsServer(StringBuilder sb, String sid, String field, String help, long value) {
        String name = "jetstream_server_" + field;
        header(sb, name, "gauge", help);
        sample(sb, name, sid, Long.toString(value));
    }

    private static String acc(String sid, String account) {
        return sid + ",account=\"" + escape(account) + "\"";
    }

    private static void varz(StringBuilder sb, String labels, ObjectNode v, String field, String type, String help) {
        String name = "gnatsd_varz_" + field;
        header(sb, name, type, help + " (/varz " + field + ")");
        JsonNode n = v.get(field);
        sample(sb, name, labels, n.isFloatingPointNumber() ? GoJson.goFloat(n.doubleValue()) : n.asText());
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder sb, String name, String labels, String value) {
        sb.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    /** Label value escaping of the text format: backslash, double quote and line feed. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
