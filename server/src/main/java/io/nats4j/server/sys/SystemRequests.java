package io.nats4j.server.sys;

import static io.nats4j.server.sys.SystemAccountService.*;
import static io.nats4j.server.sys.SysJson.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Permissions;
import io.nats4j.server.auth.SubjectPermission;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.monitor.GoJson;
import io.nats4j.server.monitor.Monitor;
import io.nats4j.server.monitor.MonitorException;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code $SYS} requests answered to clients (nats-server's events.go request handlers): server and account
 * monitoring requests ({@code $SYS.REQ.SERVER.*}, {@code $SYS.REQ.ACCOUNT.*}) through {@link io.nats4j.server.monitor.Monitor},
 * {@code $SYS.REQ.USER.INFO}, and the actions RELOAD, KICK and LDM. Runs on the {@link SystemAccountService}'s
 * thread; answers are published through it.
 */
final class SystemRequests {

    private final SystemAccountService service;
    private final NatsServer server;
    private final ServerLogger log;

    SystemRequests(SystemAccountService service) {
        this.service = service;
        this.server = service.server;
        this.log = service.log;
    }

    void statszRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        boolean broadcast = reply == null || reply.isEmpty();
        String to = broadcast ? String.format(SERVER_STATS, server.serverId()) : reply;
        if (msg.length > 0) {
            JsonNode opts;
            try {
                opts = SystemAccountService.Lazy.MAPPER.readTree(msg);
            } catch (Exception e) {
                ObjectNode resp = GoJson.object();
                ObjectNode si = resp.putObject("server");
                error(resp, 400, jsonError(e));
                service.publish(a, to, si, resp);
                return;
            }
            if (filtered(opts)) {
                return;
            }
        }
        if (broadcast) {
            service.statszSent(); // a broadcast answer counts as the heartbeat
        }
        service.sendStatsz(a, to);
    }

    /** A monitoring builder that takes nats-server's query parameters. */
    @FunctionalInterface
    interface Builder {
        ObjectNode build(Map<String, String> query) throws MonitorException;
    }

    /** Request JSON field -> monitoring query parameter, per endpoint (nats-server's *Options JSON names). */
    static final Map<String, String> CONNZ_PARAMS = Map.of("sort", "sort", "auth", "auth", "subscriptions", "subs",
            "offset", "offset", "limit", "limit", "cid", "cid", "user", "user", "acc", "acc", "state", "state");

    static final Map<String, String> SUBSZ_PARAMS = Map.of("offset", "offset", "limit", "limit",
            "subscriptions", "subs", "account", "acc", "test", "test");

    static final Map<String, String> ACCOUNTZ_PARAMS = Map.of("account", "acc");

    static final Map<String, String> NO_PARAMS = Map.of();

    Handler serverHandler(String name) {
        Monitor mon = server.monitor();
        return switch (name) {
            case "STATSZ" -> this::statszRequest;
            case "IDZ" -> (a, c, s, r, h, p) -> {
                if (r == null) {
                    return;
                }
                ObjectNode id = GoJson.object();
                id.put("name", server.serverName());
                id.put("host", server.infoHost());
                id.put("id", server.serverId());
                service.publishRaw(a, r, id);
            };
            case "VARZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> mon.varz(), NO_PARAMS);
            case "SUBSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::subsz, SUBSZ_PARAMS);
            case "CONNZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::connz, CONNZ_PARAMS);
            case "ROUTEZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::routez, NO_PARAMS);
            case "GATEWAYZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::gatewayz, NO_PARAMS);
            case "LEAFZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::leafz, NO_PARAMS);
            case "ACCOUNTZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::accountz, ACCOUNTZ_PARAMS);
            case "JSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::jsz, NO_PARAMS);
            case "HEALTHZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::healthz, NO_PARAMS);
            default -> throw new IllegalArgumentException(name);
        };
    }

    Handler accountHandler(String name) {
        Monitor mon = server.monitor();
        return switch (name) {
            case "SUBSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> {
                q.put("subs", "true");
                q.put("acc", accountToken(s));
                return mon.subsz(q);
            }, SUBSZ_PARAMS);
            case "CONNZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> {
                q.put("acc", accountToken(s));
                return mon.connz(q);
            }, CONNZ_PARAMS);
            case "LEAFZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::leafz, NO_PARAMS);
            case "JSZ" -> (a, c, s, r, h, p) -> zReq(a, r, p, mon::jsz, NO_PARAMS);
            case "INFO" -> (a, c, s, r, h, p) -> zReq(a, r, p, q -> {
                Map<String, String> aq = new HashMap<>();
                aq.put("acc", accountToken(s));
                JsonNode d = mon.accountz(aq).get("account_detail");
                return d == null ? GoJson.object() : (ObjectNode) d;
            }, NO_PARAMS);
            case "STATZ" -> (a, c, s, r, h, p) -> {
                String acc = accountToken(s);
                if (!"PING".equals(acc)) {
                    accountStatz(server.accounts().get(acc) == null ? new Account(acc) : server.accounts().get(acc), r, p);
                }
            };
            case "CONNS" -> (a, c, s, r, h, p) -> service.accountConns(accountToken(s), r);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The {@code <acc>} of {@code $SYS.REQ.ACCOUNT.<acc>.<X>}. */
    static String accountToken(String subject) {
        String[] t = subject.split("\\.");
        return t.length == 5 ? t[3] : "";
    }

    /**
     * nats-server's zReq: the payload (if any) is the endpoint's options as JSON plus the server filter
     * ({@code server_name}, {@code host}, {@code cluster}, {@code tags}, {@code domain}); a server the filter
     * excludes stays silent. Answers {@code {"server":{...},"data":{...}}} or {@code "error":{code,description}}.
     */
    void zReq(Account a, String reply, byte[] msg, Builder builder, Map<String, String> params) {
        if (reply == null || reply.isEmpty()) {
            return;
        }
        ObjectNode resp = GoJson.object();
        ObjectNode si = resp.putObject("server");
        Map<String, String> q = new HashMap<>();
        if (msg.length > 0) {
            JsonNode opts;
            try {
                opts = SystemAccountService.Lazy.MAPPER.readTree(msg);
            } catch (Exception e) {
                error(resp, 400, jsonError(e));
                service.publish(a, reply, si, resp);
                return;
            }
            if (filtered(opts)) {
                return;
            }
            toQuery(opts, params, q);
        }
        try {
            ObjectNode data = builder.build(q);
            if (data != null) {
                resp.set("data", data);
            }
        } catch (MonitorException e) {
            error(resp, 500, e.getMessage());
        } catch (SkipReply e) {
            return;
        } catch (RuntimeException e) {
            error(resp, 500, String.valueOf(e.getMessage()));
        }
        service.publish(a, reply, si, resp);
    }

    /** Thrown by a builder whose answer would be empty: nats-server's errSkipZreq (no reply at all). */
    static final class SkipReply extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SkipReply() {
            super(null, null, false, false);
        }
    }

    static void toQuery(JsonNode opts, Map<String, String> params, Map<String, String> q) {
        if (!opts.isObject()) {
            return;
        }
        for (Map.Entry<String, String> e : params.entrySet()) {
            JsonNode v = opts.get(e.getKey());
            if (v == null || v.isNull()) {
                continue;
            }
            String param = e.getValue();
            if (param.equals("state") && v.isNumber()) {
                q.put(param, switch (v.asInt()) {
                    case 1 -> "closed";
                    case 2 -> "all";
                    default -> "open";
                });
            } else {
                q.put(param, v.asText());
            }
        }
        if (params == CONNZ_PARAMS && opts.path("subscriptions_detail").asBoolean(false)) {
            q.put("subs", "detail");
        }
    }

    /** True when the request's server filter excludes this server (nats-server's filterRequest). */
    boolean filtered(JsonNode opts) {
        String name = opts.path("server_name").asText("");
        if (!name.isEmpty() && !server.serverName().contains(name)) {
            return true;
        }
        String host = opts.path("host").asText("");
        if (!host.isEmpty() && !server.infoHost().contains(host)) {
            return true;
        }
        if (!opts.path("cluster").asText("").isEmpty()) {
            return true; // no cluster name: nothing contains a non-empty filter
        }
        JsonNode tags = opts.get("tags");
        if (tags != null && tags.isArray() && !tags.isEmpty()) {
            return true; // no server tags yet
        }
        return !opts.path("domain").asText("").isEmpty();
    }

    /** {@code $SYS.REQ.ACCOUNT.PING.STATZ} / {@code .<acc>.STATZ}: null account = every account. */
    void accountStatz(Account only, String reply, byte[] msg) {
        Account target = only == null ? service.system() : server.accounts().get(only.name());
        zReq(target == null ? service.system() : target, reply, msg, q -> {
            boolean unused = "true".equals(q.get("unused"));
            ObjectNode all = server.monitor().accstatz(Map.of("unused", "true"));
            ArrayNode list = (ArrayNode) all.get("account_statz");
            ArrayNode keep = SystemAccountService.Lazy.MAPPER.createArrayNode();
            for (JsonNode n : list) {
                boolean match = only == null || only.name().equals(n.path("acc").asText());
                if (match && (unused || n.path("conns").asInt() != 0)) {
                    keep.add(n);
                }
            }
            if (keep.isEmpty() && !unused) {
                throw new SkipReply();
            }
            all.set("account_statz", keep);
            return all;
        }, Map.of("include_unused", "unused"));
    }

    /** {@code $SYS.REQ.USER.INFO}: who the requesting client is, in which account, with which permissions. */
    void userInfo(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        if (reply == null || reply.isEmpty()) {
            return;
        }
        ObjectNode resp = GoJson.object();
        ObjectNode si = resp.putObject("server");
        if (from == null) {
            error(resp, 400, "");
        } else {
            ObjectNode d = resp.putObject("data");
            d.put("user", from.user() == null ? from.connectUser() : from.user());
            d.put("account", from.account() == null ? a.name() : from.account().name());
            Permissions p = from.permissions();
            if (p != null) {
                d.set("permissions", permissionsJson(p));
            }
        }
        service.publish(a, reply, si, resp);
    }

    static ObjectNode permissionsJson(Permissions p) {
        ObjectNode n = GoJson.object();
        subjectPermission(n, "publish", p.publish());
        subjectPermission(n, "subscribe", p.subscribe());
        if (p.response() != null) {
            ObjectNode r = n.putObject("responses");
            r.put("max", p.response().maxMsgs());
            r.put("ttl", p.response().expires() == null ? 0 : p.response().expires().toNanos());
        }
        return n;
    }

    static void subjectPermission(ObjectNode parent, String key, SubjectPermission sp) {
        if (sp == null) {
            return;
        }
        ObjectNode n = parent.putObject(key);
        if (sp.allow() != null && !sp.allow().isEmpty()) {
            ArrayNode a = n.putArray("allow");
            sp.allow().forEach(a::add);
        }
        if (sp.deny() != null && !sp.deny().isEmpty()) {
            ArrayNode d = n.putArray("deny");
            sp.deny().forEach(d::add);
        }
    }

    void reloadRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        zReq(a, reply, msg, q -> {
            try {
                server.reload();
            } catch (Exception e) {
                throw new MonitorException(e.getMessage());
            }
            return null;
        }, NO_PARAMS, true);
    }

    void kickRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        clientActionRequest(a, reply, msg, "kick", server::kickClient, "no such client or leafnode id");
    }

    void ldmRequest(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        clientActionRequest(a, reply, msg, "ldm", server::lameDuckClient, "no such client id");
    }

    /** KICK and LDM: act on the client named by {@code cid}, answering {@code notFound} when there is none. */
    void clientActionRequest(Account a, String reply, byte[] msg, String what,
            java.util.function.LongPredicate action, String notFound) {
        long cid = cidOf(msg, what);
        if (cid < 0) {
            return;
        }
        zReq(a, reply, msg, q -> {
            if (!action.test(cid)) {
                throw new MonitorException(notFound);
            }
            return null;
        }, NO_PARAMS, true);
    }

    /** The {@code cid} of a KICK/LDM request; -1 (logged, no reply) when the JSON is bad, as nats-server. */
    long cidOf(byte[] msg, String what) {
        try {
            JsonNode n = SystemAccountService.Lazy.MAPPER.readTree(msg);
            return n == null ? 0 : n.path("cid").asLong(0);
        } catch (Exception e) {
            log.error("Error unmarshalling " + what + " client request: " + jsonError(e));
            return -1;
        }
    }

    /** zReq for actions without data: success is {@code {"server":{...}}}. */
    void zReq(Account a, String reply, byte[] msg, Builder action, Map<String, String> params, boolean noData) {
        if (reply == null || reply.isEmpty()) {
            // nats-server still performs the action, it just cannot answer
            try {
                action.build(new HashMap<>());
            } catch (MonitorException e) {
                log.error(e.getMessage());
            }
            return;
        }
        zReq(a, reply, msg, action, params);
    }
}
