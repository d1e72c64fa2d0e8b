package io.nats4j.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.config.CommandLine;
import io.nats4j.server.config.ConfigException;
import io.nats4j.server.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster {} block and the cluster flags: what is applied, what is refused (by name, with file:line). */
class ClusterConfigTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("server.conf");
        Files.writeString(p, text);
        return p;
    }

    private String error(String text) throws IOException {
        Path p = write(text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(p, k -> null)).getMessage()
                .replace(p.toString(), "f");
    }

    @Test
    void theClusterBlockIsApplied() throws Exception {
        ServerOptions o = ConfigLoader.load(write("""
                cluster {
                  name: "east"
                  listen: "127.0.0.1:6333"
                  advertise: "east.example.org:7222"
                  no_advertise: true
                  connect_retries: 5
                  routes: ["nats-route://u:p@127.0.0.1:6334", "nats://127.0.0.1:6335"]
                  authorization { user: ruser, password: "pw", timeout: 0.5 }
                  ping_interval: "30s"
                  ping_max: 3
                  pool_size: -1
                  compression: off
                }
                """), k -> null);
        assertEquals("east", o.cluster.name);
        assertEquals("127.0.0.1", o.cluster.host);
        assertEquals(6333, o.cluster.port);
        assertEquals("east.example.org:7222", o.cluster.advertise);
        assertTrue(o.cluster.noAdvertise);
        assertEquals(5, o.cluster.connectRetries);
        assertEquals(List.of("nats-route://u:p@127.0.0.1:6334", "nats://127.0.0.1:6335"), o.cluster.routes);
        assertEquals("ruser", o.cluster.username);
        assertEquals("pw", o.cluster.password);
        assertEquals(0.5, o.cluster.authTimeoutSeconds);
        assertEquals(Duration.ofSeconds(30), o.cluster.pingInterval);
        assertEquals(3, o.cluster.pingMax);
    }

    @Test
    void keysNotHonouredAreRefusedByNameWithTheirPosition() throws Exception {
        assertEquals("f:3:3: \"cluster.permissions\" is not supported yet by nats4j", error("""
                cluster {
                  port: 6222
                  permissions { import: ">" }
                }
                """));
        assertEquals("f:1:24: \"cluster.accounts\" is not supported yet by nats4j",
                error("cluster { port: 6222,  accounts: [A] }\n"));
        assertTrue(error("cluster { pool_size: 3 }\n").startsWith("f:1:11: \"pool_size\" is not supported yet by nats4j"));
        assertTrue(error("cluster { compression: s2_fast }\n")
                .startsWith("f:1:11: \"compression\" is not supported yet by nats4j"));
        assertEquals("f:1:11: Cluster authorization does not support tokens",
                error("cluster { authorization { token: abc } }\n"));
        assertEquals("f:1:11: unknown field \"bogus\"", error("cluster { bogus: 1 }\n"));
        assertEquals("f:1:20: error parsing route url [\"nats://\"]", error("cluster { routes: [\"nats://\"] }\n"));
    }

    @Test
    void clusterFlags() throws Exception {
        ServerOptions o = CommandLine.parse(new String[] {"--cluster", "nats://u:p@127.0.0.1:-1", "--cluster_name", "n1",
                "--routes", "nats://127.0.0.1:7001,nats://127.0.0.1:7002", "--cluster_advertise", "h:1",
                "--no_advertise", "--connect_retries", "4"}).options();
        assertEquals("127.0.0.1", o.cluster.host);
        assertEquals(-1, o.cluster.port);
        assertEquals("u", o.cluster.username);
        assertEquals("p", o.cluster.password);
        assertEquals("n1", o.cluster.name);
        assertEquals(List.of("nats://127.0.0.1:7001", "nats://127.0.0.1:7002"), o.cluster.routes);
        assertEquals("h:1", o.cluster.advertise);
        assertTrue(o.cluster.noAdvertise);
        assertEquals(4, o.cluster.connectRetries);
    }

    @Test
    void clusterAndJetStreamTogetherAreRefusedWithAClearError() {
        ServerOptions o = new ServerOptions();
        o.port = 0;
        o.cluster.port = -1;
        o.jetStream.enabled = true;
        IOException e = assertThrows(IOException.class, () -> new NatsServer(o).start());
        assertTrue(e.getMessage().contains("JetStream in a cluster (replicated JetStream, its meta group) is not built yet"),
                e.getMessage());
    }

    @Test
    void routesWithoutARouteListenerAreRefused() {
        ServerOptions o = new ServerOptions();
        o.port = 0;
        o.cluster.routes = List.of("nats://127.0.0.1:7001");
        IOException e = assertThrows(IOException.class, () -> new NatsServer(o).start());
        assertEquals("solicited routes require cluster capabilities, e.g. --cluster", e.getMessage());
    }

    @Test
    void aReloadThatChangesTheClusterIsRefusedNotIgnored() throws Exception {
        Path conf = write("listen: \"127.0.0.1:-1\"\ncluster { name: a, listen: \"127.0.0.1:-1\" }\n");
        try (NatsServer s = new NatsServer(ServerOptions.fromConfigFile(conf))) {
            s.start();
            Files.writeString(conf, "listen: \"127.0.0.1:-1\"\ncluster { name: a, listen: \"127.0.0.1:-1\", "
                    + "authorization { user: u, password: p } }\n");
            IOException e = assertThrows(IOException.class, s::reload);
            assertTrue(e.getMessage().startsWith("config reload not supported for Cluster: old={name:a"), e.getMessage());
            Files.writeString(conf, "listen: \"127.0.0.1:-1\"\ncluster { name: a, listen: \"127.0.0.1:-1\" }\ndebug: true\n");
            s.reload(); // the same cluster block: other changes apply
        }
    }
}
