package io.nats4j.server;

import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.protocol.Json;
import io.nats4j.server.tls.ServerTls;
import java.nio.charset.StandardCharsets;

/**
 * The INFO a server sends, built per kind of connection: the server's fields are built once (and again after a
 * reload) as a prefix in nats-server's field order, compact like its JSON; each connection's own fields and the
 * closing brace are appended when it connects.
 *
 * <p>Kinds: {@link ConnectionKind#CLIENT} as nats-server's client port. Routes, gateways and leaf nodes get
 * their own fields with their listeners; until then they get the server's common fields only.
 */
public final class ServerInfo {

    /** A server's identity and the listener a prefix is for. */
    record Identity(String serverId, String serverName, String host, int port) {
    }

    /** The client INFO prefix (volatile: rebuilt on reload, read by event loops). */
    private volatile byte[] clientPrefix;
    private volatile byte[] commonPrefix;
    /** A clustered server's client fields after the connection's own: cluster name and connect_urls. */
    private volatile String clusterFields = "";

    /** True while JetStream is enabled: client INFO carries {@code "jetstream":true} (as nats-server's). */
    private volatile boolean jetStream;

    void jetStream(boolean on) {
        jetStream = on;
    }

    /**
     * Rebuilds the prefixes from the current settings (at start and after every reload).
     *
     * @param authRequired INFO {@code auth_required}
     * @param tls          the client port's TLS, or null
     */
    void rebuild(Identity id, HotSettings settings, boolean authRequired, ServerTls tls) {
        StringBuilder sb = common(id, settings);
        commonPrefix = bytes(new StringBuilder(sb).append(",\"max_payload\":").append(settings.maxPayload()));
        if (tls != null) {
            sb.append(",\"tls_required\":true");
            if (tls.verify()) {
                sb.append(",\"tls_verify\":true");
            }
        }
        if (authRequired) {
            sb.append(",\"auth_required\":true");
        }
        sb.append(",\"max_payload\":").append(settings.maxPayload());
        if (jetStream) {
            sb.append(",\"jetstream\":true");
        }
        clientPrefix = bytes(sb);
    }

    /** server_id, server_name, version, proto, go, host, port, headers: the fields every kind starts with. */
    private static StringBuilder common(Identity id, HotSettings settings) {
        StringBuilder sb = new StringBuilder(256).append("INFO {\"server_id\":");
        Json.quote(sb, id.serverId()).append(",\"server_name\":");
        Json.quote(sb, id.serverName()).append(",\"version\":");
        Json.quote(sb, Version.NATS_SERVER).append(",\"proto\":").append(Version.PROTO).append(",\"go\":");
        Json.quote(sb, goVersion()).append(",\"host\":");
        Json.quote(sb, id.host()).append(",\"port\":").append(id.port())
                .append(",\"headers\":").append(!settings.noHeaderSupport());
        return sb;
    }

    /** What INFO and /varz show in nats-server's {@code go} field: the runtime. */
    static String goVersion() {
        return "nats4j/" + Version.NATS4J + " java" + Runtime.version().feature();
    }

    /** The server part of a kind's INFO (no closing brace). */
    public byte[] prefix(ConnectionKind kind) {
        return switch (kind) {
            case CLIENT -> clientPrefix;
            default -> commonPrefix;
        };
    }

    /** The cluster's fields of client INFOs ({@code ,"cluster":...,"connect_urls":[...]}); empty when not clustered. */
    void clusterFields(String fields) {
        clusterFields = fields;
    }

    /** A whole INFO line for a kind: its prefix, then {@code fields} (",\"k\":v..." or empty), then the end. */
    public byte[] info(ConnectionKind kind, String fields) {
        return concat(prefix(kind), (fields + "} \r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A client's INFO: the prefix, then client_id, client_ip and the nonce when there is one. */
    byte[] forClient(ClientConnection client) {
        StringBuilder sb = new StringBuilder(64).append(",\"client_id\":").append(client.id()).append(",\"client_ip\":");
        Json.quote(sb, client.remoteIp());
        if (client.nonce() != null) {
            Json.quote(sb.append(",\"nonce\":"), client.nonce());
        }
        sb.append(clusterFields);
        // nats-server ends INFO with "} \r\n" (a space before CRLF); some harnesses match its bytes
        return info(ConnectionKind.CLIENT, sb.toString());
    }

    /** A client's INFO with {@code "ldm":true} after its own fields, where nats-server puts it (lame duck mode). */
    byte[] lameDuckForClient(ClientConnection client) {
        String info = new String(forClient(client), StandardCharsets.UTF_8);
        int end = info.lastIndexOf('}');
        return (info.substring(0, end) + ",\"ldm\":true" + info.substring(end)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(StringBuilder sb) {
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
