package io.nats4j.server.config;

import java.util.List;

/**
 * A config file or command line that cannot be used. The message is what the server prints: one
 * {@code file:line:col: reason} line per problem found (nats-server reports all problems of a file
 * at once, and so do we).
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    public ConfigException(String message) {
        super(message);
        this.errors = List.of(message);
    }

    /** One problem at a place; control characters of the reason (values quoted from the file) are escaped. */
    public ConfigException(Position at, String reason) {
        this(at + ": " + oneLine(reason));
    }

    /** The text with line breaks and other control characters escaped (Go's {@code %q} style), so it stays one line. */
    static String oneLine(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String esc = switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                case '\u2028', '\u2029', '\u0085' -> String.format("\\u%04x", (int) c);
                default -> c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : null;
            };
            if (esc != null && sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (sb != null) {
                if (esc != null) {
                    sb.append(esc);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    public ConfigException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    /** Each problem on its own, in the order found. */
    public List<String> errors() {
        return errors;
    }
}
