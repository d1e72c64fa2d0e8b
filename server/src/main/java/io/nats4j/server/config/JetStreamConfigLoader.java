package io.nats4j.server.config;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.jetstream.JsLimits;
import io.nats4j.server.options.JetStreamOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * nats-server 2.10's JetStream keys: the top-level {@code jetstream} (bool, "enabled"/"disabled", or a block),
 * {@code store_dir}, {@code jetstream_max_memory}/{@code jetstream_max_store}, and {@code jetstream} inside an
 * account. Every key 2.10 takes is either applied or refused by name with its position; encryption
 * ({@code key}, {@code prev_key}, {@code cipher}) is refused (nats4j does not encrypt its store yet).
 */
final class JetStreamConfigLoader {

    private JetStreamConfigLoader() {
    }

    /** The top-level {@code jetstream} key. */
    static void jetstream(ConfigValue.Entry e, ServerOptions o) throws ConfigException {
        JetStreamOptions js = o.jetStream;
        ConfigValue v = e.value();
        switch (v.kind()) {
            case BOOLEAN -> js.enabled = v.asBoolean();
            case STRING -> js.enabled = enabledString(e);
            case MAP -> {
                boolean enable = true;
                for (ConfigValue.Entry k : v.asMap().values()) {
                    switch (k.key().toLowerCase(Locale.ROOT)) {
                        case "store", "store_dir", "storedir" -> {
                            if (js.storeDir != null) {
                                throw new ConfigException(k.keyPosition(), "Duplicate 'store_dir' configuration");
                            }
                            js.storeDir = Path.of(string(k));
                        }
                        case "sync", "sync_interval" -> {
                            if (k.value().kind() == ConfigValue.Kind.STRING
                                    && k.value().asString().equalsIgnoreCase("always")) {
                                js.syncInterval = Duration.ZERO;
                            } else {
                                js.syncInterval = duration(k);
                            }
                        }
                        case "max_memory_store", "max_mem_store", "max_mem" -> js.maxMemory = size(k, "max_mem_store");
                        case "max_file_store", "max_file" -> js.maxStore = size(k, "max_file_store");
                        case "domain" -> js.domain = string(k);
                        case "enable", "enabled" -> enable = bool(k);
                        case "key", "ek", "encryption_key", "prev_key", "prev_ek", "prev_encryption_key", "cipher" ->
                                throw new ConfigException(k.keyPosition(), "\"" + k.key()
                                        + "\" (JetStream encryption) is not supported yet by nats4j");
                        case "extension_hint" -> string(k); // nats-server only reads it back for advisories
                        case "limits" -> limits(k, js);
                        case "unique_tag" -> js.uniqueTag = string(k).trim().toLowerCase(Locale.ROOT);
                        case "max_outstanding_catchup" -> js.maxOutstandingCatchup = size(k, k.key().toLowerCase(Locale.ROOT));
                        case "request_queue_limit" -> js.requestQueueLimit = integer(k);
                        default -> unknown(k);
                    }
                }
                js.enabled = enable;
            }
            default -> throw new ConfigException(e.keyPosition(),
                    "Expected map, bool or string to define JetStream, got " + v.kind().label());
        }
    }

    /** {@code limits { max_ack_pending, max_ha_assets, max_request_batch, duplicate_window }}. */
    private static void limits(ConfigValue.Entry e, JetStreamOptions js) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.MAP) {
            throw new ConfigException(e.keyPosition(), "Expected a map to define JetStreamLimits, got "
                    + e.value().kind().label());
        }
        for (ConfigValue.Entry k : e.value().asMap().values()) {
            switch (k.key().toLowerCase(Locale.ROOT)) {
                case "max_ack_pending" -> js.limitMaxAckPending = (int) integer(k);
                case "max_ha_assets" -> js.limitMaxHaAssets = (int) integer(k);
                case "max_request_batch" -> js.limitMaxRequestBatch = (int) integer(k);
                case "duplicate_window" -> js.duplicateWindowLimitNanos = duration(k).toNanos();
                default -> unknown(k);
            }
        }
    }

    /** The top-level {@code store_dir}. */
    static void storeDir(ConfigValue.Entry e, ServerOptions o) throws ConfigException {
        if (o.jetStream.storeDir != null) {
            throw new ConfigException(e.keyPosition(), "Duplicate 'store_dir' configuration");
        }
        o.jetStream.storeDir = Path.of(string(e));
    }

    /** An account's {@code jetstream}: its limits, or null when disabled. */
    static JsLimits accountLimits(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        switch (v.kind()) {
            case BOOLEAN:
                return v.asBoolean() ? JsLimits.UNLIMITED : null;
            case STRING:
                return enabledString(e) ? JsLimits.UNLIMITED : null;
            case MAP:
                long mem = -1;
                long store = -1;
                int streams = -1;
                int consumers = -1;
                int ackPending = -1;
                long memStream = -1;
                long storeStream = -1;
                boolean required = false;
                for (ConfigValue.Entry k : v.asMap().values()) {
                    switch (k.key().toLowerCase(Locale.ROOT)) {
                        case "max_memory", "max_mem", "mem", "memory" -> mem = size(k, k.key());
                        case "max_store", "max_file", "max_disk", "store", "disk" -> store = size(k, k.key());
                        case "max_streams", "streams" -> streams = (int) integer(k);
                        case "max_consumers", "consumers" -> consumers = (int) integer(k);
                        case "max_bytes_required", "max_stream_bytes", "max_bytes" -> required = bool(k);
                        case "mem_max_stream_bytes", "memory_max_stream_bytes" -> memStream = size(k, k.key());
                        case "disk_max_stream_bytes", "store_max_stream_bytes" -> storeStream = size(k, k.key());
                        case "max_ack_pending" -> ackPending = (int) integer(k);
                        default -> unknown(k);
                    }
                }
                return new JsLimits(mem, store, streams, consumers, ackPending, memStream, storeStream, required);
            default:
                throw new ConfigException(e.keyPosition(),
                        "Expected map, bool or string to define JetStream, got " + v.kind().label());
        }
    }

    private static boolean enabledString(ConfigValue.Entry e) throws ConfigException {
        String s = e.value().asString().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "enabled", "enable" -> true;
            case "disabled", "disable" -> false;
            default -> throw new ConfigException(e.keyPosition(),
                    "Expected 'enabled' or 'disabled' for string value, got '" + e.value().asString() + "'");
        };
    }

    private static String string(ConfigValue.Entry e) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.STRING) {
            throw wrongType(e, "a string");
        }
        return e.value().asString();
    }

    private static boolean bool(ConfigValue.Entry e) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.BOOLEAN) {
            throw new ConfigException(e.keyPosition(), "Expected a parseable bool for \"" + e.key() + "\", got "
                    + e.value().describe());
        }
        return e.value().asBoolean();
    }

    private static long integer(ConfigValue.Entry e) throws ConfigException {
        if (e.value().kind() != ConfigValue.Kind.INTEGER) {
            throw new ConfigException(e.keyPosition(), "Expected a parseable size for \"" + e.key() + "\", got "
                    + e.value().describe());
        }
        return e.value().asLong();
    }

    /** An integer (size suffixes already applied by the parser) or a string such as "1G" (nats-server's getStorageSize). */
    static long size(ConfigValue.Entry e, String what) throws ConfigException {
        ConfigValue v = e.value();
        if (v.kind() == ConfigValue.Kind.INTEGER) {
            return v.asLong();
        }
        if (v.kind() != ConfigValue.Kind.STRING) {
            throw new ConfigException(e.keyPosition(), what + " must be int64 or string");
        }
        String s = v.asString().trim();
        if (s.isEmpty()) {
            return 0;
        }
        char last = Character.toUpperCase(s.charAt(s.length() - 1));
        long mult = switch (last) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            default -> 1;
        };
        String num = mult == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(num.trim()) * mult;
        } catch (NumberFormatException ex) {
            throw new ConfigException(e.keyPosition(), what + " " + "strconv.ParseInt: parsing \"" + num
                    + "\": invalid syntax");
        }
    }

    private static Duration duration(ConfigValue.Entry e) throws ConfigException {
        ConfigValue v = e.value();
        if (v.kind() == ConfigValue.Kind.STRING) {
            try {
                return GoDuration.parse(v.asString());
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(e.keyPosition(), "error parsing " + e.key() + ": " + ex.getMessage());
            }
        }
        if (v.kind() == ConfigValue.Kind.INTEGER) {
            return Duration.ofSeconds(v.asLong());
        }
        throw wrongType(e, "a duration such as \"2s\" or \"1m30s\"");
    }

    private static void unknown(ConfigValue.Entry e) throws ConfigException {
        if (!e.value().usedAsVariable()) {
            throw new ConfigException(e.keyPosition(), "unknown field \"" + e.key() + "\"");
        }
    }

    private static ConfigException wrongType(ConfigValue.Entry e, String expected) {
        return new ConfigException(e.keyPosition(), "invalid value for \"" + e.key() + "\": expected " + expected
                + ", got " + e.value().kind().label());
    }
}
