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
                default -> c < 0x20 || c == 0x7f || loneSurrogate(s, i) ? String.format(
                        c < 0x80 ? "\\x%02x" : "\\u%04x", (int) c) : null;
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

    /** Half of a surrogate pair without its other half (a message quoting one char of an emoji): not printable. */
    private static boolean loneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
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
