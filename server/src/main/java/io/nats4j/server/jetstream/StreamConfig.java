package io.nats4j.server.jetstream;

import static io.nats4j.server.jetstream.JsonFields.bool;
import static io.nats4j.server.jetstream.JsonFields.num;
import static io.nats4j.server.jetstream.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.jetstream.api.ApiRequest;
import io.nats4j.server.jetstream.store.StreamLimits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stream's configuration: the fields of nats-server 2.10's {@code StreamConfig}, with its JSON names,
 * parsed from a request ({@link #parse}) and written back ({@link #toJson}) in nats-server's field order.
 * Immutable; {@link StreamConfigCheck} applies the defaults and the rules. Durations are nanoseconds, as on the
 * wire. Fields nats4j does not act on yet (placement, mirror, sources) are kept as JSON so that they are
 * refused by name, not silently lost.
 */
public record StreamConfig(
        String name,
        String description,
        List<String> subjects,
        Retention retention,
        long maxConsumers,
        long maxMsgs,
        long maxBytes,
        long maxAgeNanos,
        long maxMsgsPerSubject,
        int maxMsgSize,
        Discard discard,
        StorageType storage,
        int replicas,
        boolean noAck,
        String templateOwner,
        long duplicateWindowNanos,
        JsonNode placement,
        JsonNode mirror,
        JsonNode sources,
        String compression,
        long firstSeq,
        JsonNode subjectTransform,
        JsonNode republish,
        boolean allowDirect,
        boolean mirrorDirect,
        boolean discardNewPerSubject,
        boolean sealed,
        boolean denyDelete,
        boolean denyPurge,
        boolean allowRollup,
        long consumerInactiveThresholdNanos,
        int consumerMaxAckPending,
        Map<String, String> metadata) {

    /** {@code retention}. */
    public enum Retention {
        LIMITS("limits"), INTEREST("interest"), WORKQUEUE("workqueue");

        public final String json;

        Retention(String json) {
            this.json = json;
        }
    }

    /** {@code discard}. */
    public enum Discard {
        OLD("old"), NEW("new");

        public final String json;

        Discard(String json) {
            this.json = json;
        }
    }

    /** {@code storage}. */
    public enum StorageType {
        FILE("file"), MEMORY("memory");

        public final String json;

        StorageType(String json) {
            this.json = json;
        }
    }

    public StreamConfig {
        subjects = subjects == null ? List.of() : List.copyOf(subjects);
        metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The limits the store applies itself. */
    public StreamLimits storeLimits() {
        return new StreamLimits(maxMsgs, maxBytes, maxAgeNanos, maxMsgsPerSubject, discard == Discard.NEW,
                discardNewPerSubject, maxMsgSize);
    }

    /** True for interest and work-queue retention: acknowledged messages leave the stream. */
    public boolean ackRemoves() {
        return retention != Retention.LIMITS;
    }

    // ------------------------------------------------------------------ JSON

    /**
     * Reads a configuration as a client sends it; values of the wrong JSON type throw
     * {@link IllegalArgumentException} (the API answers "invalid JSON"). Missing fields are zero, as Go's
     * decoder leaves them: the defaults are {@link StreamConfigCheck}'s job.
     */
    public static StreamConfig parse(JsonNode n) {
        return new StreamConfig(
                text(n, "name"),
                text(n, "description"),
                strings(n, "subjects"),
                retention(text(n, "retention")),
                num(n, "max_consumers"),
                num(n, "max_msgs"),
                num(n, "max_bytes"),
                num(n, "max_age"),
                num(n, "max_msgs_per_subject"),
                (int) num(n, "max_msg_size"),
                discard(text(n, "discard")),
                storage(text(n, "storage")),
                (int) num(n, "num_replicas"),
                bool(n, "no_ack"),
                text(n, "template_owner"),
                num(n, "duplicate_window"),
                obj(n, "placement"),
                obj(n, "mirror"),
                obj(n, "sources"),
                compression(text(n, "compression")),
                num(n, "first_seq"),
                obj(n, "subject_transform"),
                obj(n, "republish"),
                bool(n, "allow_direct"),
                bool(n, "mirror_direct"),
                bool(n, "discard_new_per_subject"),
                bool(n, "sealed"),
                bool(n, "deny_delete"),
                bool(n, "deny_purge"),
                bool(n, "allow_rollup_hdrs"),
                n.has("consumer_limits") ? num(n.get("consumer_limits"), "inactive_threshold") : 0,
                n.has("consumer_limits") ? (int) num(n.get("consumer_limits"), "max_ack_pending") : 0,
                metadata(n));
    }

    /** nats-server's JSON of this configuration (the same fields, order and omissions). */
    public ObjectNode toJson() {
        ObjectNode o = ApiRequest.MAPPER.createObjectNode();
        o.put("name", name);
        if (description != null && !description.isEmpty()) {
            o.put("description", description);
        }
        if (!subjects.isEmpty()) {
            ArrayNode a = o.putArray("subjects");
            subjects.forEach(a::add);
        }
        o.put("retention", retention.json);
        o.put("max_consumers", maxConsumers);
        o.put("max_msgs", maxMsgs);
        o.put("max_bytes", maxBytes);
        o.put("max_age", maxAgeNanos);
        o.put("max_msgs_per_subject", maxMsgsPerSubject);
        if (maxMsgSize != 0) {
            o.put("max_msg_size", maxMsgSize);
        }
        o.put("discard", discard.json);
        o.put("storage", storage.json);
        o.put("num_replicas", replicas);
        if (noAck) {
            o.put("no_ack", true);
        }
        if (templateOwner != null && !templateOwner.isEmpty()) {
            o.put("template_owner", templateOwner);
        }
        if (duplicateWindowNanos != 0) {
            o.put("duplicate_window", duplicateWindowNanos);
        }
        putIf(o, "placement", placement);
        putIf(o, "mirror", mirror);
        putIf(o, "sources", sources);
        o.put("compression", compression);
        if (firstSeq != 0) {
            o.put("first_seq", firstSeq);
        }
        putIf(o, "subject_transform", subjectTransform);
        putIf(o, "republish", republish);
        o.put("allow_direct", allowDirect);
        o.put("mirror_direct", mirrorDirect);
        if (discardNewPerSubject) {
            o.put("discard_new_per_subject", true);
        }
        o.put("sealed", sealed);
        o.put("deny_delete", denyDelete);
        o.put("deny_purge", denyPurge);
        o.put("allow_rollup_hdrs", allowRollup);
        ObjectNode cl = o.putObject("consumer_limits");
        if (consumerInactiveThresholdNanos != 0) {
            cl.put("inactive_threshold", consumerInactiveThresholdNanos);
        }
        if (consumerMaxAckPending != 0) {
            cl.put("max_ack_pending", consumerMaxAckPending);
        }
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = o.putObject("metadata");
            metadata.forEach(m::put);
        }
        return o;
    }

    private static void putIf(ObjectNode o, String k, JsonNode v) {
        if (v != null && !v.isNull()) {
            o.set(k, v);
        }
    }

    // ------------------------------------------------------------------ copies with one field changed

    public StreamConfig withSubjects(List<String> v) {
        return new StreamConfig(name, description, v, retention, maxConsumers, maxMsgs, maxBytes, maxAgeNanos,
                maxMsgsPerSubject, maxMsgSize, discard, storage, replicas, noAck, templateOwner, duplicateWindowNanos,
                placement, mirror, sources, compression, firstSeq, subjectTransform, republish, allowDirect,
                mirrorDirect, discardNewPerSubject, sealed, denyDelete, denyPurge, allowRollup,
                consumerInactiveThresholdNanos, consumerMaxAckPending, metadata);
    }

    /** The defaults nats-server fills in ({@code checkStreamCfg}): zero limits become -1, one replica, ... */
    StreamConfig withDefaults(long duplicateWindowNanos, long maxConsumers, long maxMsgs, long maxBytes,
            long maxMsgsPerSubject, int maxMsgSize, int replicas, StorageType storage, List<String> subjects) {
        return new StreamConfig(name, description, subjects, retention, maxConsumers, maxMsgs, maxBytes, maxAgeNanos,
                maxMsgsPerSubject, maxMsgSize, discard, storage, replicas, noAck, templateOwner, duplicateWindowNanos,
                placement, mirror, sources, compression, firstSeq, subjectTransform, republish, allowDirect,
                mirrorDirect, discardNewPerSubject, sealed, denyDelete, denyPurge, allowRollup,
                consumerInactiveThresholdNanos, consumerMaxAckPending, metadata);
    }

    /** A sealed stream's adjustments (nats-server's {@code configUpdateCheck}). */
    StreamConfig sealedAdjusted() {
        return new StreamConfig(name, description, subjects, retention, maxConsumers, maxMsgs, maxBytes, 0,
                maxMsgsPerSubject, maxMsgSize, Discard.NEW, storage, replicas, noAck, templateOwner,
                duplicateWindowNanos, placement, mirror, sources, compression, firstSeq, subjectTransform, republish,
                allowDirect, mirrorDirect, discardNewPerSubject, true, true, true, false,
                consumerInactiveThresholdNanos, consumerMaxAckPending, metadata);
    }

    // ------------------------------------------------------------------ field readers

    private static JsonNode obj(JsonNode n, String k) {
        JsonNode v = n.get(k);
        return v == null || v.isNull() ? null : v;
    }

    private static List<String> strings(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(k);
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new IllegalArgumentException(k);
            }
            out.add(e.asText());
        }
        return out;
    }

    private static Map<String, String> metadata(JsonNode n) {
        JsonNode v = n.get("metadata");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw new IllegalArgumentException("metadata");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("metadata");
            }
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    private static Retention retention(String s) {
        return switch (s) {
            case "", "limits" -> Retention.LIMITS;
            case "interest" -> Retention.INTEREST;
            case "workqueue" -> Retention.WORKQUEUE;
            default -> throw new IllegalArgumentException("retention");
        };
    }

    private static Discard discard(String s) {
        return switch (s) {
            case "", "old" -> Discard.OLD;
            case "new" -> Discard.NEW;
            default -> throw new IllegalArgumentException("discard");
        };
    }

    private static StorageType storage(String s) {
        return switch (s) {
            case "", "file" -> StorageType.FILE;
            case "memory" -> StorageType.MEMORY;
            default -> throw new IllegalArgumentException("storage");
        };
    }

    private static String compression(String s) {
        return switch (s) {
            case "", "none" -> "none";
            case "s2" -> "s2";
            default -> throw new IllegalArgumentException("compression");
        };
    }
}
