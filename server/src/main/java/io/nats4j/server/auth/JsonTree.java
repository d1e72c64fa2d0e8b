package io.nats4j.server.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Reads JSON into Jackson's tree nodes with jackson-core's streaming parser, without an {@code ObjectMapper}.
 * The first {@code ObjectMapper} of a JVM loads several hundred classes and sets up date formats (about 0.3 s on
 * a fresh JVM of a small machine), which an operator-mode server paid before it could open its port, only to
 * decode the JWTs in its config file. The tree is the one {@code ObjectMapper.readTree} builds with default
 * settings: ints as int, long or big-integer nodes by size, other numbers as doubles, the last of duplicate
 * keys kept, anything after the first value ignored.
 */
final class JsonTree {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Nesting deeper than this is refused (a JWT's claims are a few levels deep). */
    private static final int MAX_DEPTH = 64;

    private JsonTree() {
    }

    /** The first JSON value in {@code b}; null when there is none. */
    static JsonNode read(byte[] b) throws IOException {
        try (JsonParser p = FACTORY.createParser(b)) {
            JsonToken t = p.nextToken();
            return t == null ? null : value(p, t, 0);
        }
    }

    private static JsonNode value(JsonParser p, JsonToken t, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "JSON nested too deeply");
        }
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    o.replace(name, value(p, p.nextToken(), depth + 1));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(value(p, e, depth + 1));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected JSON token " + t);
        }
    }
}
