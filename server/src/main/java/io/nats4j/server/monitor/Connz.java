package io.nats4j.server.monitor;

import static io.nats4j.server.monitor.MonitorParams.decodeBool;
import static io.nats4j.server.monitor.MonitorParams.decodeInt;
import static io.nats4j.server.monitor.MonitorParams.decodeState;
import static io.nats4j.server.monitor.MonitorParams.decodeUint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** nats-server's /connz: open and closed client connections, filtered, sorted and paged ({@link Monitor#connz}). */
final class Connz {

    static final Set<String> SORT_OPTIONS = Set.of("cid", "start", "subs", "pending", "msgs_to", "msgs_from",
            "bytes_to", "bytes_from", "last", "idle", "uptime", "stop", "reason", "rtt");

    private final NatsServer server;

    Connz(NatsServer server) {
        this.server = server;
    }

    ObjectNode connz(Map<String, String> q) throws MonitorException {
        String sort = q.getOrDefault("sort", "");
        if (sort.isEmpty()) {
            sort = "cid";
        } else if (!SORT_OPTIONS.contains(sort)) {
            throw new MonitorException("invalid sorting option: " + sort);
        }
        boolean auth = decodeBool(q, "auth");
        boolean subsDetail = "detail".equals(q.getOrDefault("subs", "").toLowerCase(Locale.ROOT));
        boolean subs = !subsDetail && decodeBool(q, "subs");
        int offset = Math.max(0, decodeInt(q, "offset"));
        int limit = decodeInt(q, "limit");
        long cid = decodeUint(q, "cid");
        String state = decodeState(q);
        String user = q.getOrDefault("user", "");
        String acc = q.getOrDefault("acc", "");
        if (limit <= 0) {
            limit = Monitor.DEFAULT_LIST_SIZE;
        }
        if (sort.equals("stop") && !state.equals("closed")) {
            throw new MonitorException("sort by stop only valid on closed connections");
        }
        if (sort.equals("reason") && !state.equals("closed")) {
            throw new MonitorException("sort by reason only valid on closed connections");
        }
        if (cid > 0) {
            limit = 1;
        }
        Instant now = Instant.now();
        List<ConnSnapshot> open = new ArrayList<>();
        if (!state.equals("closed")) {
            for (ClientConnection c : server.connections()) {
                if (!acc.isEmpty() && (c.account() == null || !c.account().name().equals(acc))) {
                    continue;
                }
                if (c.rttNanos() == 0 && !c.lang().isEmpty()) {
                    c.requestRtt();
                }
                open.add(ConnSnapshot.of(c, null));
            }
        }
        List<ConnSnapshot> closed = state.equals("open") ? List.of() : server.closedConnections().snapshot();
        if (!acc.isEmpty()) {
            closed = closed.stream().filter(s -> s.account().equals(acc)).toList();
        }
        int total = open.size() + closed.size();
        List<ConnSnapshot> all = new ArrayList<>();
        if (cid > 0) {
            closed.stream().filter(s -> s.cid() == cid).findFirst().ifPresentOrElse(all::add,
                    () -> open.stream().filter(s -> s.cid() == cid).findFirst().ifPresent(all::add));
        } else {
            for (ConnSnapshot s : open) {
                if (user.isEmpty() || s.user().equals(user)) {
                    all.add(s);
                }
            }
            for (ConnSnapshot s : closed) {
                if (user.isEmpty() || s.user().equals(user)) {
                    all.add(s);
                }
            }
        }
        all.sort(comparator(sort, now).thenComparingLong(ConnSnapshot::cid));
        int from = Math.min(offset, all.size());
        int to = Math.min(offset + limit, all.size());
        List<ConnSnapshot> page = all.subList(from, to);

        ObjectNode c = GoJson.object();
        c.put("server_id", server.serverId());
        c.put("now", GoTime.rfc3339Nano(now));
        c.put("num_connections", page.size());
        c.put("total", total);
        c.put("offset", offset);
        c.put("limit", limit);
        ArrayNode conns = c.putArray("connections");
        for (ConnSnapshot s : page) {
            conns.add(connInfo(s, now, auth, subs, subsDetail));
        }
        return c;
    }

    private static Comparator<ConnSnapshot> comparator(String sort, Instant now) {
        return switch (sort) {
            case "subs" -> Comparator.comparingInt(ConnSnapshot::numSubs).reversed();
            case "pending" -> Comparator.comparingLong(ConnSnapshot::pendingBytes).reversed();
            case "msgs_to" -> Comparator.comparingLong(ConnSnapshot::outMsgs).reversed();
            case "msgs_from" -> Comparator.comparingLong(ConnSnapshot::inMsgs).reversed();
            case "bytes_to" -> Comparator.comparingLong(ConnSnapshot::outBytes).reversed();
            case "bytes_from" -> Comparator.comparingLong(ConnSnapshot::inBytes).reversed();
            case "last" -> Comparator.comparing(ConnSnapshot::lastActivity).reversed();
            case "idle" -> Comparator.comparing((ConnSnapshot s) -> idle(s, now)).reversed();
            case "uptime" -> Comparator.comparing((ConnSnapshot s) -> uptime(s, now)).reversed();
            case "stop" -> Comparator.comparing((ConnSnapshot s) -> s.stop() == null ? Instant.MIN : s.stop())
                    .reversed();
            case "reason" -> Comparator.comparing((ConnSnapshot s) -> s.reason() == null ? "" : s.reason());
            case "rtt" -> Comparator.comparingLong(ConnSnapshot::rttNanos).reversed();
            default -> Comparator.comparingLong(ConnSnapshot::cid); // cid, start
        };
    }

    private static Duration uptime(ConnSnapshot s, Instant now) {
        return Duration.between(s.start(), s.stop() != null ? s.stop() : now);
    }

    private static Duration idle(ConnSnapshot s, Instant now) {
        return Duration.between(s.lastActivity(), s.stop() != null ? s.stop() : now);
    }

    private static ObjectNode connInfo(ConnSnapshot s, Instant now, boolean auth, boolean subs, boolean detail) {
        ObjectNode ci = GoJson.object();
        ci.put("cid", s.cid());
        ci.put("kind", "Client");
        ci.put("type", "nats");
        ci.put("ip", s.ip());
        ci.put("port", s.port());
        ci.put("start", GoTime.rfc3339Nano(s.start()));
        ci.put("last_activity", GoTime.rfc3339Nano(s.lastActivity()));
        if (s.stop() != null) {
            ci.put("stop", GoTime.rfc3339Nano(s.stop()));
            ci.put("reason", s.reason());
        }
        ci.put("rtt", GoTime.rtt(s.rttNanos()));
        ci.put("uptime", GoTime.uptime(uptime(s, now)));
        ci.put("idle", GoTime.uptime(idle(s, now)));
        ci.put("pending_bytes", s.pendingBytes());
        ci.put("in_msgs", s.inMsgs());
        ci.put("out_msgs", s.outMsgs());
        ci.put("in_bytes", s.inBytes());
        ci.put("out_bytes", s.outBytes());
        ci.put("subscriptions", s.numSubs());
        putIfNotEmpty(ci, "name", s.name());
        putIfNotEmpty(ci, "lang", s.lang());
        putIfNotEmpty(ci, "version", s.version());
        if (auth) {
            putIfNotEmpty(ci, "authorized_user", s.authorizedUser());
        }
        if (auth && !s.account().isEmpty() && !s.account().equals(Account.GLOBAL)) {
            ci.put("account", s.account());
        }
        if (!s.subs().isEmpty()) {
            if (detail) {
                ArrayNode list = ci.putArray("subscriptions_list_detail");
                for (ConnSnapshot.SubDetail d : s.subs()) {
                    list.add(subDetail(d, false));
                }
            } else if (subs) {
                ArrayNode list = ci.putArray("subscriptions_list");
                for (ConnSnapshot.SubDetail d : s.subs()) {
                    list.add(d.subject());
                }
            }
        }
        return ci;
    }

    static ObjectNode subDetail(ConnSnapshot.SubDetail d, boolean withAccount) {
        ObjectNode n = GoJson.object();
        if (withAccount) {
            putIfNotEmpty(n, "account", d.account());
        }
        n.put("subject", d.subject());
        putIfNotEmpty(n, "qgroup", d.queue());
        n.put("sid", d.sid());
        n.put("msgs", d.msgs());
        if (d.max() != 0) {
            n.put("max", d.max());
        }
        n.put("cid", d.cid());
        return n;
    }

    static void putIfNotEmpty(ObjectNode n, String key, String value) {
        if (value != null && !value.isEmpty()) {
            n.put(key, value);
        }
    }
}
