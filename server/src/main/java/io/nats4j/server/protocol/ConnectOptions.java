package io.nats4j.server.protocol;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a client's CONNECT. Absent fields keep nats-server's defaults (verbose, pedantic and echo
 * on). Unknown fields are ignored, as nats-server's JSON decoding does.
 *
 * <p>Parsed by a small JSON reader of our own instead of Jackson: CONNECT is the first thing a new client
 * sends, and loading Jackson there would cost a freshly started server hundreds of milliseconds.
 */
public final class ConnectOptions {

    public boolean verbose = true;
    public boolean pedantic = true;
    public boolean tlsRequired;
    public boolean echo = true;
    public boolean headers;
    public boolean noResponders;
    public long protocol;
    public String name = "";
    public String lang = "";
    public String version = "";
    public String user;
    public String pass;
    public String authToken;
    public String nkey;
    public String sig;
    public String jwt;
    public String account;
    public boolean newAccount;

    /** Parses a CONNECT JSON object; throws IllegalArgumentException when it is not valid JSON. */
    public static ConnectOptions parse(byte[] buf, int off, int len) {
        return parse(buf, off, len, null);
    }

    /**
     * Parses CONNECT's JSON as nats-server decodes it into its client options: on top of {@code previous} (a
     * second CONNECT changes only the fields it names; null = the defaults), {@code null} (the document or a
     * field) changes nothing, and a field of the wrong type, a fractional or out-of-range {@code protocol}, or a
     * document that is not an object fails (IllegalArgumentException: the client is closed).
     */
    public static ConnectOptions parse(byte[] buf, int off, int len, ConnectOptions previous) {
        String text = new String(buf, off, len, StandardCharsets.UTF_8);
        Object v = new Reader(text).readDocument();
        ConnectOptions o = previous == null ? new ConnectOptions() : previous.copy();
        if (v == null) {
            return o; // CONNECT null: Go's json leaves the options as they are
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("CONNECT is not a JSON object");
        }
        o.verbose = bool(m, "verbose", o.verbose);
        o.pedantic = bool(m, "pedantic", o.pedantic);
        o.tlsRequired = bool(m, "tls_required", o.tlsRequired);
        o.echo = bool(m, "echo", o.echo);
        o.headers = bool(m, "headers", o.headers);
        o.noResponders = bool(m, "no_responders", o.noResponders);
        o.newAccount = bool(m, "new_account", o.newAccount);
        Object p = m.get("protocol");
        if (p instanceof Long n) {
            o.protocol = n;
        } else if (p != null) {
            // Go decodes it into an int: 1.5, 1e0 and numbers beyond 64 bits are errors
            throw new IllegalArgumentException("protocol is not an integer");
        }
        o.name = str(m, "name", o.name);
        o.lang = str(m, "lang", o.lang);
        o.version = str(m, "version", o.version);
        o.user = str(m, "user", o.user);
        o.pass = str(m, "pass", o.pass);
        o.authToken = str(m, "auth_token", o.authToken);
        o.nkey = str(m, "nkey", o.nkey);
        o.sig = str(m, "sig", o.sig);
        o.jwt = str(m, "jwt", o.jwt);
        o.account = str(m, "account", o.account);
        return o;
    }

    /** Checks that {@code buf[off, off+len)} is one valid JSON document (an INFO a client sends). */
    public static void validateJson(byte[] buf, int off, int len) {
        new Reader(new String(buf, off, len, StandardCharsets.UTF_8)).readDocument();
    }

    private ConnectOptions copy() {
        ConnectOptions c = new ConnectOptions();
        c.verbose = verbose;
        c.pedantic = pedantic;
        c.tlsRequired = tlsRequired;
        c.echo = echo;
        c.headers = headers;
        c.noResponders = noResponders;
        c.protocol = protocol;
        c.name = name;
        c.lang = lang;
        c.version = version;
        c.user = user;
        c.pass = pass;
        c.authToken = authToken;
        c.nkey = nkey;
        c.sig = sig;
        c.jwt = jwt;
        c.account = account;
        c.newAccount = newAccount;
        return c;
    }

    private static boolean bool(Map<?, ?> m, String key, boolean dflt) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(key + " is not a boolean");
    }

    private static String str(Map<?, ?> m, String key, String dflt) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(key + " is not a string");
    }

    /** A strict, small recursive-descent JSON reader (objects, arrays, strings, numbers, literals). */
    static final class Reader {
        private static final int MAX_DEPTH = 32;
        private final String s;
        private int i;

        Reader(String s) {
            this.s = s;
        }

        Object readDocument() {
            Object v = value(0);
            skipWs();
            if (i != s.length()) {
                throw error("trailing characters");
            }
            return v;
        }

        private Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested too deeply");
            }
            skipWs();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        private Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            skipWs();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                skipWs();
                if (peek() != '"') {
                    throw error("expected a field name");
                }
                String k = string();
                skipWs();
                if (peek() != ':') {
                    throw error("expected ':'");
                }
                i++;
                m.put(k, value(depth + 1));
                skipWs();
                char c = peek();
                i++;
                if (c == '}') {
                    return m;
                }
                if (c != ',') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private java.util.List<Object> array(int depth) {
            java.util.List<Object> l = new java.util.ArrayList<>();
            i++;
            skipWs();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value(depth + 1));
                skipWs();
                char c = peek();
                i++;
                if (c == ']') {
                    return l;
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string() {
            i++;
            StringBuilder sb = null;
            int start = i;
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i);
                if (c == '"') {
                    String out = sb == null ? s.substring(start, i) : sb.append(s, start, i).toString();
                    i++;
                    return out;
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c == '\\') {
                    if (sb == null) {
                        sb = new StringBuilder();
                    }
                    sb.append(s, start, i);
                    i++;
                    if (i >= s.length()) {
                        throw error("unterminated escape");
                    }
                    char e = s.charAt(i++);
                    switch (e) {
                        case '"', '\\', '/' -> sb.append(e);
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'u' -> {
                            if (i + 4 > s.length()) {
                                throw error("bad unicode escape");
                            }
                            try {
                                sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            } catch (NumberFormatException ex) {
                                throw error("bad unicode escape");
                            }
                            i += 4;
                        }
                        default -> throw error("bad escape");
                    }
                    start = i;
                } else {
                    i++;
                }
            }
        }

        private Number number() {
            int start = i;
            if (peek() == '-') {
                i++;
            }
            while (i < s.length() && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String n = s.substring(start, i);
            try {
                if (n.indexOf('.') < 0 && n.indexOf('e') < 0 && n.indexOf('E') < 0) {
                    try {
                        return Long.parseLong(n);
                    } catch (NumberFormatException beyond64Bits) {
                        return new java.math.BigDecimal(n); // valid JSON; wrong only where an integer is due
                    }
                }
                return Double.parseDouble(n);
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) {
                throw error("unexpected literal");
            }
            i += word.length();
            return v;
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private void skipWs() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
        }
    }
}
