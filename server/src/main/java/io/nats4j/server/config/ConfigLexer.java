package io.nats4j.server.config;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;

/**
 * Splits NATS config text into tokens. The format is context sensitive (a key ends at a separator or
 * blank, an unquoted value at a line end, ';', ',', ']' or '}'), so the lexer keeps a stack of the
 * open maps and arrays and knows whether it expects a key, a value, or the end of a value.
 *
 * <p>Accepted like nats-server: {@code =}, {@code :} or blanks between key and value; {@code #} and
 * {@code //} comments; double-quoted strings with {@code \t \n \r \" \\ \xXX} escapes; single-quoted
 * raw strings; unquoted strings (escapes allowed, {@code true/yes/on/false/no/off} are booleans,
 * {@code $NAME} is a variable); block strings between {@code (} and a {@code )} alone on its line;
 * integers with size suffixes ({@code k}=1000, {@code kb}/{@code ki}/{@code kib}=1024, also m, g, t,
 * p, e); floats; Zulu datetimes; IP addresses such as {@code 127.0.0.1:4222} as strings;
 * {@code include file}; an optional pair of braces around the whole file.
 */
final class ConfigLexer {

    enum Kind {
        KEY, INCLUDE, STRING, INTEGER, FLOAT, BOOL, DATETIME, VARIABLE, ARRAY_START, ARRAY_END, MAP_START,
        MAP_END, EOF
    }

    /** One token; {@code text} is the decoded text (quotes removed, escapes applied). */
    record Token(Kind kind, String text, Position position) {
    }

    private enum Ctx { TOP, MAP, ARRAY }

    private enum State { KEY, KEY_END, VALUE, ARRAY_VALUE, AFTER_VALUE }

    private static final char EOF = '\0';

    private final String file;
    private final String in;
    private final int[] lineStarts;
    private int pos;
    private State state = State.KEY;
    private final Deque<Ctx> ctx = new ArrayDeque<>();
    /** Where each open map/array started, parallel to {@link #ctx}. */
    private final Deque<Integer> ctxStart = new ArrayDeque<>();
    private String lastKey;

    ConfigLexer(String file, String input) {
        this.file = file;
        this.in = input;
        this.ctx.push(Ctx.TOP);
        this.ctxStart.push(0);
        int[] starts = new int[16];
        int n = 0;
        starts[n++] = 0;
        for (int i = 0; i < input.length(); i++) {
            if (input.charAt(i) == '\n') {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, n);
    }

    /** The position of a character offset. */
    Position position(int offset) {
        int idx = Arrays.binarySearch(lineStarts, offset);
        int line = idx >= 0 ? idx : -idx - 2;
        return new Position(file, line + 1, offset - lineStarts[line] + 1);
    }

    Token next() throws ConfigException {
        while (true) {
            Token t = switch (state) {
                case KEY -> lexKey();
                case KEY_END -> lexKeyEnd();
                case VALUE -> lexValue();
                case ARRAY_VALUE -> lexArrayValue();
                case AFTER_VALUE -> lexAfterValue();
            };
            if (t != null) {
                return t;
            }
        }
    }

    // ---------------------------------------------------------------- states

    private Token lexKey() throws ConfigException {
        skipBlanksAndComments(true);
        char c = peek();
        Ctx top = ctx.peek();
        if (atEof()) {
            if (top == Ctx.TOP) {
                return new Token(Kind.EOF, "", position(pos));
            }
            throw unterminated();
        }
        int start = pos;
        if (top == Ctx.MAP && c == '}') {
            pos++;
            return closeContainer(Kind.MAP_END, start);
        }
        if (top == Ctx.TOP && (c == '{' || c == '}')) {
            pos++; // braces around the whole file, JSON style
            return null;
        }
        if (c == '=' || c == ':') {
            throw error(start, "unexpected key separator '" + c + "'");
        }
        String key;
        if (c == '"' || c == '\'') {
            int end = in.indexOf(c, start + 1);
            if (end < 0) {
                throw error(start, "unterminated quoted key");
            }
            key = in.substring(start + 1, end);
            pos = end + 1;
        } else {
            while (!atEof() && !Character.isWhitespace(peek()) && peek() != '=' && peek() != ':') {
                pos++;
            }
            key = in.substring(start, pos);
            if (key.toLowerCase(Locale.ROOT).equals("include") && !atEof() && Character.isWhitespace(peek())) {
                return lexInclude(start);
            }
        }
        lastKey = key;
        state = State.KEY_END;
        return new Token(Kind.KEY, key, position(start));
    }

    private Token lexKeyEnd() throws ConfigException {
        while (!atEof() && Character.isWhitespace(peek())) {
            pos++;
        }
        if (atEof()) {
            throw error(pos, "config is invalid: key \"" + lastKey + "\" has no value");
        }
        if (peek() == '=' || peek() == ':') {
            pos++;
        }
        state = State.VALUE;
        return null;
    }

    private Token lexInclude(int keywordStart) throws ConfigException {
        skipSpaces();
        int start = pos;
        char c = peek();
        String name;
        if (c == '"' || c == '\'') {
            int end = in.indexOf(c, start + 1);
            if (end < 0) {
                throw error(start, "unterminated include file name");
            }
            name = in.substring(start + 1, end);
            pos = end + 1;
        } else {
            String found = switch (c) {
                case '[' -> "start of an array";
                case '{' -> "start of a map";
                case '(' -> "start of a block";
                case '\\' -> "escape sequence";
                case '\n', '\r' -> "new line";
                case EOF -> "end of file";
                default -> c == '-' || isDigit(c) ? "start of a number" : null;
            };
            if (found != null) {
                throw error(start, "expected include value but found " + found);
            }
            while (!atEof() && !isNl(peek()) && peek() != ';' && peek() != '}' && !isBlank(peek())) {
                pos++;
            }
            name = in.substring(start, pos);
        }
        state = State.AFTER_VALUE;
        return new Token(Kind.INCLUDE, name, position(keywordStart));
    }

    private Token lexValue() throws ConfigException {
        skipSpaces();
        int start = pos;
        char c = peek();
        if (atEof()) {
            throw error(start, "expected a value but found end of file");
        }
        switch (c) {
            case '[' -> {
                pos++;
                open(Ctx.ARRAY, start);
                state = State.ARRAY_VALUE;
                return new Token(Kind.ARRAY_START, "[", position(start));
            }
            case '{' -> {
                pos++;
                open(Ctx.MAP, start);
                state = State.KEY;
                return new Token(Kind.MAP_START, "{", position(start));
            }
            case '\'' -> {
                int end = in.indexOf('\'', start + 1);
                if (end < 0) {
                    throw error(start, "unterminated quoted string");
                }
                pos = end + 1;
                return scalar(Kind.STRING, in.substring(start + 1, end), start);
            }
            case '"' -> {
                return lexDoubleQuoted(start);
            }
            case '(' -> {
                return lexBlock(start);
            }
            case '.' -> throw error(start, "floats must start with a digit");
            case '\n', '\r' -> throw error(start, "expected value but found new line");
            default -> {
                if (c == '-' || isDigit(c)) {
                    return lexNumber(start);
                }
                return lexUnquoted(start);
            }
        }
    }

    private Token lexArrayValue() throws ConfigException {
        skipBlanksAndComments(true);
        int start = pos;
        if (atEof()) {
            throw unterminated();
        }
        char c = peek();
        if (c == ']') {
            pos++;
            return closeContainer(Kind.ARRAY_END, start);
        }
        if (c == ',') {
            throw error(start, "unexpected array value terminator ','");
        }
        state = State.VALUE;
        return null;
    }

    private Token lexAfterValue() throws ConfigException {
        skipBlanksAndComments(false);
        int at = pos;
        char c = peek();
        Ctx top = ctx.peek();
        switch (top) {
            case TOP -> {
                if (atEof()) {
                    state = State.KEY;
                    return null;
                }
                if (isNl(c) || c == ';' || c == ',' || c == '}') {
                    pos++;
                    state = State.KEY;
                    return null;
                }
                throw error(at, "expected a top-level value to end with a new line, comment or EOF, but got '"
                        + show(c) + "' instead");
            }
            case MAP -> {
                if (atEof()) {
                    throw unterminated();
                }
                if (isNl(c) || c == ';' || c == ',') {
                    pos++;
                    state = State.KEY;
                    return null;
                }
                if (c == '}') {
                    pos++;
                    return closeContainer(Kind.MAP_END, at);
                }
                throw error(at, "expected a map value terminator ',' or a map terminator '}', but got '"
                        + show(c) + "' instead");
            }
            default -> {
                if (atEof()) {
                    throw unterminated();
                }
                if (isNl(c) || c == ',') {
                    pos++;
                    state = State.ARRAY_VALUE;
                    return null;
                }
                if (c == ']') {
                    pos++;
                    return closeContainer(Kind.ARRAY_END, at);
                }
                throw error(at, "expected an array value terminator ',' or an array terminator ']', but got '"
                        + show(c) + "' instead");
            }
        }
    }

    // ---------------------------------------------------------------- values

    private Token lexDoubleQuoted(int start) throws ConfigException {
        StringBuilder sb = new StringBuilder();
        pos = start + 1;
        while (true) {
            if (atEof()) {
                throw error(start, "unterminated quoted string");
            }
            char c = in.charAt(pos++);
            if (c == '"') {
                return scalar(Kind.STRING, sb.toString(), start);
            }
            if (c == '\\') {
                escape(sb);
            } else {
                sb.append(c);
            }
        }
    }

    /** Decodes the escape after a backslash (already consumed). */
    private void escape(StringBuilder sb) throws ConfigException {
        int at = pos - 1;
        char e = atEof() ? EOF : in.charAt(pos++);
        switch (e) {
            case 't' -> sb.append('\t');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case 'x' -> {
                if (pos + 2 > in.length() || isNl(in.charAt(pos)) || isNl(in.charAt(pos + 1))) {
                    throw error(at, "expected two hexadecimal digits after '\\x', but hit end of line");
                }
                String hex = in.substring(pos, pos + 2);
                int hi = Character.digit(hex.charAt(0), 16);
                int lo = Character.digit(hex.charAt(1), 16);
                if (hi < 0 || lo < 0) {
                    throw error(at, "expected two hexadecimal digits after '\\x', but got '" + hex + "'");
                }
                sb.append((char) (hi * 16 + lo));
                pos += 2;
            }
            default -> throw error(at, "invalid escape character '" + show(e)
                    + "'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\");
        }
    }

    private Token lexBlock(int start) throws ConfigException {
        int from = start + 1;
        int search = from;
        while (true) {
            int close = in.indexOf(')', search);
            if (close < 0) {
                throw error(start, "unterminated block string: it ends with a ')' alone on a line");
            }
            boolean lineStart = close > 0 && in.charAt(close - 1) == '\n';
            char after = close + 1 < in.length() ? in.charAt(close + 1) : EOF;
            if (lineStart && (after == '\n' || after == '\r' || after == EOF)) {
                pos = close + 1;
                return scalar(Kind.STRING, in.substring(from, close), start);
            }
            search = close + 1;
        }
    }

    private Token lexNumber(int start) throws ConfigException {
        boolean negative = peek() == '-';
        if (negative) {
            pos++;
            if (!isDigit(peek())) {
                if (peek() == '.') {
                    throw error(pos, "floats must start with a digit, not '.'");
                }
                throw error(pos, "expected a digit but got '" + show(peek()) + "'");
            }
        }
        int digitsStart = pos;
        while (isDigit(peek())) {
            pos++;
        }
        char c = peek();
        if (c == '-' && !negative) {
            if (pos - digitsStart != 4) {
                throw error(start, "all ISO8601 dates must be in full Zulu form");
            }
            return lexDatetime(start);
        }
        if (c == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw error(pos, "floats must have a digit after the '.', but got '" + show(peek()) + "' instead");
            }
            while (isDigit(peek())) {
                pos++;
            }
            if (peek() == '.') {
                // a second dot: not a float but an IP address, maybe with a port
                while (isDigit(peek()) || peek() == '.' || peek() == ':' || peek() == '-') {
                    pos++;
                }
                return scalar(Kind.STRING, in.substring(start, pos), start);
            }
            return scalar(Kind.FLOAT, in.substring(start, pos), start);
        }
        if ("kKmMgGtTpPeE".indexOf(c) >= 0 && c != EOF) {
            pos++;
            if (peek() == 'i' || peek() == 'I') {
                pos++;
            }
            if (peek() == 'b' || peek() == 'B') {
                pos++;
            }
        }
        if (!negative && !atEof() && !isValueEnd(peek())) {
            // like nats-server: "3secret", "500ms", "4222abc" are strings that start with a digit
            pos = start;
            return lexUnquoted(start);
        }
        return scalar(Kind.INTEGER, in.substring(start, pos), start);
    }

    private Token lexDatetime(int start) throws ConfigException {
        // "YYYY" consumed; expect "-MM-DDTHH:MM:SSZ"
        String shape = "-00-00T00:00:00Z";
        for (int i = 0; i < shape.length(); i++) {
            char want = shape.charAt(i);
            char got = peek();
            if (want == '0' ? !isDigit(got) : got != want) {
                throw error(pos, (want == '0' ? "expected digit" : "expected '" + want + "'")
                        + " in ISO8601 datetime, but found '" + show(got) + "' instead");
            }
            pos++;
        }
        return scalar(Kind.DATETIME, in.substring(start, pos), start);
    }

    private Token lexUnquoted(int start) throws ConfigException {
        StringBuilder sb = new StringBuilder();
        boolean escaped = false;
        while (!atEof()) {
            char c = peek();
            if (isNl(c) || c == ';' || c == ',' || c == ']' || c == '}' || isBlank(c)) {
                break;
            }
            pos++;
            if (c == '\'') {
                break; // nats-server ends an unquoted string at a single quote and drops the quote
            }
            if (c == '\\') {
                escape(sb);
                escaped = true;
            } else {
                sb.append(c);
            }
        }
        String s = sb.toString();
        if (!escaped) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "true", "false", "yes", "no", "on", "off" -> {
                    return scalar(Kind.BOOL, s, start);
                }
                default -> {
                }
            }
            if (s.startsWith("$")) {
                return scalar(Kind.VARIABLE, s.substring(1), start);
            }
        }
        return scalar(Kind.STRING, s, start);
    }

    // ---------------------------------------------------------------- helpers

    private Token scalar(Kind kind, String text, int start) {
        state = State.AFTER_VALUE;
        return new Token(kind, text, position(start));
    }

    private void open(Ctx c, int start) {
        ctx.push(c);
        ctxStart.push(start);
    }

    private Token closeContainer(Kind kind, int at) {
        ctx.pop();
        ctxStart.pop();
        state = State.AFTER_VALUE;
        return new Token(kind, kind == Kind.MAP_END ? "}" : "]", position(at));
    }

    private ConfigException unterminated() {
        String what = ctx.peek() == Ctx.MAP ? "map" : "array";
        return error(ctxStart.peek(), "unexpected EOF processing " + what + " (not closed)");
    }

    /** Skips spaces, tabs, comments and, when {@code newlines}, line ends. */
    private void skipBlanksAndComments(boolean newlines) {
        while (!atEof()) {
            char c = peek();
            if (isBlank(c) || (newlines && Character.isWhitespace(c))) {
                pos++;
            } else if (c == '#' || (c == '/' && pos + 1 < in.length() && in.charAt(pos + 1) == '/')) {
                while (!atEof() && !isNl(peek())) {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private void skipSpaces() {
        while (!atEof() && isBlank(peek())) {
            pos++;
        }
    }

    private boolean atEof() {
        return pos >= in.length();
    }

    private char peek() {
        return pos < in.length() ? in.charAt(pos) : EOF;
    }

    private ConfigException error(int offset, String message) {
        return new ConfigException(position(offset), message);
    }

    /** Characters that end a number; anything else turns it into an unquoted string. */
    private static boolean isValueEnd(char c) {
        return isNl(c) || isBlank(c) || c == ';' || c == ',' || c == '}' || c == ']';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isNl(char c) {
        return c == '\n' || c == '\r';
    }

    private static String show(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case EOF -> "EOF";
            default -> String.valueOf(c);
        };
    }
}
