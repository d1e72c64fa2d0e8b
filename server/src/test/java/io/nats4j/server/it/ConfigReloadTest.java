package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.monitor.ConnSnapshot;
import io.nats4j.server.testsupport.RawClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config reload on a running embedded server with real clients: the config file is rewritten and
 * {@link NatsServer#reload()} (or the system account's RELOAD request) applies it without a restart.
 */
class ConfigReloadTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path dir;
    private NatsServer server;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        for (Connection c : connections) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing
            }
        }
        if (server != null) {
            server.close();
        }
    }

    private Path write(String text) throws IOException {
        Path f = dir.resolve("server.conf");
        Files.writeString(f, "host: 127.0.0.1\nport: -1\n" + text);
        return f;
    }

    private NatsServer start(String text) throws Exception {
        server = new NatsServer(ServerOptions.fromConfigFile(write(text)));
        server.start();
        return server;
    }

    private Connection connect(String user, String pass, List<String> errors) throws Exception {
        Options.Builder b = Options.builder().server(server.clientUrl()).noReconnect().userInfo(user, pass)
                .connectionTimeout(WAIT);
        if (errors != null) {
            b.errorListener(new ErrorListener() {
                @Override
                public void errorOccurred(Connection conn, String error) {
                    errors.add(error);
                }
            });
        }
        Connection c = Nats.connect(b.build());
        connections.add(c);
        return c;
    }

    private static String users(String alicePublish) {
        return """
                authorization {
                  users: [
                    {user: admin, password: admin}
                    {user: alice, password: alice, permissions: {publish: %s, subscribe: ">"}}
                    {user: bob, password: bob}
                  ]
                }
                """.formatted(alicePublish);
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aDeniedPublisherCanPublishAfterThePermissionsAreReloaded() throws Exception {
        start(users("\"foo\""));
        Connection admin = connect("admin", "admin", null);
        Subscription bar = admin.subscribe("bar");
        admin.flush(WAIT);
        List<String> errors = new CopyOnWriteArrayList<>();
        Connection alice = connect("alice", "alice", errors);

        alice.publish("bar", "denied".getBytes(StandardCharsets.UTF_8));
        alice.flush(WAIT);
        waitFor(() -> !errors.isEmpty(), "the permissions violation");
        assertEquals("Permissions Violation for Publish to \"bar\"", errors.get(0));
        assertNull(bar.nextMessage(QUIET));

        write(users("[\"foo\", \"bar\"]"));
        server.reload();
        alice.publish("bar", "allowed".getBytes(StandardCharsets.UTF_8));
        alice.flush(WAIT);
        Message m = bar.nextMessage(WAIT);
        assertNotNull(m, "alice may publish on bar after the reload");
        assertEquals("allowed", new String(m.getData(), StandardCharsets.UTF_8));
        assertEquals(Connection.Status.CONNECTED, alice.getStatus(), "same connection, no reconnect");
        assertEquals(1, errors.size());
    }

    @Test
    void aRemovedUserIsDisconnectedAndAChangedPasswordIsAnAuthorizationViolation() throws Exception {
        start(users("\">\""));
        Connection alice = connect("alice", "alice", null);
        Connection bob = connect("bob", "bob", null);
        Connection admin = connect("admin", "admin", null);
        long bobCid = bob.getServerInfo().getClientId();
        long aliceCid = alice.getServerInfo().getClientId();

        write("""
                authorization {
                  users: [
                    {user: admin, password: admin}
                    {user: alice, password: changed}
                  ]
                }
                """);
        server.reload();
        waitFor(() -> bob.getStatus() == Connection.Status.CLOSED, "bob to be disconnected");
        waitFor(() -> alice.getStatus() == Connection.Status.CLOSED, "alice to be disconnected");
        assertEquals(Connection.Status.CONNECTED, admin.getStatus());
        admin.flush(WAIT);
        assertEquals(ClosedState.CLIENT_CLOSED.text(), closedState(bobCid));
        assertEquals(ClosedState.AUTHENTICATION_VIOLATION.text(), closedState(aliceCid));
        // new connections use the new users
        assertThrows(IOException.class, () -> connect("bob", "bob", null));
        connect("alice", "changed", null).flush(WAIT);
    }

    private String closedState(long cid) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConnSnapshot c : server.closedConnections().snapshot()) {
                if (c.cid() == cid) {
                    return c.reason();
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("cid " + cid + " not closed");
    }

    @Test
    void aNonReloadableChangeIsRefusedAndTheRunningConfigurationKept() throws Exception {
        start("server_name: one\n" + users("\"foo\""));
        List<String> errors = new CopyOnWriteArrayList<>();
        Connection alice = connect("alice", "alice", errors);
        write("server_name: two\n" + users("\">\""));
        IOException e = assertThrows(IOException.class, server::reload);
        assertEquals("config reload not supported for ServerName: old=one, new=two", e.getMessage());
        alice.publish("bar", new byte[0]);
        alice.flush(WAIT);
        waitFor(() -> !errors.isEmpty(), "the permissions violation (old permissions kept)");
        assertEquals("one", server.serverName());

        write("server_name: one\nhost: 0.0.0.0\n" + users("\"foo\""));
        e = assertThrows(IOException.class, server::reload);
        assertEquals("config reload not supported for Host: old=127.0.0.1, new=0.0.0.0", e.getMessage());
    }

    @Test
    void aConfigErrorIsReportedAndNothingChanges() throws Exception {
        start("max_payload: 1000\n");
        Files.writeString(dir.resolve("server.conf"), "host: 127.0.0.1\nport: -1\nmax_payload: \"many\"\n");
        IOException e = assertThrows(IOException.class, server::reload);
        assertTrue(e.getMessage().contains("server.conf"), e.getMessage());
        assertEquals(1000, server.options().maxPayload);
    }

    @Test
    void limitsApplyToConnectedClients() throws Exception {
        start("max_payload: 1000\nmax_subscriptions: 10\n");
        try (RawClient c = RawClient.open(server.port(), 0)) {
            c.connectQuiet();
            c.send("PUB x 200\r\n" + "a".repeat(200) + "\r\n").sync();
            Files.writeString(dir.resolve("server.conf"), "host: 127.0.0.1\nport: -1\nmax_payload: 100\nmax_subscriptions: 1\n");
            server.reload();
            c.sync(); // the reload task ran on the client's loop before this PING
            c.send("SUB a 1\r\nSUB b 2\r\n").expect("-ERR 'maximum subscriptions exceeded'\r\n");
            c.send("PUB x 200\r\n" + "a".repeat(200) + "\r\n").expect("-ERR 'Maximum Payload Violation'\r\n");
            c.expectClosed(WAIT);
        }
        assertEquals(100, server.options().maxPayload);
    }

    @Test
    void subscriptionsTheNewPermissionsDenyAreRemoved() throws Exception {
        start("authorization { users: [{user: u, password: p}] }\n");
        try (RawClient c = RawClient.open(server.port(), 0); RawClient pub = RawClient.open(server.port(), 0)) {
            c.connect("{\"verbose\":false,\"pedantic\":false,\"user\":\"u\",\"pass\":\"p\"}").sync();
            pub.connect("{\"verbose\":false,\"pedantic\":false,\"user\":\"u\",\"pass\":\"p\"}").sync();
            c.send("SUB secret.x 1\r\nSUB public.x 2\r\n").sync();
            Files.writeString(dir.resolve("server.conf"), "host: 127.0.0.1\nport: -1\n"
                    + "authorization { users: [{user: u, password: p, permissions: {subscribe: {deny: \"secret.>\"}}}] }\n");
            server.reload();
            c.expect("-ERR 'Permissions Violation for Subscription to \"secret.x\"'\r\n");
            pub.send("PUB secret.x 1\r\na\r\nPUB public.x 1\r\nb\r\n").sync();
            c.expect("MSG public.x 2 1\r\nb\r\n");
            c.expectNothing(QUIET);
        }
    }

    @Test
    void reloadWithoutAConfigFileIsRefused() throws Exception {
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        server = new NatsServer(o);
        server.start();
        IOException e = assertThrows(IOException.class, server::reload);
        assertEquals("can only reload config when a file is provided using -c or --config", e.getMessage());
    }

    @Test
    void theSystemAccountReloadRequestReloadsAndReportsErrors() throws Exception {
        String base = """
                accounts { SYS: { users: [{user: sys, password: sys}] }, A: { users: [{user: a, password: a}] } }
                system_account: SYS
                """;
        start(base + "max_payload: 1000\n");
        Connection sys = connect("sys", "sys", null);
        String subject = "$SYS.REQ.SERVER." + server.serverId() + ".RELOAD";
        write(base + "max_payload: 2000\n");
        ObjectMapper json = new ObjectMapper();
        JsonNode ok = json.readTree(sys.request(subject, new byte[0], WAIT).getData());
        assertFalse(ok.has("error"), ok.toString());
        assertEquals(server.serverId(), ok.path("server").path("id").asText());
        assertEquals(2000, server.options().maxPayload);

        write("server_name: other\n" + base);
        JsonNode bad = json.readTree(sys.request(subject, new byte[0], WAIT).getData());
        assertEquals(500, bad.path("error").path("code").asInt(), bad.toString());
        assertTrue(bad.path("error").path("description").asText().startsWith("config reload not supported for ServerName"), bad.toString());
        // the system account's services survive a reload that rebuilt the accounts
        assertNotNull(sys.request("$SYS.REQ.SERVER.PING", new byte[0], WAIT));
        TimeUnit.MILLISECONDS.sleep(1);
    }

    @Test
    void accountsThatStayKeepTheirObjectAndTakeTheNewLimitsRemovedOnesAreMarked() throws Exception {
        start("""
                accounts {
                  A: { users: [{user: a, password: a}], exports: [{stream: "a.>"}] }
                  B: { users: [{user: b, password: b}] }
                }
                """);
        Connection a = connect("a", "a", null);
        Connection b = connect("b", "b", null);
        io.nats4j.server.auth.Account accountA = server.accounts().get("A");
        io.nats4j.server.auth.Account accountB = server.accounts().get("B");
        io.nats4j.server.auth.Account global = server.globalAccount();
        assertEquals(1, accountA.connectionCount());

        write("""
                accounts {
                  A: { users: [{user: a, password: a}], limits: {max_payload: 500, max_subs: 3} }
                  C: { users: [{user: c, password: c}] }
                }
                """);
        server.reload();
        assertSame(accountA, server.accounts().get("A"), "an account that stays is the same object");
        assertSame(global, server.globalAccount());
        assertEquals(500, accountA.maxPayload(), "its new limits apply in place");
        assertEquals(3, accountA.maxSubscriptions());
        assertEquals(1, accountA.connectionCount(), "its connection count carries over");
        assertFalse(accountA.isRemoved());
        assertTrue(accountB.isRemoved(), "a removed account is marked");
        assertNull(server.accounts().get("B"));
        waitFor(() -> b.getStatus() == Connection.Status.CLOSED, "the removed account's client to be closed");
        assertEquals(Connection.Status.CONNECTED, a.getStatus());
        // the same account keeps delivering to the subscriptions made before the reload
        Subscription sub = a.subscribe("x");
        a.flush(WAIT);
        Connection a2 = connect("a", "a", null);
        a2.publish("x", "after".getBytes(StandardCharsets.UTF_8));
        assertNotNull(sub.nextMessage(WAIT));
    }

    @Test
    void aFailedReloadLeavesTheAccountsLimitsAsTheyWere() throws Exception {
        start("accounts { A: { users: [{user: a, password: a}], limits: {max_payload: 500} } }\n");
        io.nats4j.server.auth.Account accountA = server.accounts().get("A");
        write("""
                accounts {
                  A: { users: [{user: a, password: a}], limits: {max_payload: 100} }
                  B: { users: [{user: a, password: dup}] }
                }
                """);
        assertThrows(IOException.class, server::reload);
        assertSame(accountA, server.accounts().get("A"));
        assertEquals(500, accountA.maxPayload(), "the failed reload did not touch the running account");
    }

    @Test
    void hotSettingsArePublishedAsANewSnapshotAndExistingConnectionsUseIt() throws Exception {
        start("max_payload: 1000\nmax_pending: 100000\n");
        io.nats4j.server.HotSettings before = server.settings();
        try (RawClient c = RawClient.open(server.port(), 0)) {
            c.connectQuiet();
            Files.writeString(dir.resolve("server.conf"), "host: 127.0.0.1\nport: -1\nmax_payload: 100\nmax_pending: 200000\n");
            server.reload();
            io.nats4j.server.HotSettings after = server.settings();
            assertNotSame(before, after, "a reload publishes a new snapshot");
            assertEquals(1000, before.maxPayload(), "the snapshot a connection may still hold never changes");
            assertEquals(100000, before.maxPending());
            assertEquals(100, after.maxPayload());
            assertEquals(200000, after.maxPending());
            // reload() returned: the connection already runs with the new snapshot
            c.send("PUB x 200\r\n" + "a".repeat(200) + "\r\n").expect("-ERR 'Maximum Payload Violation'\r\n");
        }
        try (RawClient fresh = RawClient.open(server.port(), 0)) {
            assertTrue(fresh.info().contains("\"max_payload\":100}") || fresh.info().contains("\"max_payload\":100,"),
                    fresh.info());
        }
    }

    @Test
    void operatorModeAccountsKeepTheirObjectAndSubscriptionsAcrossAReload() throws Exception {
        operatorModeReload(false);
    }

    @Test
    void operatorModeAccountsKeepTheirObjectWhenTheOperatorJwtChanges() throws Exception {
        operatorModeReload(true);
    }

    /** @param resign true to reload with the operator JWT signed anew (a new operator mode, same accounts) */
    private void operatorModeReload(boolean resign) throws Exception {
        io.nats4j.server.testsupport.TestJwts.Operator op = new io.nats4j.server.testsupport.TestJwts.Operator(dir);
        io.nats.client.NKey a = op.account("A");
        io.nats.client.NKey u = io.nats4j.server.testsupport.TestJwts.userKey();
        String userJwt = op.user(a, u);
        String config = op.config(); // once: each call signs the operator JWT anew
        start(config);
        try (RawClient sub = RawClient.open(server.port(), 0)) {
            io.nats4j.server.testsupport.TestJwts.sendJwtConnect(sub, userJwt, u);
            sub.expect("PONG\r\n");
            sub.send("SUB foo 1\r\n").sync();
            io.nats4j.server.auth.Account accountA = server.accounts().get(io.nats4j.server.testsupport.TestJwts.pub(a));
            assertNotNull(accountA);

            Thread.sleep(resign ? 1100 : 0); // JWT times are in seconds: a new one differs
            write((resign ? op.config() : config) + "authorization { timeout: 3 }\n"); // an authorization change: the accounts are rebuilt
            server.reload();
            assertSame(accountA, server.accounts().get(io.nats4j.server.testsupport.TestJwts.pub(a)));
            try (RawClient pub = RawClient.open(server.port(), 0)) {
                io.nats4j.server.testsupport.TestJwts.sendJwtConnect(pub, userJwt, u);
                pub.expect("PONG\r\n");
                pub.send("PUB foo 2\r\nhi\r\n").sync();
            }
            sub.expect("MSG foo 1 2\r\nhi\r\n");
        }
    }
}
