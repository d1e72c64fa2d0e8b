package io.nats4j.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * Old-format (nats-io/jwt v1) claims, read the way nats-io/jwt v2 reads them (its {@code migrateV1}): a v1
 * token is one whose claims have a top-level {@code type}; its signature covers the encoded claims only (not
 * the header); {@code type}, {@code tags} and (users, activations) {@code issuer_account} sit at the top level
 * instead of under {@code nats}; and only the fields v1 had are carried over. {@link #migrate} rewrites such
 * claims into the v2 shape, so every reader of claims handles one form.
 */
final class JwtV1 {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The {@code nats} fields each v1 claim type had (v1NatsOperator, v1NatsAccount, v1User, v1NatsActivation). */
    private static final Map<String, Set<String>> NATS_FIELDS = Map.of(
            "operator", Set.of("signing_keys", "account_server_url", "operator_service_urls", "system_account"),
            "account", Set.of("imports", "exports", "limits", "signing_keys", "revocations"),
            "user", Set.of("pub", "sub", "resp", "src", "times", "times_location", "subs", "data", "payload", "bearer_token"),
            "activation", Set.of("subject"));
    /** v1 account limits: NatsLimits and AccountLimits (no JetStream limits). */
    private static final Set<String> ACCOUNT_LIMITS = Set.of("subs", "data", "payload", "imports", "exports", "wildcards",
            "disallow_bearer", "conn", "leaf");

    private JwtV1() {
    }

    /** nats-io/jwt's identifier.Version: a non-empty top-level {@code type} makes the claims v1. */
    static boolean isV1(JsonNode claims) {
        String t = Jwt.text(claims, "type");
        return t != null && !t.isEmpty();
    }

    /** The v1 claims in the v2 shape: the fields v1 had, moved where v2 has them, {@code nats.version} 1. */
    static JsonNode migrate(JsonNode claims) {
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<String, JsonNode> e : claims.properties()) {
            switch (e.getKey()) {
                case "type", "tags", "issuer_account", "nats" -> {
                    // moved below
                }
                default -> out.set(e.getKey(), e.getValue());
            }
        }
        String type = Jwt.text(claims, "type");
        JsonNode v1 = claims.get("nats");
        ObjectNode nats = out.putObject("nats");
        Set<String> fields = NATS_FIELDS.getOrDefault(type, Set.of());
        if (v1 != null && v1.isObject()) {
            for (Map.Entry<String, JsonNode> e : v1.properties()) {
                if (fields.contains(e.getKey())) {
                    nats.set(e.getKey(), e.getValue());
                }
            }
        }
        switch (type) {
            case "user" -> {
                // v1 user limits not stated are unlimited (nats-io/jwt presets NoLimit before reading)
                for (String limit : new String[] {"subs", "data", "payload"}) {
                    if (!nats.has(limit)) {
                        nats.put(limit, Jwt.NO_LIMIT);
                    }
                }
                copyText(claims, "issuer_account", nats);
            }
            case "account" -> {
                JsonNode limits = nats.get("limits");
                if (limits != null && limits.isObject()) {
                    ObjectNode kept = NODES.objectNode();
                    for (Map.Entry<String, JsonNode> e : limits.properties()) {
                        if (ACCOUNT_LIMITS.contains(e.getKey())) {
                            kept.set(e.getKey(), e.getValue());
                        }
                    }
                    nats.set("limits", kept);
                }
            }
            case "activation" -> {
                // v1's nats.type was the import type: v2 calls it kind
                if (v1 != null && v1.has("type")) {
                    nats.set("kind", v1.get("type"));
                }
                copyText(claims, "issuer_account", nats);
            }
            default -> {
            }
        }
        JsonNode tags = claims.get("tags");
        if (tags != null) {
            nats.set("tags", tags);
        }
        nats.put("type", type);
        nats.put("version", 1);
        return out;
    }

    private static void copyText(JsonNode from, String field, ObjectNode to) {
        String v = Jwt.text(from, field);
        if (v != null) {
            to.put(field, v);
        }
    }
}
