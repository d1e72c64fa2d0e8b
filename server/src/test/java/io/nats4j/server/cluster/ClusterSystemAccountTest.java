package io.nats4j.server.cluster;

import static io.nats4j.server.cluster.ClusterNodes.freePort;
import static io.nats4j.server.cluster.ClusterNodes.routeUrl;
import static io.nats4j.server.cluster.ClusterNodes.waitFor;
import static io.nats4j.server.cluster.ClusterNodes.waitForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.GoTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The system account across a mixed cluster: $SYS.REQ.SERVER.PING gets one reply per server. */
class ClusterSystemAccountTest {

    static final String SYS = """
            system_account: SYS
            accounts {
              SYS: { users: [{user: sys, password: sys}] }
              APP: { users: [{user: app, password: app}] }
            }
            """;

    @TempDir
    Path dir;

    private final ClusterNodes nodes = new ClusterNodes("sys");

    @AfterEach
    void stop() {
        nodes.close();
    }

    private NatsServer nats4j(String name, String... routes) throws Exception {
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, "server_name: " + name + "\n" + SYS);
        ServerOptions o = ServerOptions.fromConfigFile(conf);
        ServerOptions base = nodes.options(-1, routes);
        o.host = base.host;
        o.port = 0;
        o.cluster = base.cluster;
        return nodes.nats4j(o);
    }

    @Test
    void serverPingGetsOneReplyPerServer() throws Exception {
        int goRoute = freePort();
        GoTestServer go = nodes.goWith("server_name: go1\n" + SYS, goRoute, "", new String[0]);
        NatsServer j1 = nats4j("j1", routeUrl(goRoute));
        NatsServer j2 = nats4j("j2", routeUrl(goRoute));
        waitForRoutes(j1, 2);
        waitForRoutes(j2, 2);
        ObjectMapper json = new ObjectMapper();
        try (Connection c = MixedAccountsTest.connect(j1.clientUrl(), "sys")) {
            Set<String> names = new TreeSet<>();
            for (int attempt = 0; attempt < 20 && names.size() < 3; attempt++) {
                names.clear();
                String inbox = c.createInbox();
                Subscription s = c.subscribe(inbox);
                c.flush(Duration.ofSeconds(2));
                Thread.sleep(100); // the inbox's RS+ reaches the other servers
                c.publish("$SYS.REQ.SERVER.PING", inbox, new byte[0]);
                Message m;
                while ((m = s.nextMessage(Duration.ofMillis(500))) != null) {
                    JsonNode n = json.readTree(m.getData());
                    names.add(n.path("server").path("name").asText());
                }
                s.unsubscribe();
            }
            assertEquals(Set.of("go1", "j1", "j2"), names);
        }
    }
}
