package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.testsupport.JnatsConnections;
import io.nats4j.server.testsupport.ServerConfig;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The system account's events and services, seen by jnats clients: a user of the system account listens
 * to events and sends requests, users of account A connect, disconnect, get kicked and ask who they are.
 * Runs against nats4j and nats-server (field names compared; features newer than nats-server 2.9 are
 * skipped against the installed Go server).
 */
@ExtendWith(TestServerExtension.class)
class SystemAccountTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String CONFIG = """
            accounts {
              SYS: { users: [{user: sys, password: sys}] }
              A: { users: [
                {user: a, password: a, permissions: {publish: ["foo.>", "_INBOX.>", "$SYS.REQ.USER.INFO"], subscribe: ">"}}
                {user: a2, password: a}
              ] }
            }
            system_account: SYS
            """;

    private static Connection login(JnatsConnections clients, String user, String pass) throws Exception {
        return clients.connect(Options.builder().noReconnect().userInfo(user, pass).connectionName("cn-" + user));
    }

    private static JsonNode json(Message m) throws Exception {
        assertNotNull(m, "no message");
        return JSON.readTree(new String(m.getData(), StandardCharsets.UTF_8));
    }

    private static Set<String> keys(JsonNode n) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            out.add(it.next());
        }
        return out;
    }

    private static void assertServerInfo(JsonNode si, String serverId) {
        assertEquals(serverId, si.path("id").asText(), si.toString());
        assertFalse(si.path("name").asText().isEmpty());
        assertTrue(si.has("host") && si.has("ver") && si.has("jetstream"), si.toString());
        assertTrue(si.path("seq").asLong() > 0, si.toString());
        assertTrue(si.path("time").asText().endsWith("Z"), si.toString());
    }

    /** The installed nats-server is 2.9: KICK, LDM and RELOAD requests arrived in 2.10. */
    private static boolean olderGoServer(Connection c) {
        return TestServer.isGoServer() && c.getServerInfo().getVersion().startsWith("2.9");
    }

    @Test
    @ServerConfig(config = CONFIG)
    void connectAndDisconnectEventsCarryClientInfoStatsAndReason(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sys = login(clients, "sys", "sys");
            String serverId = sys.getServerInfo().getServerId();
            Subscription connects = sys.subscribe("$SYS.ACCOUNT.A.CONNECT");
            Subscription events = sys.subscribe("$SYS.ACCOUNT.A.DISCONNECT");
            Subscription counts = sys.subscribe("$SYS.ACCOUNT.A.SERVER.CONNS");
            sys.flush(WAIT);

            Connection a = login(clients, "a", "a");
            JsonNode count = json(counts.nextMessage(WAIT));
            assertEquals("io.nats.server.advisory.v1.account_connections", count.path("type").asText());
            assertEquals("A", count.path("acc").asText());
            assertEquals(1, count.path("conns").asInt(), count.toString());
            assertEquals(1, count.path("total_conns").asInt());
            assertServerInfo(count.path("server"), serverId);
            JsonNode connect = json(connects.nextMessage(WAIT));
            assertEquals("io.nats.server.advisory.v1.client_connect", connect.path("type").asText());
            assertEquals(22, connect.path("id").asText().length(), connect.toString());
            assertTrue(connect.path("timestamp").asText().endsWith("Z"));
            assertServerInfo(connect.path("server"), serverId);
            JsonNode ci = connect.path("client");
            assertEquals("A", ci.path("acc").asText());
            assertEquals("a", ci.path("user").asText());
            assertEquals("cn-a", ci.path("name").asText());
            assertEquals("java", ci.path("lang").asText());
            assertEquals("127.0.0.1", ci.path("host").asText());
            assertEquals(a.getServerInfo().getClientId(), ci.path("id").asLong());
            assertTrue(ci.has("start") && ci.has("ver"), ci.toString());
            assertEquals(Set.of("type", "id", "timestamp", "server", "client"), keys(connect));

            a.publish("foo.bar", "hello".getBytes(StandardCharsets.UTF_8));
            a.flush(WAIT);
            a.close();
            JsonNode disc = json(events.nextMessage(WAIT));
            assertEquals("io.nats.server.advisory.v1.client_disconnect", disc.path("type").asText());
            assertEquals("Client Closed", disc.path("reason").asText());
            assertEquals(Set.of("type", "id", "timestamp", "server", "client", "sent", "received", "reason"), keys(disc));
            assertTrue(disc.path("client").has("stop"), disc.toString());
            assertEquals(1, disc.path("sent").path("msgs").asLong(), disc.toString());
            assertEquals(5, disc.path("sent").path("bytes").asLong(), disc.toString());
            assertTrue(disc.path("server").path("seq").asLong() > connect.path("server").path("seq").asLong());
            assertEquals(0, json(counts.nextMessage(WAIT)).path("conns").asInt());
        }
    }

    @Test
    @ServerConfig(config = CONFIG)
    void systemAccountClientsProduceEventsToo(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sys = login(clients, "sys", "sys");
            Subscription connects = sys.subscribe("$SYS.ACCOUNT.SYS.CONNECT");
            Subscription disconnects = sys.subscribe("$SYS.ACCOUNT.SYS.DISCONNECT");
            sys.flush(WAIT);
            Connection s2 = login(clients, "sys", "sys");
            // connects in the system account itself are reported too (only $G is silent)
            JsonNode connect = json(connects.nextMessage(WAIT));
            assertEquals("SYS", connect.path("client").path("acc").asText());
            s2.close();
            assertEquals("Client Closed", json(disconnects.nextMessage(WAIT)).path("reason").asText());
        }
    }

    @Test
    @ServerConfig(config = CONFIG)
    void authErrorsAreReportedToTheSystemAccount(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sys = login(clients, "sys", "sys");
            Subscription events = sys.subscribe("$SYS.SERVER.*.CLIENT.AUTH.ERR");
            sys.flush(WAIT);
            try {
                login(clients, "a", "wrong");
            } catch (Exception expected) {
                // authorization violation
            }
            JsonNode ev = json(events.nextMessage(WAIT));
            assertEquals("io.nats.server.advisory.v1.client_disconnect", ev.path("type").asText());
            assertEquals("Authentication Failure", ev.path("reason").asText());
            assertEquals("a", ev.path("client").path("user").asText());
            assertTrue(events.getSubject().startsWith("$SYS.SERVER."));
        }
    }

    @Test
    @ServerConfig(config = CONFIG)
    void statszAnswersPingsAndDirectRequests(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sys = login(clients, "sys", "sys");
            login(clients, "a", "a");
            String id = sys.getServerInfo().getServerId();
            for (String subject : List.of("$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.STATSZ", "$SYS.REQ.SERVER." + id + ".STATSZ")) {
                JsonNode m = json(sys.request(subject, new byte[0], WAIT));
                assertServerInfo(m.path("server"), id);
                JsonNode st = m.path("statsz");
                assertEquals(2, st.path("connections").asInt(), subject + " " + m);
                assertTrue(st.path("total_connections").asInt() >= 2);
                assertTrue(st.path("active_accounts").asInt() >= 2, m.toString());
                for (String k : List.of("start", "mem", "cores", "cpu", "subscriptions", "sent", "received", "slow_consumers")) {
                    assertTrue(st.has(k), k + " missing in " + st);
                }
            }
            // a server-name filter that does not match: no answer from this server
            Subscription inbox = sys.subscribe("filtered.reply");
            sys.publish("$SYS.REQ.SERVER.PING.STATSZ", "filtered.reply", "{\"server_name\":\"no-such-server\"}".getBytes(StandardCharsets.UTF_8));
            assertNull(inbox.nextMessage(QUIET));
        }
    }

    @Test
    @ServerConfig(config = CONFIG)
    void monitoringRequestsAnswerWithServerAndData(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sys = login(clients, "sys", "sys");
            Connection a = login(clients, "a", "a");
            a.subscribe("foo.sub");
            a.flush(WAIT);
            String id = sys.getServerInfo().getServerId();

            JsonNode varz = json(sys.request("$SYS.REQ.SERVER.PING.VARZ", new byte[0], WAIT));
            assertServerInfo(varz.path("server"), id);
            assertEquals(id, varz.path("data").path("server_id").asText());
            assertEquals(Set.of("server", "data"), keys(varz));

            JsonNode connz = json(sys.request("$SYS.REQ.SERVER." + id + ".CONNZ", "{\"subscriptions\":true}".getBytes(StandardCharsets.UTF_8), WAIT));
            assertEquals(2, connz.path("data").path("num_connections").asInt(), connz.toString());

            JsonNode accConnz = json(sys.request("$SYS.REQ.ACCOUNT.A.CONNZ", new byte[0], WAIT));
            JsonNode conns = accConnz.path("data").path("connections");
            assertEquals(1, conns.size(), accConnz.toString());
            assertEquals(a.getServerInfo().getClientId(), conns.get(0).path("cid").asLong());

            JsonNode subsz = json(sys.request("$SYS.REQ.ACCOUNT.A.SUBSZ", new byte[0], WAIT));
            List<String> subjects = new ArrayList<>();
            subsz.path("data").path("subscriptions_list").forEach(s -> subjects.add(s.path("subject").asText()));
            assertTrue(subjects.contains("foo.sub"), subsz.toString());

            assumeFalse(olderGoServer(sys), "IDZ needs nats-server 2.10");
            JsonNode idz = json(sys.request("$SYS.REQ.SERVER." + id + ".IDZ", new byte[0], WAIT));
            assertEquals(id, idz.path("id").asText());
            assertEquals(Set.of("name", "host", "id"), keys(idz));

            JsonNode healthz = json(sys.request("$SYS.REQ.SERVER.PING.HEALTHZ", new byte[0], WAIT));
            assertEquals("ok", healthz.path("data").path("status").asText(), healthz.toString());

            JsonNode bad = json(sys.request("$SYS.REQ.SERVER.PING.CONNZ", "{not json".getBytes(StandardCharsets.UTF_8), WAIT));
            assertEquals(400, bad.path("error").path("code").asInt(), bad.toString());
        }
    }

    @Test
    @ServerConfig(config = CONFIG)
    void userInfoTellsAnyClientWhoItIs(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a = login(clients, "a", "a");
            assumeFalse(olderGoServer(a), "$SYS.REQ.USER.INFO needs nats-server 2.10");
            JsonNode info = json(a.request("$SYS.REQ.USER.INFO", new byte[0], WAIT));
            JsonNode d = info.path("data");
            assertEquals("a", d.path("user").asText(), info.toString());
            assertEquals("A", d.path("account").asText());
            List<String> allow = new ArrayList<>();
            d.path("permissions").path("publish").path("allow").forEach(x -> allow.add(x.asText()));
            assertEquals(List.of("foo.>", "_INBOX.>", "$SYS.REQ.USER.INFO"), allow);

            Connection sys = login(clients, "sys", "sys");
            JsonNode mine = json(sys.request("$SYS.REQ.USER.INFO", new byte[0], WAIT)).path("data");
            assertEquals("sys", mine.path("user").asText());
            assertEquals("SYS", mine.path("account").asText());
            assertFalse(mine.has("permissions"));
        }
    }

    @Test
    @ServerConfig(config = CONFIG)
    void kickClosesAClientByItsIdAndLdmTellsItToLeave(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection sys = login(clients, "sys", "sys");
            assumeFalse(olderGoServer(sys), "KICK/LDM need nats-server 2.10");
            String id = sys.getServerInfo().getServerId();
            Subscription events = sys.subscribe("$SYS.ACCOUNT.A.DISCONNECT");
            sys.flush(WAIT);
            Connection a = login(clients, "a", "a");
            long cid = a.getServerInfo().getClientId();

            JsonNode ldm = json(sys.request("$SYS.REQ.SERVER." + id + ".LDM", ("{\"cid\":" + cid + "}").getBytes(StandardCharsets.UTF_8), WAIT));
            assertFalse(ldm.has("error"), ldm.toString());
            assertTrue(a.getStatus() == Connection.Status.CONNECTED);

            JsonNode kick = json(sys.request("$SYS.REQ.SERVER." + id + ".KICK", ("{\"cid\":" + cid + "}").getBytes(StandardCharsets.UTF_8), WAIT));
            assertFalse(kick.has("error"), kick.toString());
            assertServerInfo(kick.path("server"), id);
            JsonNode ev = json(events.nextMessage(WAIT));
            assertEquals("Kicked", ev.path("reason").asText());
            assertEquals(cid, ev.path("client").path("id").asLong());

            JsonNode none = json(sys.request("$SYS.REQ.SERVER." + id + ".KICK", "{\"cid\":999999}".getBytes(StandardCharsets.UTF_8), WAIT));
            assertEquals(500, none.path("error").path("code").asInt());
            assertEquals("no such client or leafnode id", none.path("error").path("description").asText());
        }
    }

    @Test
    @ServerConfig(config = CONFIG)
    void accountClientsCannotReachSystemRequests(TestServer server) throws Exception {
        try (JnatsConnections clients = new JnatsConnections(server)) {
            Connection a2 = login(clients, "a2", "a");
            Subscription inbox = a2.subscribe("my.reply");
            a2.publish("$SYS.REQ.SERVER.PING", "my.reply", new byte[0]);
            Message m = inbox.nextMessage(QUIET);
            assertTrue(m == null || m.isStatusMessage(), "the system services live in the system account only: " + m);
            // but the account-scoped CONNZ ping is imported into every account
            JsonNode connz = json(a2.request("$SYS.REQ.SERVER.PING.CONNZ", new byte[0], WAIT));
            assertEquals(1, connz.path("data").path("num_connections").asInt(), connz.toString());
        }
    }
}
