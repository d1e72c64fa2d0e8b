package io.nats4j.server.monitor;

import static io.nats4j.server.monitor.MonitorParams.decodeBool;
import static io.nats4j.server.monitor.MonitorParams.decodeInt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** nats-server's /jsz, and the JetStream config and stats JSON that /varz shares with it ({@link Monitor#jsz}). */
final class Jsz {

    private final NatsServer server;

    Jsz(NatsServer server) {
        this.server = server;
    }

    /** nats-server's JetStreamConfig JSON. */
    static void jsConfig(ObjectNode c, io.nats4j.server.jetstream.JetStream js) {
        c.put("max_memory", js.maxMemory());
        c.put("max_storage", js.maxStore());
        c.put("store_dir", js.storeDir().toString());
        java.time.Duration sync = js.options().syncInterval;
        if (sync != null && !sync.isZero()) {
            c.put("sync_interval", sync.toNanos());
        } else {
            c.put("sync_always", true); // nats4j's default: every batch is synced before it is acknowledged
        }
        if (js.domain() != null) {
            c.put("domain", js.domain());
        }
        if (js.options().uniqueTag != null && !js.options().uniqueTag.isEmpty()) {
            c.put("unique_tag", js.options().uniqueTag);
        }
    }

    /** nats-server's JetStreamStats JSON (server totals). */
    static void jsStats(ObjectNode n, io.nats4j.server.jetstream.JetStream js) {
        var mem = io.nats4j.server.jetstream.StreamConfig.StorageType.MEMORY;
        var file = io.nats4j.server.jetstream.StreamConfig.StorageType.FILE;
        n.put("memory", js.usage(mem));
        n.put("storage", js.usage(file));
        n.put("reserved_memory", js.reserved(mem));
        n.put("reserved_storage", js.reserved(file));
        n.put("accounts", js.accounts().size());
        n.put("ha_assets", 0);
        ObjectNode api = n.putObject("api");
        api.put("total", js.api().totalRequests());
        api.put("errors", js.api().errorCount());
    }

    /** nats-server's /jsz: server totals, and per account (streams, config) on request. */
    ObjectNode jsz(Map<String, String> q) throws MonitorException {
        boolean accounts = decodeBool(q, "accounts");
        boolean streams = decodeBool(q, "streams");
        boolean consumers = decodeBool(q, "consumers");
        boolean config = decodeBool(q, "config");
        decodeBool(q, "leader-only");
        int offset = decodeInt(q, "offset");
        int limit = decodeInt(q, "limit");
        String accFilter = q.getOrDefault("acc", "");
        io.nats4j.server.jetstream.JetStream js = server.jetStream();
        if (js != null) {
            return jszEnabled(js, accounts, streams || consumers, config, Math.max(0, offset), limit == 0 ? 1024 : limit,
                    accFilter);
        }
        ObjectNode n = GoJson.object();
        n.put("server_id", server.serverId());
        n.put("now", GoTime.rfc3339Nano(Instant.now()));
        n.put("disabled", true);
        ObjectNode cfg = n.putObject("config");
        cfg.put("max_memory", 0);
        cfg.put("max_storage", 0);
        n.put("memory", 0);
        n.put("storage", 0);
        n.put("reserved_memory", 0);
        n.put("reserved_storage", 0);
        n.put("accounts", 0);
        n.put("ha_assets", 0);
        ObjectNode api = n.putObject("api");
        api.put("total", 0);
        api.put("errors", 0);
        n.put("streams", 0);
        n.put("consumers", 0);
        n.put("messages", 0);
        n.put("bytes", 0);
        return n;
    }

    private ObjectNode jszEnabled(io.nats4j.server.jetstream.JetStream js, boolean accounts, boolean streams,
            boolean config, int offset, int limit, String accFilter) {
        ObjectNode n = GoJson.object();
        jsStats(n, js);
        n.put("server_id", server.serverId());
        n.put("now", GoTime.rfc3339Nano(Instant.now()));
        jsConfig(n.putObject("config"), js);
        if (streams && accFilter.isEmpty()) {
            accounts = true;
        }
        List<io.nats4j.server.jetstream.JsAccount> all = new java.util.ArrayList<>(js.accounts());
        all.sort(java.util.Comparator.comparing(io.nats4j.server.jetstream.JsAccount::name));
        int nStreams = 0;
        long msgs = 0;
        long bytes = 0;
        int nConsumers = 0;
        io.nats4j.server.jetstream.JsAccount target = null;
        for (io.nats4j.server.jetstream.JsAccount a : all) {
            if (a.name().equals(accFilter)) {
                target = a;
            }
            for (io.nats4j.server.jetstream.Stream s : a.streams()) {
                var st = s.store().state();
                nStreams++;
                msgs += st.msgs();
                bytes += st.bytes();
                nConsumers += st.consumers();
            }
        }
        n.put("streams", nStreams);
        n.put("consumers", nConsumers);
        n.put("messages", msgs);
        n.put("bytes", bytes);
        List<io.nats4j.server.jetstream.JsAccount> shown;
        if (target != null) {
            shown = List.of(target);
        } else if (accounts) {
            int from = Math.min(offset, all.size());
            shown = all.subList(from, Math.min(all.size(), from + limit));
        } else {
            shown = List.of();
        }
        if (!shown.isEmpty()) {
            var details = n.putArray("account_details");
            for (io.nats4j.server.jetstream.JsAccount a : shown) {
                ObjectNode d = details.addObject();
                d.put("name", a.name());
                d.put("id", a.name());
                d.put("memory", a.usage(io.nats4j.server.jetstream.StreamConfig.StorageType.MEMORY));
                d.put("storage", a.usage(io.nats4j.server.jetstream.StreamConfig.StorageType.FILE));
                d.put("reserved_memory", Math.max(0, a.limits().maxMemory()));
                d.put("reserved_storage", Math.max(0, a.limits().maxStore()));
                d.put("accounts", 0);
                d.put("ha_assets", 0);
                ObjectNode api = d.putObject("api");
                api.put("total", 0);
                api.put("errors", 0);
                if (streams) {
                    var sd = d.putArray("stream_detail");
                    for (io.nats4j.server.jetstream.Stream s : a.streams()) {
                        ObjectNode o = sd.addObject();
                        o.put("name", s.name());
                        long c = s.createdNanos();
                        o.put("created", GoTime.rfc3339Nano(Instant.ofEpochSecond(c / 1_000_000_000L, c % 1_000_000_000L)));
                        o.putObject("cluster").put("leader", server.serverName());
                        if (config) {
                            o.set("config", s.config().toJson());
                        }
                        var st = s.store().state();
                        ObjectNode so = o.putObject("state");
                        so.put("messages", st.msgs());
                        so.put("bytes", st.bytes());
                        so.put("first_seq", st.firstSeq());
                        so.put("last_seq", st.lastSeq());
                        so.put("consumer_count", st.consumers());
                    }
                }
            }
        }
        n.put("total", all.size());
        return n;
    }
}
