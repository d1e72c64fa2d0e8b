package io.nats4j.server.config;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One value of a parsed config file, with the place it was written. Scalars hold a {@link String},
 * {@link Long}, {@link Double}, {@link Boolean} or {@link Instant}; arrays a list of values; maps an
 * ordered map of {@link Entry} (a later definition of a key replaces the earlier one, as in nats-server).
 */
public final class ConfigValue {

    /** The kinds of value the format has. */
    public enum Kind {
        STRING("string"), INTEGER("integer"), FLOAT("float"), BOOLEAN("boolean"), DATETIME("datetime"),
        ARRAY("array"), MAP("map");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The word used for this kind in error messages. */
        public String label() {
            return label;
        }
    }

    /** A key of a map, where the key was written, and its value. */
    public record Entry(String key, Position keyPosition, ConfigValue value) {
    }

    private final Kind kind;
    private final Object raw;
    private final Position position;
    /** Set when a {@code $variable} reference used this value (such keys are not unknown fields). */
    private boolean usedAsVariable;

    private ConfigValue(Kind kind, Object raw, Position position) {
        this.kind = kind;
        this.raw = raw;
        this.position = position;
    }

    public static ConfigValue ofString(String s, Position at) {
        return new ConfigValue(Kind.STRING, s, at);
    }

    public static ConfigValue ofInteger(long n, Position at) {
        return new ConfigValue(Kind.INTEGER, n, at);
    }

    public static ConfigValue ofFloat(double d, Position at) {
        return new ConfigValue(Kind.FLOAT, d, at);
    }

    public static ConfigValue ofBoolean(boolean b, Position at) {
        return new ConfigValue(Kind.BOOLEAN, b, at);
    }

    public static ConfigValue ofDatetime(Instant t, Position at) {
        return new ConfigValue(Kind.DATETIME, t, at);
    }

    public static ConfigValue ofArray(List<ConfigValue> items, Position at) {
        return new ConfigValue(Kind.ARRAY, Collections.unmodifiableList(items), at);
    }

    public static ConfigValue ofMap(LinkedHashMap<String, Entry> entries, Position at) {
        return new ConfigValue(Kind.MAP, Collections.unmodifiableMap(entries), at);
    }

    /** The same value as written somewhere else (a variable reference takes its own position). */
    public ConfigValue at(Position other) {
        return new ConfigValue(kind, raw, other);
    }

    /** True when a {@code $variable} reference used this value. */
    public boolean usedAsVariable() {
        return usedAsVariable;
    }

    void markUsedAsVariable() {
        usedAsVariable = true;
    }

    public Kind kind() {
        return kind;
    }

    public Position position() {
        return position;
    }

    /** The plain Java value: String, Long, Double, Boolean, Instant, List or Map. */
    public Object raw() {
        return raw;
    }

    public String asString() {
        return (String) cast(Kind.STRING);
    }

    public long asLong() {
        return (Long) cast(Kind.INTEGER);
    }

    public double asDouble() {
        return (Double) cast(Kind.FLOAT);
    }

    public boolean asBoolean() {
        return (Boolean) cast(Kind.BOOLEAN);
    }

    public Instant asDatetime() {
        return (Instant) cast(Kind.DATETIME);
    }

    @SuppressWarnings("unchecked")
    public List<ConfigValue> asArray() {
        return (List<ConfigValue>) cast(Kind.ARRAY);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Entry> asMap() {
        return (Map<String, Entry>) cast(Kind.MAP);
    }

    /** Map lookup; null when absent. */
    public ConfigValue get(String key) {
        Entry e = asMap().get(key);
        return e == null ? null : e.value();
    }

    private Object cast(Kind wanted) {
        if (kind != wanted) {
            throw new IllegalStateException(position + ": expected " + wanted.label() + ", got " + kind.label());
        }
        return raw;
    }

    /** The value as nats-server would print it in a message. */
    public String describe() {
        return switch (kind) {
            case STRING -> "\"" + raw + "\"";
            case ARRAY -> "array";
            case MAP -> "map";
            default -> String.valueOf(raw);
        };
    }

    @Override
    public String toString() {
        return kind.label() + "(" + raw + ")@" + position;
    }
}
