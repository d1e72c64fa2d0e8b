package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.GoTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accounts across a mixed cluster: interest and messages stay in their account; a service import works across. */
class MixedAccountsTest {

    static final String ACCOUNTS = """
            accounts {
              A: { users: [{user: a, password: a}], exports: [{service: "svc.>"}] }
              B: { users: [{user: b, password: b}], imports: [{service: {account: A, subject: "svc.>"}}] }
            }
            """;

    @TempDir
    Path dir;

    private final ClusterNodes nodes = new ClusterNodes("acc");

    @AfterEach
    void stop() {
        nodes.close();
    }

    static Connection connect(String url, String user) throws Exception {
        return Nats.connect(new Options.Builder().server(url).userInfo(user, user)
                .connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0).build());
    }

    @Test
    void accountsStayApartAndServiceImportsCrossServers() throws Exception {
        int goRoute = freePort();
        GoTestServer go = nodes.goWith(ACCOUNTS, goRoute, "", new String[0]);
        Path conf = dir.resolve("j.conf");
        Files.writeString(conf, ACCOUNTS);
        ServerOptions o = ServerOptions.fromConfigFile(conf);
        ServerOptions base = nodes.options(-1, routeUrl(goRoute));
        o.host = base.host;
        o.port = 0;
        o.cluster = base.cluster;
        NatsServer j = nodes.nats4j(o);
        waitForRoutes(j, 1);
        String goUrl = MixedClusterTest.url(go);
        try (Connection ga = connect(goUrl, "a"); Connection gb = connect(goUrl, "b");
                Connection ja = connect(j.clientUrl(), "a"); Connection jb = connect(j.clientUrl(), "b")) {
            Subscription inA = ga.subscribe("same");
            Subscription inB = gb.subscribe("same");
            ga.flush(Duration.ofSeconds(5));
            gb.flush(Duration.ofSeconds(5));
            waitFor(() -> j.accounts().get("A").match("same").psubs.length == 1
                    && j.accounts().get("B").match("same").psubs.length == 1, "both accounts' interest at nats4j");
            ja.publish("same", "for-a".getBytes(StandardCharsets.UTF_8));
            Message m = inA.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m);
            assertEquals("for-a", new String(m.getData(), StandardCharsets.UTF_8));
            assertNull(inB.nextMessage(Duration.ofMillis(300)), "account B never sees account A's message");

            // service in A on the Go node, requested from B on the nats4j node through B's import
            ga.createDispatcher(x -> ga.publish(x.getReplyTo(), ("A:" + x.getSubject()).getBytes(StandardCharsets.UTF_8)))
                    .subscribe("svc.>");
            ga.flush(Duration.ofSeconds(5));
            waitFor(() -> j.accounts().get("A").match("svc.x").psubs.length == 1, "A's service at nats4j");
            Message reply = jb.request("svc.x", new byte[0], Duration.ofSeconds(5));
            assertEquals("A:svc.x", new String(reply.getData(), StandardCharsets.UTF_8));
        }
        assertEquals(new ArrayList<String>(), go.log().lines().filter(l -> l.contains("[ERR]")).toList());
    }
}
