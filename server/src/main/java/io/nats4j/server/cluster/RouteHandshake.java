package io.nats4j.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * What a route decides from its peer's {@code CONNECT} and {@code INFO} JSON, apart from the route's own state:
 * parsing, the refusals of a {@code CONNECT} with nats-server's texts and close reasons, and the fields read out of
 * an {@code INFO}. {@link RouteConnection} applies the outcome on its loop.
 */
final class RouteHandshake {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RouteHandshake() {
    }

    /**
     * Why a peer's {@code CONNECT} is refused: logged as an error, sent as {@code -ERR} (the same text), then the
     * route closes with {@code reason}; {@code logAfter} (or null) is logged last, as nats-server does.
     */
    record Refusal(String text, String reason, String logAfter) {
    }

    /** The JSON object of a {@code CONNECT} or {@code INFO}, or null when it is not one. */
    static JsonNode parse(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            return n != null && n.isObject() ? n : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** A string field, or "" when absent or null. */
    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    /** The checks of a peer's {@code CONNECT} in nats-server's order; null when {@code route} may go on. */
    static Refusal checkConnect(Cluster cluster, JsonNode c, RouteConnection route) {
        String gateway = text(c, "gateway");
        if (!gateway.isEmpty()) {
            return new Refusal("Rejecting connection from gateway \"" + gateway + "\" on the Route port",
                    "Wrong Gateway", null);
        }
        if (!cluster.routeAuthorized(text(c, "user"), text(c, "pass"))) {
            return new Refusal(null, "Authentication Failure", null);
        }
        if (!text(c, "lang").isEmpty()) {
            return new Refusal("attempted to connect to route port", "Incorrect Port", null);
        }
        String theirCluster = text(c, "cluster");
        if (!cluster.acceptClusterName(theirCluster, c.path("dynamic").asBoolean(false), route)) {
            return new Refusal("Rejecting connection, cluster name \"" + theirCluster + "\" does not match \""
                    + cluster.name() + "\"", "Cluster Name Conflict", "cluster name from remote server conflicts");
        }
        return null;
    }

    /** The client URLs the peer advertises in its {@code INFO}. */
    static List<String> connectUrls(JsonNode info) {
        List<String> urls = new ArrayList<>();
        for (JsonNode u : info.path("connect_urls")) {
            urls.add(u.asText());
        }
        return List.copyOf(urls);
    }

    /**
     * The peer's route URL: its {@code ip} field, else the address it connected from with the route port of its
     * {@code INFO} (an IPv6 host in brackets).
     */
    static String routeUrl(JsonNode info, String remoteAddress) {
        String ip = text(info, "ip");
        if (!ip.isEmpty()) {
            return ip;
        }
        String host = remoteAddress.substring(0, Math.max(0, remoteAddress.lastIndexOf(':')));
        return "nats-route://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + info.path("port").asInt()
                + "/";
    }
}
