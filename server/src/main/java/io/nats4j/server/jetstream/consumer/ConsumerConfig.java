package io.nats4j.server.jetstream.consumer;

import static io.nats4j.server.jetstream.JsonFields.bool;
import static io.nats4j.server.jetstream.JsonFields.num;
import static io.nats4j.server.jetstream.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A consumer's configuration: nats-server's {@code ConsumerConfig}, with its JSON field names and encodings
 * (durations in nanoseconds, policies as lower-case words, {@code opt_start_time} as RFC 3339). Mutable while
 * it is read and defaulted; a running consumer keeps its own copy.
 */
public final class ConsumerConfig {

    public enum DeliverPolicy {
        ALL("all"), LAST("last"), NEW("new"), BY_START_SEQUENCE("by_start_sequence"),
        BY_START_TIME("by_start_time"), LAST_PER_SUBJECT("last_per_subject");

        final String json;

        DeliverPolicy(String json) {
            this.json = json;
        }

        static DeliverPolicy parse(String s) {
            for (DeliverPolicy p : values()) {
                if (p.json.equals(s)) {
                    return p;
                }
            }
            // nats-server also takes these spellings
            return switch (s) {
                case "undefined" -> ALL;
                case "by_start_time_sequence" -> BY_START_SEQUENCE;
                default -> throw new IllegalArgumentException("can not unmarshal \"" + s + "\"");
            };
        }
    }

    public enum AckPolicyConfig {
        NONE("none"), ALL("all"), EXPLICIT("explicit");

        final String json;

        AckPolicyConfig(String json) {
            this.json = json;
        }

        static AckPolicyConfig parse(String s) {
            for (AckPolicyConfig p : values()) {
                if (p.json.equals(s)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("can not unmarshal \"" + s + "\"");
        }

        io.nats4j.server.jetstream.store.AckPolicy store() {
            return switch (this) {
                case NONE -> io.nats4j.server.jetstream.store.AckPolicy.NONE;
                case ALL -> io.nats4j.server.jetstream.store.AckPolicy.ALL;
                case EXPLICIT -> io.nats4j.server.jetstream.store.AckPolicy.EXPLICIT;
            };
        }
    }

    public enum ReplayPolicy {
        INSTANT("instant"), ORIGINAL("original");

        final String json;

        ReplayPolicy(String json) {
            this.json = json;
        }

        static ReplayPolicy parse(String s) {
            for (ReplayPolicy p : values()) {
                if (p.json.equals(s)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("can not unmarshal \"" + s + "\"");
        }
    }

    public String durable = "";
    public String name = "";
    public String description = "";
    public DeliverPolicy deliverPolicy = DeliverPolicy.ALL;
    public long optStartSeq;
    /** Epoch nanoseconds, or null when not set. */
    public Instant optStartTime;
    public AckPolicyConfig ackPolicy = AckPolicyConfig.NONE;
    public long ackWaitNanos;
    public long maxDeliver;
    public List<Long> backoffNanos = new ArrayList<>();
    public String filterSubject = "";
    public List<String> filterSubjects = new ArrayList<>();
    public ReplayPolicy replayPolicy = ReplayPolicy.INSTANT;
    public long rateLimitBps;
    public String sampleFrequency = "";
    public long maxWaiting;
    public long maxAckPending;
    public long heartbeatNanos;
    public boolean flowControl;
    public boolean headersOnly;
    public long maxRequestBatch;
    public long maxRequestExpiresNanos;
    public long maxRequestMaxBytes;
    public String deliverSubject = "";
    public String deliverGroup = "";
    public long inactiveThresholdNanos;
    public long replicas;
    public boolean memoryStorage;
    public boolean direct;
    public Map<String, String> metadata = new LinkedHashMap<>();

    public boolean isDurable() {
        return !durable.isEmpty();
    }

    public boolean isPush() {
        return !deliverSubject.isEmpty();
    }

    /** The filters of {@code filter_subject} and {@code filter_subjects} together (empty: the whole stream). */
    public List<String> filters() {
        List<String> f = new ArrayList<>();
        if (!filterSubject.isEmpty()) {
            f.add(filterSubject);
        }
        f.addAll(filterSubjects);
        return f;
    }

    public ConsumerConfig copy() {
        ConsumerConfig c = fromJson(toJson());
        return c;
    }

    /**
     * Reads the {@code config} object of a create request. Unknown fields are ignored as Go's decoder does;
     * a field of the wrong type throws {@link IllegalArgumentException} (nats-server answers "invalid JSON").
     */
    public static ConsumerConfig fromJson(JsonNode n) {
        ConsumerConfig c = new ConsumerConfig();
        if (n == null || n.isNull()) {
            return c;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("config is not an object");
        }
        c.durable = text(n, "durable_name");
        c.name = text(n, "name");
        c.description = text(n, "description");
        if (n.hasNonNull("deliver_policy")) {
            c.deliverPolicy = DeliverPolicy.parse(text(n, "deliver_policy"));
        }
        c.optStartSeq = num(n, "opt_start_seq");
        if (n.hasNonNull("opt_start_time")) {
            try {
                c.optStartTime = java.time.OffsetDateTime.parse(text(n, "opt_start_time")).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("bad opt_start_time");
            }
        }
        if (n.hasNonNull("ack_policy")) {
            c.ackPolicy = AckPolicyConfig.parse(text(n, "ack_policy"));
        }
        c.ackWaitNanos = num(n, "ack_wait");
        c.maxDeliver = num(n, "max_deliver");
        JsonNode bo = n.get("backoff");
        if (bo != null && !bo.isNull()) {
            if (!bo.isArray()) {
                throw new IllegalArgumentException("backoff");
            }
            for (JsonNode d : bo) {
                if (!d.isIntegralNumber()) {
                    throw new IllegalArgumentException("backoff");
                }
                c.backoffNanos.add(d.asLong());
            }
        }
        c.filterSubject = text(n, "filter_subject");
        JsonNode fs = n.get("filter_subjects");
        if (fs != null && !fs.isNull()) {
            if (!fs.isArray()) {
                throw new IllegalArgumentException("filter_subjects");
            }
            for (JsonNode s : fs) {
                if (!s.isTextual()) {
                    throw new IllegalArgumentException("filter_subjects");
                }
                c.filterSubjects.add(s.asText());
            }
        }
        if (n.hasNonNull("replay_policy")) {
            c.replayPolicy = ReplayPolicy.parse(text(n, "replay_policy"));
        }
        c.rateLimitBps = num(n, "rate_limit_bps");
        c.sampleFrequency = text(n, "sample_freq");
        c.maxWaiting = num(n, "max_waiting");
        c.maxAckPending = num(n, "max_ack_pending");
        c.heartbeatNanos = num(n, "idle_heartbeat");
        c.flowControl = bool(n, "flow_control");
        c.headersOnly = bool(n, "headers_only");
        c.maxRequestBatch = num(n, "max_batch");
        c.maxRequestExpiresNanos = num(n, "max_expires");
        c.maxRequestMaxBytes = num(n, "max_bytes");
        c.deliverSubject = text(n, "deliver_subject");
        c.deliverGroup = text(n, "deliver_group");
        c.inactiveThresholdNanos = num(n, "inactive_threshold");
        c.replicas = num(n, "num_replicas");
        c.memoryStorage = bool(n, "mem_storage");
        c.direct = bool(n, "direct");
        JsonNode md = n.get("metadata");
        if (md != null && !md.isNull()) {
            if (!md.isObject()) {
                throw new IllegalArgumentException("metadata");
            }
            for (Map.Entry<String, JsonNode> e : md.properties()) {
                if (!e.getValue().isTextual()) {
                    throw new IllegalArgumentException("metadata");
                }
                c.metadata.put(e.getKey(), e.getValue().asText());
            }
        }
        return c;
    }

    /** The JSON nats-server writes for this config (fields with {@code omitempty} left out when zero). */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        putStr(o, "durable_name", durable);
        putStr(o, "name", name);
        putStr(o, "description", description);
        o.put("deliver_policy", deliverPolicy.json);
        putNum(o, "opt_start_seq", optStartSeq);
        if (optStartTime != null) {
            o.put("opt_start_time", JsTime.format(optStartTime));
        }
        o.put("ack_policy", ackPolicy.json);
        putNum(o, "ack_wait", ackWaitNanos);
        putNum(o, "max_deliver", maxDeliver);
        if (!backoffNanos.isEmpty()) {
            ArrayNode a = o.putArray("backoff");
            backoffNanos.forEach(a::add);
        }
        putStr(o, "filter_subject", filterSubject);
        if (!filterSubjects.isEmpty()) {
            ArrayNode a = o.putArray("filter_subjects");
            filterSubjects.forEach(a::add);
        }
        o.put("replay_policy", replayPolicy.json);
        putNum(o, "rate_limit_bps", rateLimitBps);
        putStr(o, "sample_freq", sampleFrequency);
        putNum(o, "max_waiting", maxWaiting);
        putNum(o, "max_ack_pending", maxAckPending);
        putNum(o, "idle_heartbeat", heartbeatNanos);
        if (flowControl) {
            o.put("flow_control", true);
        }
        if (headersOnly) {
            o.put("headers_only", true);
        }
        putNum(o, "max_batch", maxRequestBatch);
        putNum(o, "max_expires", maxRequestExpiresNanos);
        putNum(o, "max_bytes", maxRequestMaxBytes);
        putStr(o, "deliver_subject", deliverSubject);
        putStr(o, "deliver_group", deliverGroup);
        putNum(o, "inactive_threshold", inactiveThresholdNanos);
        o.put("num_replicas", replicas);
        if (memoryStorage) {
            o.put("mem_storage", true);
        }
        if (direct) {
            o.put("direct", true);
        }
        if (!metadata.isEmpty()) {
            ObjectNode m = o.putObject("metadata");
            metadata.forEach(m::put);
        }
        return o;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConsumerConfig c && toJson().equals(c.toJson());
    }

    @Override
    public int hashCode() {
        return Objects.hash(durable, name, deliverSubject);
    }

    private static void putStr(ObjectNode o, String k, String v) {
        if (v != null && !v.isEmpty()) {
            o.put(k, v);
        }
    }

    private static void putNum(ObjectNode o, String k, long v) {
        if (v != 0) {
            o.put(k, v);
        }
    }

}
