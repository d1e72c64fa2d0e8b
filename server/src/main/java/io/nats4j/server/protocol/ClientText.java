package io.nats4j.server.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Client-supplied bytes made safe for a log line: nothing a client sends can break a line or forge one (CR, LF and
 * other control characters are escaped). {@link #goQuote} is Go's {@code %q}, which nats-server uses for protocol
 * arguments in its log lines; {@link #escape} is the same without the quotes.
 */
public final class ClientText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ClientText() {
    }

    /** Go's {@code %q} of the bytes: double quotes, escapes for control bytes, {@code \xNN} for bytes that are not UTF-8. */
    public static String goQuote(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len + 2).append('"');
        appendEscaped(sb, b, off, len);
        return sb.append('"').toString();
    }

    /** Go's {@code %q} of a string. */
    public static String goQuote(String s) {
        return s == null ? "\"\"" : goQuote(s.getBytes(StandardCharsets.UTF_8), 0, utf8Length(s));
    }

    /** The string with the escapes of {@link #goQuote} but no quotes around it (null stays "null"). */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        if (isPlain(s)) {
            return s;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(b.length + 8);
        appendEscaped(sb, b, 0, b.length);
        return sb.toString();
    }

    /**
     * The string with only its control characters escaped ({@code \r}, {@code \n}, {@code \xNN}, {@code \u0085}...):
     * for a log line that already quotes what needs quoting. Returns {@code s} itself when it has none.
     */
    public static String controls(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && !isControl(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n + 8).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (!isControl(c)) {
                sb.append(c);
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x80) {
                sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    /** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static boolean isPlain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || Character.isSurrogate(c) || c == 0xfffd) {
                return false;
            }
        }
        return true;
    }

    private static void appendEscaped(StringBuilder sb, byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case 0x07 -> sb.append("\\a");
                    case 0x08 -> sb.append("\\b");
                    case 0x0c -> sb.append("\\f");
                    case 0x0b -> sb.append("\\v");
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
                        } else {
                            sb.append((char) c);
                        }
                    }
                }
                i++;
                continue;
            }
            int n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
            int cp = -1;
            if (n > 0 && i + n <= end) {
                cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
                for (int k = 1; k < n; k++) {
                    int cc = b[i + k] & 0xff;
                    if ((cc & 0xc0) != 0x80) {
                        cp = -1;
                        break;
                    }
                    cp = (cp << 6) | (cc & 0x3f);
                }
                int min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                    cp = -1;
                }
            }
            if (cp < 0) {
                sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
                i++;
            } else if (Character.isISOControl(cp) || !Character.isDefined(cp) || cp == 0xfeff || Character.getType(cp) == Character.FORMAT) {
                sb.append(cp > 0xffff ? String.format("\\U%08x", cp) : String.format("\\u%04x", cp));
                i += n;
            } else {
                sb.appendCodePoint(cp);
                i += n;
            }
        }
    }
}
