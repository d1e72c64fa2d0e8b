package io.nats4j.server.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Writes a Jackson tree the way Go's {@code encoding/json} does, so monitoring output matches
 * nats-server byte for byte in layout: {@code MarshalIndent(v, "", "  ")} ({@code "key": value}, one array
 * element per line, {@code []} and {@code {}} for empty containers), Go's float format (2, 0.75, 1e-07)
 * and Go's HTML-safe string escaping ({@code <}, {@code >}, {@code &} as {@code \u003c} ...).
 */
public final class GoJson {


    private GoJson() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** {@code json.MarshalIndent(v, "", "  ")}. */
    public static String pretty(JsonNode node) {
        StringBuilder sb = new StringBuilder(1024);
        write(sb, node, 0, true);
        return sb.toString();
    }

    /** {@code json.Marshal(v)}. */
    public static String compact(JsonNode node) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, node, 0, false);
        return sb.toString();
    }

    private static void write(StringBuilder sb, JsonNode n, int depth, boolean indent) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                if (n.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    newline(sb, depth + 1, indent);
                    quote(sb, e.getKey());
                    sb.append(indent ? ": " : ":");
                    write(sb, e.getValue(), depth + 1, indent);
                }
                newline(sb, depth, indent);
                sb.append('}');
            }
            case ARRAY -> {
                if (n.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int i = 0; i < n.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    newline(sb, depth + 1, indent);
                    write(sb, n.get(i), depth + 1, indent);
                }
                newline(sb, depth, indent);
                sb.append(']');
            }
            case STRING -> quote(sb, n.textValue());
            case BOOLEAN -> sb.append(n.booleanValue());
            case NUMBER -> {
                if (n.isFloatingPointNumber()) {
                    sb.append(goFloat(n.doubleValue()));
                } else {
                    sb.append(n.asText());
                }
            }
            default -> sb.append("null");
        }
    }

    private static void newline(StringBuilder sb, int depth, boolean indent) {
        if (indent) {
            sb.append('\n');
            for (int i = 0; i < depth; i++) {
                sb.append("  ");
            }
        }
    }

    /** Go's float64 encoding: shortest representation, exponent form below 1e-6 and from 1e21. */
    static String goFloat(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "0"; // Go refuses to encode these; a monitoring value is never one
        }
        if (d == 0) {
            return "0";
        }
        double abs = Math.abs(d);
        if (abs < 1e-6 || abs >= 1e21) {
            String s = Double.toString(d).replace("E", "e");
            // Go writes 1e-07 / 1e+21: a sign and at least two exponent digits
            int e = s.indexOf('e');
            String mant = s.substring(0, e);
            if (mant.endsWith(".0")) {
                mant = mant.substring(0, mant.length() - 2);
            }
            String exp = s.substring(e + 1);
            String sign = exp.startsWith("-") ? "-" : "+";
            String digits = exp.startsWith("-") ? exp.substring(1) : exp;
            return mant + "e" + sign + (digits.length() < 2 ? "0" + digits : digits);
        }
        return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }

    static void quote(StringBuilder sb, String s) {
        io.nats4j.server.protocol.Json.quote(sb, s);
    }
}
