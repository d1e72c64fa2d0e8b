package io.nats4j.server.protocol;

/**
 * Just enough JSON writing for INFO and the ports file without loading Jackson at start-up (start-up time
 * matters: harnesses give a launched server well under a second).
 */
public final class Json {

    private Json() {
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /**
     * Appends {@code s} as a quoted JSON string escaped as Go's encoding/json does (so INFO and monitoring
     * output match nats-server's bytes): {@code < > &} and U+2028/U+2029 as unicode escapes.
     */
    public static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c == '\u2028' || c == '\u2029') {
                        sb.append("\\u").append(Integer.toHexString(c));
                    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                        sb.append("\\u00").append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    public static String quote(String s) {
        return quote(new StringBuilder(s.length() + 2), s).toString();
    }
}
