package io.nats4j.server.jetstream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed reads of one field of a JetStream config object (stream and consumer configs alike): a missing or null field
 * is the type's zero value, as Go's JSON decoding leaves it; a field of the wrong type throws
 * {@link IllegalArgumentException} naming the field, which the API turns into nats-server's invalid-JSON error.
 */
public final class JsonFields {

    private JsonFields() {
    }

    /** A string field; "" when missing or null. */
    public static String text(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(k);
        }
        return v.asText();
    }

    /** An integer field that fits a long; 0 when missing or null. */
    public static long num(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(k);
        }
        return v.asLong();
    }

    /** A boolean field; false when missing or null. */
    public static boolean bool(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(k);
        }
        return v.asBoolean();
    }
}
