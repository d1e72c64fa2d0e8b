package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.auth.Account;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code $JS.API.CONSUMER.*} requests (nats-server's jsConsumer*Request): CREATE in its three forms,
 * DURABLE.CREATE, INFO, DELETE, NAMES and LIST with paging. Each handler decodes, checks, acts and returns the
 * response JSON; the API dispatcher of the JetStream server publishes it to the reply subject. {@code MSG.NEXT}
 * is not here: each pull consumer subscribes to its own next-message subject, as in nats-server.
 *
 * <p>Called on the JetStream API's thread (may block on a consumer's store; never an event loop).
 */
public final class ConsumerApi {

    /** How the API finds the consumers of a stream of an account: null when there is no such stream. */
    @FunctionalInterface
    public interface Streams {
        StreamConsumers consumers(Account account, String stream);
    }

    public static final String PREFIX = "$JS.API.CONSUMER.";
    static final int NAMES_LIMIT = 1024;
    static final int LIST_LIMIT = 256;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Streams streams;

    public ConsumerApi(Streams streams) {
        this.streams = streams;
    }

    /** The subjects (with wildcards) this class answers, for the dispatcher's table. */
    public static List<String> subjects() {
        return List.of("$JS.API.CONSUMER.CREATE.*", "$JS.API.CONSUMER.CREATE.*.>", "$JS.API.CONSUMER.DURABLE.CREATE.*.*",
                "$JS.API.CONSUMER.INFO.*.*", "$JS.API.CONSUMER.DELETE.*.*", "$JS.API.CONSUMER.NAMES.*",
                "$JS.API.CONSUMER.LIST.*");
    }

    /** The response type nats-server names for a request pattern. */
    static String responseType(String relativePattern) {
        String verb = relativePattern.split("\\.")[1];
        return switch (verb) {
            case "CREATE", "DURABLE" -> "io.nats.jetstream.api.v1.consumer_create_response";
            case "INFO" -> "io.nats.jetstream.api.v1.consumer_info_response";
            case "DELETE" -> "io.nats.jetstream.api.v1.consumer_delete_response";
            case "NAMES" -> "io.nats.jetstream.api.v1.consumer_names_response";
            case "LIST" -> "io.nats.jetstream.api.v1.consumer_list_response";
            default -> "io.nats.jetstream.api.v1.error";
        };
    }

    /**
     * Answers one request on {@code subject} (with the {@code $JS.API.} prefix, the domain prefix already
     * removed). Returns the response JSON, or null when nats-server sends nothing (a subject it does not
     * serve here, such as MSG.NEXT).
     */
    public byte[] handle(Account account, String subject, byte[] payload) {
        if (!subject.startsWith(PREFIX)) {
            return null;
        }
        String[] t = subject.split("\\.", -1);
        // t: $JS API CONSUMER <verb> ...
        if (t.length < 5) {
            return null;
        }
        return switch (t[3]) {
            case "CREATE" -> create(account, subject, t, payload, false);
            case "DURABLE" -> t.length >= 5 && t[4].equals("CREATE") ? create(account, subject, t, payload, true) : null;
            case "INFO" -> t.length == 6 ? info(account, t[4], t[5]) : null;
            case "DELETE" -> t.length == 6 ? delete(account, t[4], t[5]) : null;
            case "NAMES" -> t.length == 5 ? names(account, t[4], payload, false) : null;
            case "LIST" -> t.length == 5 ? names(account, t[4], payload, true) : null;
            default -> null;
        };
    }

    private static ObjectNode response(String type) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", type);
        return o;
    }

    private static byte[] error(String type, ConsumerError e) {
        ObjectNode o = response(type);
        o.set("error", e.toJson());
        return bytes(o);
    }

    private static byte[] bytes(ObjectNode o) {
        return io.nats4j.server.jetstream.api.ApiRequest.bytes(o); // Go's escaping of <, >, &
    }

    /** A paged answer's error: nats-server writes its paging fields and an empty list after the error. */
    private static byte[] pagedError(String type, ConsumerError e) {
        ObjectNode o = response(type);
        o.set("error", e.toJson());
        o.put("total", 0);
        o.put("offset", 0);
        o.put("limit", 0);
        o.putArray("consumers");
        return bytes(o);
    }

    private byte[] create(Account account, String subject, String[] t, byte[] payload, boolean legacyDurable) {
        String type = "io.nats.jetstream.api.v1.consumer_create_response";
        int n = t.length;
        String streamName;
        String consumerName = "";
        String filtered = "";
        boolean ephemeralForm = false;
        if (legacyDurable) {
            if (n != 7) {
                return error(type, ConsumerError.durableNotInSubject());
            }
            streamName = t[5];
            consumerName = t[6];
        } else if (n == 5) {
            ephemeralForm = true;
            streamName = t[4];
        } else {
            streamName = t[4];
            consumerName = t[5];
            if (n > 6) {
                filtered = String.join(".", java.util.Arrays.copyOfRange(t, 6, n));
            }
        }
        JsonNode req;
        ConsumerConfig cfg;
        StreamConsumers.Action action;
        try {
            req = JSON.readTree(payload == null ? new byte[0] : payload);
            if (req == null || !req.isObject()) {
                throw new IOException("not an object");
            }
            cfg = ConsumerConfig.fromJson(req.get("config"));
            action = switch (req.path("action").asText("")) {
                case "" -> StreamConsumers.Action.CREATE_OR_UPDATE;
                case "create" -> StreamConsumers.Action.CREATE;
                case "update" -> StreamConsumers.Action.UPDATE;
                default -> throw new IllegalArgumentException("action");
            };
        } catch (IOException | IllegalArgumentException e) {
            return error(type, ConsumerError.invalidJson());
        }
        try {
            if (!streamName.equals(req.path("stream_name").asText(""))) {
                throw ConsumerError.streamMismatch();
            }
            if (!consumerName.isEmpty() && (consumerName.contains("/") || consumerName.contains("\\"))) {
                throw ConsumerError.nameContainsPathSeparators();
            }
            if (legacyDurable) {
                if (cfg.durable.isEmpty()) {
                    throw ConsumerError.durableNotSet();
                }
                if (!consumerName.equals(cfg.durable)) {
                    throw ConsumerError.durableNotMatchSubject();
                }
            } else if (!ephemeralForm) {
                if (!cfg.durable.isEmpty() && !consumerName.equals(cfg.durable)) {
                    throw ConsumerError.durableNotMatchSubject();
                }
                cfg.name = consumerName;
            }
            if (ephemeralForm && !cfg.durable.isEmpty()) {
                throw ConsumerError.ephemeralWithDurableName();
            }
            if (!filtered.isEmpty() && !cfg.filterSubjects.isEmpty()) {
                throw ConsumerError.multipleFiltersNotAllowed();
            }
            if (!filtered.isEmpty() && !cfg.filterSubject.equals(filtered)) {
                throw ConsumerError.filterSubjectMismatch();
            }
            if (cfg.replicas > 1) {
                throw ConsumerError.replicasNotSupported();
            }
            StreamConsumers sc = streams.consumers(account, streamName);
            if (sc == null) {
                throw ConsumerError.streamNotFound();
            }
            ObjectNode info = sc.create(cfg, action);
            ObjectNode o = response(type);
            o.setAll(info);
            return bytes(o);
        } catch (ConsumerError e) {
            if (e.errCode == 10012 || e.code != 500 || e.errCode == 10052 || e.errCode == 10104 || e.errCode == 10074) {
                return error(type, e);
            }
            return error(type, e);
        }
    }

    private byte[] info(Account account, String streamName, String consumerName) {
        String type = "io.nats.jetstream.api.v1.consumer_info_response";
        StreamConsumers sc = streams.consumers(account, streamName);
        if (sc == null) {
            return error(type, ConsumerError.streamNotFound());
        }
        try {
            ObjectNode o = response(type);
            o.setAll(sc.info(consumerName));
            return bytes(o);
        } catch (ConsumerError e) {
            return error(type, e);
        }
    }

    private byte[] delete(Account account, String streamName, String consumerName) {
        String type = "io.nats.jetstream.api.v1.consumer_delete_response";
        StreamConsumers sc = streams.consumers(account, streamName);
        if (sc == null) {
            return error(type, ConsumerError.streamNotFound());
        }
        if (!sc.delete(consumerName)) {
            return error(type, ConsumerError.consumerNotFound());
        }
        ObjectNode o = response(type);
        o.put("success", true);
        return bytes(o);
    }

    private byte[] names(Account account, String streamName, byte[] payload, boolean list) {
        String type = list ? "io.nats.jetstream.api.v1.consumer_list_response"
                : "io.nats.jetstream.api.v1.consumer_names_response";
        int offset = 0;
        if (payload != null && payload.length > 0) {
            try {
                JsonNode req = JSON.readTree(payload);
                if (req != null && !req.isObject()) {
                    throw new IOException("not an object");
                }
                if (req != null) {
                    JsonNode off = req.get("offset");
                    if (off != null && !off.isNull()) {
                        if (!off.isIntegralNumber()) {
                            throw new IOException("offset");
                        }
                        offset = Math.max(0, off.asInt());
                    }
                }
            } catch (IOException e) {
                return pagedError(type, ConsumerError.invalidJson());
            }
        }
        StreamConsumers sc = streams.consumers(account, streamName);
        if (sc == null) {
            return pagedError(type, ConsumerError.streamNotFound());
        }
        List<String> names = sc.names();
        int limit = list ? LIST_LIMIT : NAMES_LIMIT;
        int total = names.size();
        int from = Math.min(offset, total);
        int to = Math.min(total, from + limit);
        ObjectNode o = response(type);
        o.put("total", total);
        o.put("offset", from);
        o.put("limit", limit);
        ArrayNode arr = o.putArray("consumers");
        for (String n : names.subList(from, to)) {
            if (list) {
                try {
                    arr.add(sc.info(n));
                } catch (ConsumerError gone) {
                    // deleted meanwhile
                }
            } else {
                arr.add(n);
            }
        }
        return bytes(o);
    }
}
