package io.nats4j.server.jetstream.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.jetstream.api.ApiRequest;
import io.nats4j.server.monitor.GoTime;
import io.nats4j.server.sys.InternalService;
import io.nats4j.server.sys.Nuid;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Publishes the JetStream advisories and metrics ({@link JsAdvisories}) in their accounts, as nats-server 2.10
 * writes them: a {@code TypedEvent} ({@code type}, {@code id}, {@code timestamp}) then the event's fields, empty
 * {@code domain} left out. One per JetStream server, on its own {@link InternalService} thread so that a burst of
 * naks never delays an API request; a full queue drops events (counted and logged, as every internal service).
 *
 * <p>The caller checks interest on its own thread (one subject match) and builds nothing when no one listens;
 * the JSON is built on this service's thread.
 */
public final class JsEvents extends InternalService implements JsAdvisories {

    private final String domain;

    public JsEvents(NatsServer server, String domain) {
        super(server, "jsevents", DEFAULT_MAX_QUEUED);
        this.domain = domain == null || domain.isEmpty() ? null : domain;
    }

    /** True when a subscription of {@code account} matches {@code subject}. */
    static boolean listened(Account account, String subject) {
        return account != null && !account.sublist().match(subject).isEmpty();
    }

    /** A {@code TypedEvent} of {@code type}: its {@code type}, a new {@code id} and the {@code timestamp}. */
    static ObjectNode typed(String type) {
        ObjectNode n = ApiRequest.MAPPER.createObjectNode();
        n.put("type", type);
        n.put("id", Nuid.next());
        n.put("timestamp", GoTime.rfc3339Nano(Instant.now()));
        return n;
    }

    private void send(Account account, String subject, java.util.function.Supplier<ObjectNode> event) {
        if (!listened(account, subject)) {
            return;
        }
        submit(() -> {
            ObjectNode e = event.get();
            if (domain != null) {
                e.put("domain", domain);
            }
            client.publish(account, subject, null, null, ApiRequest.bytes(e));
        });
    }

    /**
     * The {@code api_audit} advisory's JSON, or null when no one in {@code account} listens for it. Called by the
     * API service on its own thread right after it sent the response, so that the audit follows the answer.
     */
    public static byte[] auditJson(NatsServer server, String domain, Account account, ClientConnection from,
            String subject, byte[] request, byte[] response) {
        if (!listened(account, API_AUDIT)) {
            return null;
        }
        ObjectNode e = typed(API_AUDIT_TYPE);
        e.put("server", server.serverName());
        if (from == null) {
            e.putNull("client");
        } else {
            // nats-server 2.10's JetStream API import shares the requester's details (si.share): the full ClientInfo
            // as its connect events have it, plus the server (and cluster) that took the request, without the JWT
            ObjectNode ci = e.putObject("client");
            ci.put("start", GoTime.rfc3339Nano(from.startTime()));
            putNonEmpty(ci, "host", from.remoteIp());
            ci.put("id", from.id());
            ci.put("acc", account.name());
            var co = from.connectOptions();
            String user = co == null ? null : co.nkey != null && !co.nkey.isEmpty() ? co.nkey : co.user;
            putNonEmpty(ci, "user", user);
            putNonEmpty(ci, "name", from.name());
            putNonEmpty(ci, "lang", from.lang());
            putNonEmpty(ci, "ver", from.clientVersion());
            if (from.rttNanos() > 0) {
                ci.put("rtt", from.rttNanos());
            }
            ci.put("server", server.serverName());
            if (server.cluster() != null && server.cluster().name() != null && !server.cluster().name().isEmpty()) {
                ci.put("cluster", server.cluster().name());
            }
            if (from.user() != null && !Account.GLOBAL.equals(account.name())) {
                ci.put("issuer_key", account.name());
            }
            ci.put("kind", "Client");
            ci.put("client_type", "nats");
        }
        e.put("subject", subject);
        if (request != null && request.length > 0) {
            e.put("request", new String(request, StandardCharsets.UTF_8));
        }
        e.put("response", response == null ? "" : new String(response, StandardCharsets.UTF_8));
        if (domain != null && !domain.isEmpty()) {
            e.put("domain", domain);
        }
        return ApiRequest.bytes(e);
    }

    private static void putNonEmpty(ObjectNode n, String field, String value) {
        if (value != null && !value.isEmpty()) {
            n.put(field, value);
        }
    }

    @Override
    public void apiAudit(Account account, ClientConnection from, String subject, byte[] request, byte[] response) {
        if (!listened(account, API_AUDIT)) {
            return;
        }
        submit(() -> {
            byte[] j = auditJson(server, domain, account, from, subject, request, response);
            if (j != null) {
                client.publish(account, API_AUDIT, null, null, j);
            }
        });
    }

    @Override
    public void streamAction(Account account, String stream, Action action) {
        String prefix = switch (action) {
            case CREATE -> STREAM_CREATED;
            case DELETE -> STREAM_DELETED;
            case MODIFY -> STREAM_UPDATED;
        };
        send(account, prefix + "." + stream, () -> {
            ObjectNode e = typed(STREAM_ACTION_TYPE);
            e.put("stream", stream);
            e.put("action", action.json);
            return e;
        });
    }

    @Override
    public void consumerAction(Account account, String stream, String consumer, Action action) {
        String prefix = action == Action.DELETE ? CONSUMER_DELETED : CONSUMER_CREATED;
        send(account, prefix + "." + stream + "." + consumer, () -> {
            ObjectNode e = aboutConsumer(CONSUMER_ACTION_TYPE, stream, consumer);
            e.put("action", action.json);
            return e;
        });
    }

    @Override
    public void maxDeliveries(Account account, String stream, String consumer, long streamSeq, long deliveries) {
        send(account, MAX_DELIVERIES + "." + stream + "." + consumer, () -> {
            ObjectNode e = aboutConsumer(MAX_DELIVER_TYPE, stream, consumer);
            e.put("stream_seq", streamSeq);
            e.put("deliveries", deliveries);
            return e;
        });
    }

    @Override
    public void nak(Account account, String stream, String consumer, long consumerSeq, long streamSeq, long deliveries) {
        send(account, MSG_NAKED + "." + stream + "." + consumer, () -> {
            ObjectNode e = aboutMessage(NAK_TYPE, stream, consumer, consumerSeq, streamSeq);
            e.put("deliveries", deliveries);
            return e;
        });
    }

    @Override
    public void terminated(Account account, String stream, String consumer, long consumerSeq, long streamSeq,
            long deliveries, String reason) {
        send(account, MSG_TERMINATED + "." + stream + "." + consumer, () -> {
            ObjectNode e = aboutMessage(TERMINATED_TYPE, stream, consumer, consumerSeq, streamSeq);
            e.put("deliveries", deliveries);
            if (reason != null && !reason.isEmpty()) {
                e.put("reason", reason);
            }
            return e;
        });
    }

    @Override
    public void ackSample(Account account, String stream, String consumer, long consumerSeq, long streamSeq,
            long ackTimeNanos, long deliveries) {
        send(account, METRIC_ACK + "." + stream + "." + consumer, () -> {
            ObjectNode e = aboutMessage(ACK_METRIC_TYPE, stream, consumer, consumerSeq, streamSeq);
            e.put("ack_time", ackTimeNanos);
            e.put("deliveries", deliveries);
            return e;
        });
    }

    /** An event of {@code type} about one consumer: its stream and name first, in nats-server's order. */
    private ObjectNode aboutConsumer(String type, String stream, String consumer) {
        ObjectNode e = typed(type);
        e.put("stream", stream);
        e.put("consumer", consumer);
        return e;
    }

    /** The same about one delivered message: then its consumer and stream sequences. */
    private ObjectNode aboutMessage(String type, String stream, String consumer, long consumerSeq, long streamSeq) {
        ObjectNode e = aboutConsumer(type, stream, consumer);
        e.put("consumer_seq", consumerSeq);
        e.put("stream_seq", streamSeq);
        return e;
    }

    /** Sends what is queued (at most 2 s), then stops. */
    public void shutdown() {
        stop(() -> { }, 2, TimeUnit.SECONDS);
    }
}
