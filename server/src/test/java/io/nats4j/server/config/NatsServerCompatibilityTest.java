package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nats4j.server.ServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sample configs written for nats-server: nats-server itself ({@code nats-server -t -c}) must accept
 * (or refuse) them, and our loader must read them to the same values. Skipped where no nats-server
 * binary is installed.
 */
class NatsServerCompatibilityTest {

    private static Path natsServer;

    @TempDir
    Path dir;

    @BeforeAll
    static void findNatsServer() {
        natsServer = Stream.concat(Stream.of("/usr/sbin", "/usr/bin", "/usr/local/bin"),
                        Stream.of(System.getenv().getOrDefault("PATH", "").split(":")))
                .filter(s -> !s.isEmpty())
                .map(s -> Path.of(s, "nats-server"))
                .filter(Files::isExecutable)
                .findFirst().orElse(null);
    }

    /** Runs {@code nats-server -t -c file}; returns exit code and output. */
    private static Map.Entry<Integer, String> natsCheck(Path file, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(natsServer.toString(), "-t", "-c", file.toString())
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("nats-server -t did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return Map.entry(p.exitValue(), out);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private ServerOptions acceptedByBoth(Path file, Map<String, String> env) throws Exception {
        assumeTrue(natsServer != null, "nats-server not installed");
        Map.Entry<Integer, String> r = natsCheck(file, env);
        assertEquals(0, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("is valid"), r.getValue());
        return ConfigLoader.load(file, env::get);
    }

    @Test
    void typicalCoreConfigReadsTheSame() throws Exception {
        Path f = write("core.conf", """
                # a typical single server
                listen: 127.0.0.1:4333
                server_name: "sample_1"
                debug: false
                trace: false
                logtime: true
                max_payload: 1MB
                max_control_line: 2k
                max_connections: 1K
                max_pending: 64MB
                ping_interval: "2m"
                ping_max: 3
                write_deadline: "10s"
                lame_duck_duration: "2m"
                lame_duck_grace_period: "10s"
                disable_sublist_cache: false
                """);
        ServerOptions o = acceptedByBoth(f, Map.of());
        assertEquals("127.0.0.1", o.host);
        assertEquals(4333, o.port);
        assertEquals("sample_1", o.serverName);
        assertEquals(1 << 20, o.maxPayload);
        assertEquals(2000, o.maxControlLine);
        assertEquals(1000, o.maxConnections);
        assertEquals(64L << 20, o.maxPending);
        assertEquals(Duration.ofMinutes(2), o.pingInterval);
        assertEquals(3, o.pingMax);
        assertEquals(Duration.ofSeconds(10), o.writeDeadline);
    }

    @Test
    void variablesIncludesAndEnvironmentReadTheSame() throws Exception {
        write("limits.conf", "max_control_line: 2KB; max_subscriptions: 100\n");
        Path f = write("vars.conf", """
                PORT = 4555
                NAME: "vars"
                include "limits.conf"
                port: $PORT
                server_name = $NAME
                client_advertise: $ADVERTISE
                """);
        ServerOptions o = acceptedByBoth(f, Map.of("ADVERTISE", "example.org:4555"));
        assertEquals(4555, o.port);
        assertEquals("vars", o.serverName);
        assertEquals(2048, o.maxControlLine);
        assertEquals(100, o.maxSubscriptions);
        assertEquals("example.org:4555", o.clientAdvertise);
    }

    @Test
    void jsonStyleConfigReadsTheSame() throws Exception {
        Path f = write("json.conf", """
                {
                  "port": 4666,
                  "max_payload": 65536,
                  "no_header_support": true,
                  "logtime": false
                }
                """);
        ServerOptions o = acceptedByBoth(f, Map.of());
        assertEquals(4666, o.port);
        assertEquals(65536, o.maxPayload);
        assertTrue(o.noHeaderSupport);
        assertFalse(o.logTime);
    }

    @Test
    void whitespaceSeparatorsCommentsAndBareWordsReadTheSame() throws Exception {
        Path f = write("bare.conf", """
                port 4777   // comment
                host 0.0.0.0
                debug YES; trace off
                logfile /tmp/nats4j-compat.log
                pid_file: '/tmp/nats4j-compat.pid'
                """);
        ServerOptions o = acceptedByBoth(f, Map.of());
        assertEquals(4777, o.port);
        assertEquals("0.0.0.0", o.host);
        assertTrue(o.debug);
        assertFalse(o.trace);
        assertEquals(Path.of("/tmp/nats4j-compat.log"), o.logFile);
        assertEquals(Path.of("/tmp/nats4j-compat.pid"), o.pidFile);
    }

    @Test
    void unknownFieldIsRefusedByBoth() throws Exception {
        assumeTrue(natsServer != null, "nats-server not installed");
        Path f = write("unknown.conf", "port: 4222\nfoo: 1\n");
        Map.Entry<Integer, String> r = natsCheck(f, Map.of());
        assertNotEquals(0, r.getKey());
        assertTrue(r.getValue().contains(":2:1: unknown field \"foo\""), r.getValue());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, k -> null));
        assertEquals(f + ":2:1: unknown field \"foo\"", e.getMessage());
    }

    @Test
    void variablesDefinedInsideBlocksAreAcceptedByBoth() throws Exception {
        Path f = write("blockvars.conf", """
                authorization {
                  ENC = { publish: "a.>", subscribe: "b.>" }
                  users: [ {user: u, password: p, permissions: $ENC} ]
                }
                accounts {
                  PERMS = { publish: "x.>" }
                  A {
                    X = [ {user: x, password: y, permissions: $PERMS} ]
                    users: $X
                    limits { L = 3, max_subs: $L }
                  }
                }
                """);
        ServerOptions o = acceptedByBoth(f, Map.of());
        assertEquals(1, o.auth.users.size());
        assertEquals(java.util.List.of("a.>"), o.auth.users.get(0).permissions().publish().allow());
        assertEquals(java.util.List.of("b.>"), o.auth.users.get(0).permissions().subscribe().allow());
        // PERMS is a variable, not an account
        assertEquals(java.util.List.of("A"), o.auth.accounts.stream().map(a -> a.name).toList());
        assertEquals(java.util.List.of("x.>"), o.auth.accounts.get(0).users.get(0).permissions().publish().allow());
        assertEquals(3, o.auth.accounts.get(0).maxSubscriptions);
    }

    @Test
    void variableInsideABlockThatNothingUsesIsRefusedByBoth() throws Exception {
        assumeTrue(natsServer != null, "nats-server not installed");
        Path f = write("unused.conf", """
                authorization {
                  ENC = { publish: "a.>" }
                  user: u
                  password: p
                }
                """);
        Map.Entry<Integer, String> r = natsCheck(f, Map.of());
        assertNotEquals(0, r.getKey());
        assertTrue(r.getValue().contains(":2:3: unknown field \"ENC\""), r.getValue());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, k -> null));
        assertEquals(f + ":2:3: unknown field \"ENC\"", e.getMessage());
    }
}
