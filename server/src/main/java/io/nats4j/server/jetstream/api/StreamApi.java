package io.nats4j.server.jetstream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.jetstream.JsAccount;
import io.nats4j.server.jetstream.JsLimits;
import io.nats4j.server.jetstream.Stream;
import io.nats4j.server.jetstream.StreamConfig;
import io.nats4j.server.jetstream.StreamConfig.StorageType;
import io.nats4j.server.jetstream.StreamConfigCheck;
import io.nats4j.server.jetstream.store.StoreException;
import io.nats4j.server.jetstream.store.StoredMessage;
import io.nats4j.server.jetstream.store.StreamState;
import io.nats4j.server.monitor.GoTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The account and stream handlers of the {@code $JS.API} (nats-server's {@code jsAccountInfoRequest},
 * {@code jsStreamCreateRequest}, ...): JSON fields, response types, errors and their order as nats-server 2.10.
 */
public final class StreamApi {

    static final String ACCOUNT_INFO = "io.nats.jetstream.api.v1.account_info_response";
    static final String CREATE = "io.nats.jetstream.api.v1.stream_create_response";
    static final String UPDATE = "io.nats.jetstream.api.v1.stream_update_response";
    static final String INFO = "io.nats.jetstream.api.v1.stream_info_response";
    static final String DELETE = "io.nats.jetstream.api.v1.stream_delete_response";
    static final String NAMES = "io.nats.jetstream.api.v1.stream_names_response";
    static final String LIST = "io.nats.jetstream.api.v1.stream_list_response";
    static final String PURGE = "io.nats.jetstream.api.v1.stream_purge_response";
    static final String MSG_GET = "io.nats.jetstream.api.v1.stream_msg_get_response";
    static final String MSG_DELETE = "io.nats.jetstream.api.v1.stream_msg_delete_response";
    /** nats-server's JSApiNamesLimit and JSApiListLimit. */
    static final int NAMES_LIMIT = 1024;
    static final int LIST_LIMIT = 256;

    private final JetStream js;

    private StreamApi(JetStream js) {
        this.js = js;
    }

    /** Registers the account and stream handlers. */
    public static void register(JetStream js, JsApi api) {
        StreamApi h = new StreamApi(js);
        api.register("INFO", ACCOUNT_INFO, h::accountInfo);
        api.register("STREAM.CREATE.*", CREATE, h::create);
        api.register("STREAM.UPDATE.*", UPDATE, h::update);
        api.register("STREAM.INFO.*", INFO, StreamApi::paged, h::info);
        api.register("STREAM.DELETE.*", DELETE, h::delete);
        api.register("STREAM.NAMES", NAMES, o -> paged(o).putNull("streams"), h::names);
        api.register("STREAM.LIST", LIST, o -> paged(o).putNull("streams"), h::list);
        api.register("STREAM.PURGE.*", PURGE, o -> o.put("purged", 0), h::purge);
        api.register("STREAM.MSG.GET.*", MSG_GET, h::msgGet);
        api.register("STREAM.MSG.DELETE.*", MSG_DELETE, h::msgDelete);
        SnapshotApi sa = SnapshotApi.register(js, api, h);
        api.onShutdown(sa::shutdown);
    }

    /** The zero ApiPaged fields of an error answer. */
    private static ObjectNode paged(ObjectNode o) {
        o.put("total", 0);
        o.put("offset", 0);
        o.put("limit", 0);
        return o;
    }

    // ------------------------------------------------------------------ account

    private void accountInfo(ApiRequest r) {
        JsAccount a = r.jsAccount();
        ObjectNode o = r.newResponse();
        o.put("memory", a.usage(StorageType.MEMORY));
        o.put("storage", a.usage(StorageType.FILE));
        o.put("reserved_memory", a.reserved(StorageType.MEMORY));
        o.put("reserved_storage", a.reserved(StorageType.FILE));
        o.put("streams", a.streamCount());
        o.put("consumers", consumerCount(a));
        limitsJson(o.putObject("limits"), a.limits());
        if (js.domain() != null) {
            o.put("domain", js.domain());
        }
        ObjectNode api = o.putObject("api");
        api.put("total", js.api().totalRequests());
        api.put("errors", js.api().errorCount());
        r.respond(o);
    }

    private static int consumerCount(JsAccount a) {
        int n = 0;
        for (Stream s : a.streams()) {
            n += s.store().state().consumers();
        }
        return n;
    }

    static void limitsJson(ObjectNode o, JsLimits l) {
        o.put("max_memory", l.maxMemory());
        o.put("max_storage", l.maxStore());
        o.put("max_streams", l.maxStreams());
        o.put("max_consumers", l.maxConsumers());
        o.put("max_ack_pending", l.maxAckPending());
        o.put("memory_max_stream_bytes", l.memoryMaxStreamBytes());
        o.put("storage_max_stream_bytes", l.storeMaxStreamBytes());
        o.put("max_bytes_required", l.maxBytesRequired());
    }

    // ------------------------------------------------------------------ create, update, delete

    private StreamConfig parseConfig(ApiRequest r) {
        if (r.payload() == null || r.payload().length == 0) {
            throw new ApiException(JsError.INVALID_JSON);
        }
        try {
            return StreamConfig.parse(r.json());
        } catch (IllegalArgumentException e) {
            throw new ApiException(JsError.INVALID_JSON);
        }
    }

    private void create(ApiRequest r) {
        StreamConfig req = parseConfig(r);
        String name = r.arg(0);
        if (!name.equals(req.name())) {
            throw new ApiException(JsError.STREAM_MISMATCH);
        }
        if (name.contains("/") || name.contains("\\")) {
            throw new ApiException(JsError.STREAM_NAME_CONTAINS_PATH_SEPARATORS);
        }
        if (req.sealed()) {
            throw new ApiException(JsError.STREAM_INVALID_CONFIG.with("{err}", "stream configuration for create can not be sealed"));
        }
        if (req.mirrorDirect() && req.mirror() == null) {
            throw new ApiException(JsError.STREAM_INVALID_CONFIG.with("{err}", "stream has no mirror but does have mirror direct"));
        }
        JsAccount a = r.jsAccount();
        JsLimits lim = a.limits();
        StreamConfig cfg = StreamConfigCheck.check(req, js.options().duplicateWindowLimitNanos, lim, otherConfigs(a, null));
        Stream existing = a.stream(name);
        if (existing != null) {
            if (existing.config().equals(cfg)) {
                ObjectNode o = r.newResponse();
                streamInfo(o, existing, false, null, 0);
                r.respond(o);
                return;
            }
            throw new ApiException(JsError.STREAM_NAME_EXIST);
        }
        if (lim.maxStreams() > 0 && a.streamCount() >= lim.maxStreams()) {
            throw new ApiException(JsError.MAXIMUM_STREAMS_LIMIT);
        }
        if (lim.maxConsumers() > 0 && cfg.maxConsumers() > lim.maxConsumers()) {
            throw new ApiException(JsError.MAXIMUM_CONSUMERS_LIMIT);
        }
        checkBytes(a, cfg, 0);
        Stream s;
        try {
            s = a.createStream(cfg);
        } catch (StoreException e) {
            js.server().logger().warn("Stream create failed for '" + a.name() + " > " + name + "': " + e.getMessage());
            throw new ApiException(JsError.STREAM_STORE_FAILED.with("{err}", "error creating store for stream"));
        }
        ObjectNode o = r.newResponse();
        streamInfo(o, s, false, null, 0);
        o.put("did_create", true);
        r.respond(o);
    }

    /** nats-server's checkBytesLimits: the account's and the server's memory or storage. */
    void checkBytes(JsAccount a, StreamConfig cfg, long oldReserved) {
        long add = cfg.maxBytes() < 0 ? 1 : cfg.maxBytes();
        JsLimits lim = a.limits();
        if (cfg.storage() == StorageType.MEMORY) {
            long res = a.reserved(StorageType.MEMORY) - oldReserved;
            if (lim.maxMemory() >= 0 && res + add > lim.maxMemory()
                    || js.reserved(StorageType.MEMORY) - oldReserved + add > js.maxMemory()) {
                throw new ApiException(JsError.MEMORY_RESOURCES_EXCEEDED);
            }
        } else {
            long res = a.reserved(StorageType.FILE) - oldReserved;
            if (lim.maxStore() >= 0 && res + add > lim.maxStore()
                    || js.reserved(StorageType.FILE) - oldReserved + add > js.maxStore()) {
                throw new ApiException(JsError.STORAGE_RESOURCES_EXCEEDED);
            }
        }
    }

    static List<StreamConfig> otherConfigs(JsAccount a, String except) {
        List<StreamConfig> l = new ArrayList<>();
        for (Stream s : a.streams()) {
            if (!s.name().equals(except)) {
                l.add(s.config());
            }
        }
        return l;
    }

    private void update(ApiRequest r) {
        StreamConfig req = parseConfig(r);
        String name = r.arg(0);
        if (!name.equals(req.name())) {
            throw new ApiException(JsError.STREAM_MISMATCH);
        }
        JsAccount a = r.jsAccount();
        Stream s = a.stream(name);
        StreamConfig cfg;
        try {
            cfg = StreamConfigCheck.check(req, js.options().duplicateWindowLimitNanos, a.limits(), otherConfigs(a, name));
        } catch (ApiException e) {
            throw e;
        }
        if (s == null) {
            throw new ApiException(JsError.STREAM_NOT_FOUND);
        }
        if (cfg.replicas() != s.config().replicas()) {
            throw new ApiException(JsError.STREAM_REPLICAS_NOT_UPDATABLE);
        }
        cfg = StreamConfigCheck.checkUpdate(s.config(), cfg);
        long oldMax = s.config().maxBytes() > 0 ? s.config().maxBytes() : 0;
        if (cfg.maxBytes() > oldMax) {
            checkBytes(a, cfg, oldMax);
        }
        try {
            a.updateStream(s, cfg);
        } catch (Exception e) {
            throw new ApiException(JsError.STREAM_UPDATE.with("{err}", rootMessage(e)));
        }
        ObjectNode o = r.newResponse();
        streamInfo(o, s, true, null, 0);
        r.respond(o);
    }

    private void delete(ApiRequest r) {
        JsAccount a = r.jsAccount();
        if (a.stream(r.arg(0)) == null) {
            throw new ApiException(JsError.STREAM_NOT_FOUND);
        }
        a.deleteStream(r.arg(0));
        ObjectNode o = r.newResponse();
        o.put("success", true);
        r.respond(o);
    }

    // ------------------------------------------------------------------ info, names, list

    private void info(ApiRequest r) {
        int offset = 0;
        String subjectsFilter = null;
        boolean details = false;
        if (!r.isEmpty()) {
            ObjectNode q = r.json();
            offset = q.path("offset").asInt(0);
            subjectsFilter = q.path("subjects_filter").asText(null);
            details = q.path("deleted_details").asBoolean(false);
        }
        Stream s = r.jsAccount().stream(r.arg(0));
        if (s == null) {
            throw new ApiException(JsError.STREAM_NOT_FOUND);
        }
        ObjectNode o = r.newResponse();
        if (subjectsFilter != null && !subjectsFilter.isEmpty()) {
            int total = s.store().subjectsState(subjectsFilter).size();
            if (total > 0) {
                o.put("total", total);
                o.put("offset", offset);
                o.put("limit", 100_000);
            } else {
                o.put("total", 0);
                o.put("offset", 0);
                o.put("limit", 0);
            }
        } else {
            o.put("total", 0);
            o.put("offset", 0);
            o.put("limit", 0);
        }
        streamInfo(o, s, true, subjectsFilter, offset);
        r.respond(o);
    }

    /** nats-server's StreamInfo fields into {@code o}. */
    void streamInfo(ObjectNode o, Stream s, boolean withCluster, String subjectsFilter, int offset) {
        o.set("config", s.config().toJson());
        o.put("created", GoTime.rfc3339Nano(instant(s.createdNanos())));
        stateJson(o.putObject("state"), s, subjectsFilter, offset);
        if (withCluster) {
            if (js.domain() != null) {
                o.put("domain", js.domain());
            }
            o.putObject("cluster").put("leader", js.server().serverName());
        }
        o.put("ts", GoTime.rfc3339Nano(Instant.now()));
    }

    static void stateJson(ObjectNode o, Stream s, String subjectsFilter, int offset) {
        StreamState st = s.store().state();
        o.put("messages", st.msgs());
        o.put("bytes", st.bytes());
        // a stream that never had a message reports 0 (nats-server's stores), after a purge last + 1
        o.put("first_seq", st.msgs() == 0 && st.lastSeq() == 0 ? 0 : st.firstSeq());
        o.put("first_ts", goTime(st.firstTimeNanos()));
        o.put("last_seq", st.lastSeq());
        o.put("last_ts", goTime(st.lastTimeNanos()));
        if (st.numSubjects() > 0) {
            o.put("num_subjects", st.numSubjects());
        }
        if (subjectsFilter != null && !subjectsFilter.isEmpty()) {
            TreeMap<String, Long> counts = new TreeMap<>();
            s.store().subjectsState(subjectsFilter).forEach((k, v) -> counts.put(k, v.msgs()));
            if (!counts.isEmpty()) {
                ObjectNode subs = o.putObject("subjects");
                int i = 0;
                for (Map.Entry<String, Long> e : counts.entrySet()) {
                    if (i++ < offset) {
                        continue;
                    }
                    if (i - offset > 100_000) {
                        break;
                    }
                    subs.put(e.getKey(), e.getValue());
                }
            }
        }
        if (st.numDeleted() > 0) {
            o.put("num_deleted", st.numDeleted());
        }
        o.put("consumer_count", st.consumers());
    }

    private static String goTime(long nanos) {
        return nanos == 0 ? "0001-01-01T00:00:00Z" : GoTime.rfc3339Nano(instant(nanos));
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    }

    /** The streams of a names/list request: filtered by subject, sorted, from the offset. */
    private List<Stream> page(ApiRequest r, int[] offsetOut, int[] totalOut, int limit) {
        int offset = 0;
        String filter = null;
        if (!r.isEmpty()) {
            ObjectNode q = r.json();
            JsonNode off = q.get("offset");
            if (off != null && !off.isNull() && !off.isIntegralNumber()) {
                throw new ApiException(JsError.INVALID_JSON);
            }
            offset = Math.max(0, q.path("offset").asInt(0));
            JsonNode subj = q.get("subject");
            if (subj != null && !subj.isNull()) {
                if (!subj.isTextual()) {
                    throw new ApiException(JsError.INVALID_JSON);
                }
                filter = subj.asText();
            }
        }
        List<Stream> all = new ArrayList<>();
        for (Stream s : r.jsAccount().streams()) {
            if (filter == null || filter.isEmpty() || matches(s.config(), filter)) {
                all.add(s);
            }
        }
        int total = all.size();
        if (offset > total) {
            offset = total;
        }
        offsetOut[0] = offset;
        totalOut[0] = total;
        return all.subList(offset, Math.min(total, offset + limit));
    }

    private static boolean matches(StreamConfig c, String filter) {
        for (String subj : c.subjects()) {
            if (StreamConfigCheck.collide(filter, subj)) {
                return true;
            }
        }
        return false;
    }

    private void names(ApiRequest r) {
        int[] off = new int[1];
        int[] total = new int[1];
        List<Stream> page = page(r, off, total, NAMES_LIMIT);
        ObjectNode o = r.newResponse();
        o.put("total", total[0]);
        o.put("offset", off[0]);
        o.put("limit", NAMES_LIMIT);
        ArrayNode a = o.putArray("streams");
        page.forEach(s -> a.add(s.name()));
        if (page.isEmpty()) {
            o.putNull("streams");
        }
        r.respond(o);
    }

    private void list(ApiRequest r) {
        int[] off = new int[1];
        int[] total = new int[1];
        List<Stream> page = page(r, off, total, LIST_LIMIT);
        ObjectNode o = r.newResponse();
        o.put("total", total[0]);
        o.put("offset", off[0]);
        o.put("limit", LIST_LIMIT);
        ArrayNode a = o.putArray("streams");
        for (Stream s : page) {
            streamInfo(a.addObject(), s, true, null, 0);
        }
        r.respond(o);
    }

    // ------------------------------------------------------------------ purge, messages

    private void purge(ApiRequest r) {
        Stream s = r.jsAccount().stream(r.arg(0));
        if (s == null) {
            throw new ApiException(JsError.STREAM_NOT_FOUND);
        }
        if (s.config().sealed()) {
            throw new ApiException(JsError.STREAM_SEALED);
        }
        if (s.config().denyPurge()) {
            throw new ApiException(JsError.STREAM_PURGE_FAILED.with("{err}", "stream purge not permitted"));
        }
        String filter = null;
        long seq = 0;
        long keep = 0;
        if (!r.isEmpty()) {
            ObjectNode q = r.json();
            filter = q.path("filter").asText(null);
            seq = q.path("seq").asLong(0);
            keep = q.path("keep").asLong(0);
            if (seq > 0 && keep > 0) {
                throw new ApiException(JsError.BAD_REQUEST.with());
            }
        }
        final String f = filter;
        final long sq = seq;
        final long kp = keep;
        s.onWriter(() -> {
            long went = f == null && sq == 0 && kp == 0 ? s.store().purge() : s.store().purge(f, sq, kp);
            s.removedNotify(0);
            return went;
        }).whenComplete((went, err) -> {
            if (err != null) {
                r.error(JsError.STREAM_PURGE_FAILED.with("{err}", rootMessage(err)));
                return;
            }
            ObjectNode o = r.newResponse();
            o.put("success", true);
            o.put("purged", went);
            r.respond(o);
        });
    }

    private void msgDelete(ApiRequest r) {
        Stream s = r.jsAccount().stream(r.arg(0));
        if (s == null) {
            throw new ApiException(JsError.STREAM_NOT_FOUND);
        }
        if (s.config().sealed()) {
            throw new ApiException(JsError.STREAM_SEALED);
        }
        if (s.config().denyDelete()) {
            throw new ApiException(JsError.STREAM_MSG_DELETE_FAILED.with("{err}", "message delete not permitted"));
        }
        if (r.isEmpty()) {
            throw new ApiException(JsError.BAD_REQUEST);
        }
        ObjectNode q = r.json();
        long seq = q.path("seq").asLong(0);
        boolean noErase = q.path("no_erase").asBoolean(false);
        s.onWriter(() -> {
            boolean ok = noErase ? s.store().remove(seq) : s.store().erase(seq);
            if (ok) {
                s.removedNotify(seq);
            }
            return ok;
        }).whenComplete((ok, err) -> {
            if (err != null) {
                r.error(JsError.STREAM_MSG_DELETE_FAILED.with("{err}", rootMessage(err)));
            } else if (!ok) {
                r.error(JsError.SEQUENCE_NOT_FOUND.with("{seq}", seq));
            } else {
                ObjectNode o = r.newResponse();
                o.put("success", true);
                r.respond(o);
            }
        });
    }

    private void msgGet(ApiRequest r) {
        Stream s = r.jsAccount().stream(r.arg(0));
        if (s == null) {
            throw new ApiException(JsError.STREAM_NOT_FOUND);
        }
        if (r.isEmpty()) {
            throw new ApiException(JsError.BAD_REQUEST);
        }
        ObjectNode q = r.json();
        long seq = q.path("seq").asLong(0);
        String last = q.path("last_by_subj").asText("");
        String next = q.path("next_by_subj").asText("");
        // nats-server: exactly one of seq, last_by_subj (alone), or next_by_subj (with or without seq)
        if (seq > 0 && !last.isEmpty() || seq == 0 && last.isEmpty() && next.isEmpty()
                || !last.isEmpty() && !next.isEmpty()) {
            throw new ApiException(JsError.BAD_REQUEST);
        }
        StoredMessage m;
        if (!last.isEmpty()) {
            m = s.store().loadLast(last);
        } else if (!next.isEmpty()) {
            m = s.store().loadNext(next, Math.max(seq, 1));
        } else {
            m = s.store().load(seq);
        }
        if (m == null) {
            throw new ApiException(JsError.NO_MESSAGE_FOUND);
        }
        ObjectNode o = r.newResponse();
        ObjectNode msg = o.putObject("message");
        msg.put("subject", m.subject());
        msg.put("seq", m.seq());
        if (m.header() != null && m.header().length > 0) {
            msg.put("hdrs", Base64.getEncoder().encodeToString(m.header()));
        }
        if (m.payload() != null && m.payload().length > 0) {
            msg.put("data", Base64.getEncoder().encodeToString(m.payload()));
        }
        msg.put("time", GoTime.rfc3339Nano(instant(m.timestampNanos())));
        r.respond(o);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
