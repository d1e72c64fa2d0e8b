package io.nats4j.server.config;

import io.nats4j.server.config.ConfigLexer.Kind;
import io.nats4j.server.config.ConfigLexer.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds the {@link ConfigValue} tree of a NATS config file: resolves {@code $VARIABLE} references
 * (the enclosing maps, innermost first, then the environment, whose value is read as a config value),
 * {@code include} directives (relative to the including file; the included file is read on its own
 * and its keys are merged into the map holding the include), and converts numbers with size suffixes.
 * Stops at the first syntax error, as nats-server does.
 *
 * <p>Nesting is bounded: maps, arrays, included files and environment variables parsed as values count
 * together, and a file deeper than {@link #MAX_DEPTH} levels is refused with one {@code file:line:col} error
 * where the level too many opens. (nats-server has no limit; the parser is recursive and a JVM thread's
 * stack is small, so without one a hostile file ends in a StackOverflowError.)
 */
public final class ConfigParser {

    /** Key under which an environment variable's text is parsed, as nats-server does. */
    private static final String ENV_KEY = "pk";
    /** Unquoted bcrypt hashes start with "$2a$": kept as strings, not variables. */
    private static final String BCRYPT_PREFIX = "2a$";
    /** Deepest nesting of maps, arrays, includes and environment variables accepted (real configs use under 10). */
    public static final int MAX_DEPTH = 256;

    private final ConfigLexer lexer;
    private final Path baseDir;
    private final Function<String, String> env;
    private final Deque<LinkedHashMap<String, ConfigValue.Entry>> scopes = new ArrayDeque<>();
    /** Files being read, outermost first, to refuse include cycles. */
    private final Set<Path> including;
    /** Environment variables being expanded, to refuse self reference. */
    private final Set<String> expanding;
    /** Levels open, shared by the parsers of included files and environment variables. */
    private final Depth depth;

    /** A nesting counter shared by one parse and the parses it starts. */
    private static final class Depth {
        int open;
    }

    private ConfigParser(String name, String text, Path baseDir, Function<String, String> env, Set<Path> including,
            Set<String> expanding, Depth depth) {
        this.lexer = new ConfigLexer(name, text);
        this.baseDir = baseDir;
        this.env = env;
        this.including = including;
        this.expanding = expanding;
        this.depth = depth;
    }

    /** Opens one more level at {@code at}; refused past {@link #MAX_DEPTH}. Pair with {@link #leave()}. */
    private void enter(Position at) throws ConfigException {
        if (depth.open >= MAX_DEPTH) {
            throw new ConfigException(at, "config is nested too deeply: more than " + MAX_DEPTH
                    + " levels of maps, arrays, includes and variables");
        }
        depth.open++;
    }

    private void leave() {
        depth.open--;
    }

    /** Parses a file; variables not defined in the file come from the process environment. */
    public static ConfigValue parseFile(Path file) throws ConfigException {
        return parseFile(file, System::getenv);
    }

    /** Parses a file with the given environment lookup (returns null for an undefined variable). */
    public static ConfigValue parseFile(Path file, Function<String, String> env) throws ConfigException {
        return parseFile(file, env, new HashSet<>(), new Depth());
    }

    /** Parses text; {@code name} is used in positions and includes resolve against {@code baseDir}. */
    public static ConfigValue parseString(String text, String name, Path baseDir, Function<String, String> env)
            throws ConfigException {
        return new ConfigParser(name, text, baseDir, env, new HashSet<>(), new HashSet<>(), new Depth()).document();
    }

    private static ConfigValue parseFile(Path file, Function<String, String> env, Set<Path> including, Depth depth)
            throws ConfigException {
        String text;
        try {
            // bytes that are not UTF-8 read as U+FFFD, as nats-server's lexer reads them (it does not refuse them)
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("open " + file + ": no such file or directory");
        } catch (IOException e) {
            throw new ConfigException("error opening config file: " + file + ": " + e.getMessage());
        }
        Path abs = file.toAbsolutePath().normalize();
        including.add(abs);
        try {
            Path dir = file.getParent() != null ? file.getParent() : Path.of("");
            return new ConfigParser(file.toString(), text, dir, env, including, new HashSet<>(), depth).document();
        } finally {
            including.remove(abs);
        }
    }

    private ConfigValue document() throws ConfigException {
        LinkedHashMap<String, ConfigValue.Entry> root = new LinkedHashMap<>();
        scopes.push(root);
        mapBody(root);
        scopes.pop();
        return ConfigValue.ofMap(root, lexer.position(0));
    }

    /** Reads keys and values up to the end of the map (or of the file, at top level). */
    private void mapBody(LinkedHashMap<String, ConfigValue.Entry> into) throws ConfigException {
        while (true) {
            Token t = lexer.next();
            switch (t.kind()) {
                case EOF, MAP_END -> {
                    return;
                }
                case KEY -> {
                    ConfigValue v = value(lexer.next());
                    put(into, new ConfigValue.Entry(t.text(), t.position(), v));
                }
                case INCLUDE -> include(t, into);
                default -> throw new ConfigException(t.position(), "unexpected " + t.kind());
            }
        }
    }

    private static void put(LinkedHashMap<String, ConfigValue.Entry> into, ConfigValue.Entry e) {
        into.put(e.key(), e);
    }

    private ConfigValue value(Token t) throws ConfigException {
        Position at = t.position();
        String s = t.text();
        return switch (t.kind()) {
            case STRING -> ConfigValue.ofString(s, at);
            case BOOL -> ConfigValue.ofBoolean(switch (s.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                default -> false;
            }, at);
            case INTEGER -> ConfigValue.ofInteger(integer(s, at), at);
            case FLOAT -> {
                double d = Double.parseDouble(s);
                if (Double.isInfinite(d)) {
                    throw new ConfigException(at, "float '" + s + "' is out of the range");
                }
                yield ConfigValue.ofFloat(d, at);
            }
            case DATETIME -> {
                try {
                    yield ConfigValue.ofDatetime(Instant.parse(s), at);
                } catch (DateTimeParseException e) {
                    throw new ConfigException(at, "expected Zulu formatted DateTime, but got '" + s + "'");
                }
            }
            case VARIABLE -> variable(s, at);
            case ARRAY_START -> {
                enter(at);
                List<ConfigValue> items = new ArrayList<>();
                for (Token n = lexer.next(); n.kind() != Kind.ARRAY_END; n = lexer.next()) {
                    items.add(value(n));
                }
                leave();
                yield ConfigValue.ofArray(items, at);
            }
            case MAP_START -> {
                enter(at);
                LinkedHashMap<String, ConfigValue.Entry> m = new LinkedHashMap<>();
                scopes.push(m);
                mapBody(m);
                scopes.pop();
                leave();
                yield ConfigValue.ofMap(m, at);
            }
            default -> throw new ConfigException(at, "unexpected " + t.kind());
        };
    }

    /** Integer with an optional size suffix: k/m/g/t/p/e are powers of 1000, with b, i or ib of 1024. */
    static long integer(String text, Position at) throws ConfigException {
        int end = text.startsWith("-") ? 1 : 0;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        String suffix = text.substring(end).toLowerCase(Locale.ROOT);
        long multiplier = 1;
        if (!suffix.isEmpty()) {
            int power = "kmgtpe".indexOf(suffix.charAt(0)) + 1;
            String rest = suffix.substring(1);
            long base = switch (rest) {
                case "" -> 1000;
                case "b", "i", "ib" -> 1024;
                default -> 0;
            };
            if (power == 0 || base == 0) {
                throw new ConfigException(at, "invalid size suffix in '" + text + "'");
            }
            for (int i = 0; i < power; i++) {
                multiplier *= base;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(text.substring(0, end)), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(at, "integer '" + text + "' is out of the range");
        }
    }

    private ConfigValue variable(String name, Position at) throws ConfigException {
        if (name.startsWith(BCRYPT_PREFIX)) {
            return ConfigValue.ofString("$" + name, at);
        }
        for (LinkedHashMap<String, ConfigValue.Entry> scope : scopes) {
            ConfigValue.Entry e = scope.get(name);
            if (e != null) {
                e.value().markUsedAsVariable();
                return e.value().at(at);
            }
        }
        String fromEnv = env.apply(name);
        if (fromEnv == null) {
            throw new ConfigException(at, "variable reference for '" + name + "' on line " + at.line()
                    + " can not be found");
        }
        if (!expanding.add(name)) {
            throw new ConfigException(at, "variable reference for '" + name + "' on line " + at.line()
                    + " refers to itself");
        }
        enter(at);
        try {
            ConfigParser p = new ConfigParser("$" + name, ENV_KEY + "=" + fromEnv, baseDir, env, including, expanding,
                    depth);
            ConfigValue parsed = p.document().get(ENV_KEY);
            if (parsed == null) {
                throw new ConfigException(at, "variable reference for '" + name + "' on line " + at.line()
                        + " could not be parsed: no value");
            }
            return parsed.at(at);
        } catch (ConfigException e) {
            if (e.getMessage().startsWith(at.toString())) {
                throw e;
            }
            throw new ConfigException(at, "variable reference for '" + name + "' on line " + at.line()
                    + " could not be parsed: " + e.getMessage());
        } finally {
            leave();
            expanding.remove(name);
        }
    }

    private void include(Token t, LinkedHashMap<String, ConfigValue.Entry> into) throws ConfigException {
        Path target = baseDir.resolve(t.text());
        if (including.contains(target.toAbsolutePath().normalize())) {
            throw new ConfigException(t.position(), "error parsing include file '" + t.text()
                    + "', include cycle: the file includes itself");
        }
        ConfigValue included;
        if (!Files.isRegularFile(target)) {
            throw new ConfigException(t.position(), "error parsing include file '" + t.text() + "', open "
                    + target + ": no such file or directory");
        }
        enter(t.position());
        try {
            included = parseFile(target, env, including, depth);
        } finally {
            leave();
        }
        for (ConfigValue.Entry e : included.asMap().values()) {
            put(into, e);
        }
    }
}
