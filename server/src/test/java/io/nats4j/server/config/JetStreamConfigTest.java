package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.AccountConfig;
import io.nats4j.server.jetstream.JsLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nats-server 2.10's JetStream configuration keys: applied, or refused by name with their position. */
class JetStreamConfigTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("server.conf");
        Files.writeString(p, text);
        return p;
    }

    private ServerOptions load(String text) throws Exception {
        return ConfigLoader.load(write(text), k -> null);
    }

    private String error(String text) throws IOException {
        Path p = write(text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(p, k -> null)).getMessage()
                .replace(p.toString(), "f");
    }

    @Test
    void enabledForms() throws Exception {
        assertTrue(load("jetstream: true").jetStream.enabled);
        assertTrue(load("jetstream: enabled").jetStream.enabled);
        assertTrue(load("jetstream: Enable").jetStream.enabled);
        assertFalse(load("jetstream: disabled").jetStream.enabled);
        assertTrue(load("jetstream {}").jetStream.enabled);
        assertFalse(load("jetstream { enabled: false, store_dir: x }").jetStream.enabled);
        assertEquals("f:1:1: Expected 'enabled' or 'disabled' for string value, got 'maybe'", error("jetstream: maybe"));
    }

    @Test
    void blockKeys() throws Exception {
        ServerOptions o = load("""
                jetstream {
                  store_dir: "/data/js"
                  max_memory_store: 1GB
                  max_file_store: "2G"
                  domain: hub
                  sync_interval: "10s"
                  unique_tag: " AZ "
                  max_outstanding_catchup: 64MB
                  request_queue_limit: 1000
                  extension_hint: "x"
                  limits { max_ack_pending: 100, max_ha_assets: 5, max_request_batch: 50, duplicate_window: "1m" }
                }
                """);
        assertTrue(o.jetStream.enabled);
        assertEquals(Path.of("/data/js"), o.jetStream.storeDir);
        assertEquals(1L << 30, o.jetStream.maxMemory);
        assertEquals(2L << 30, o.jetStream.maxStore);
        assertEquals("hub", o.jetStream.domain);
        assertEquals(Duration.ofSeconds(10), o.jetStream.syncInterval);
        assertEquals("az", o.jetStream.uniqueTag);
        assertEquals(64L << 20, o.jetStream.maxOutstandingCatchup);
        assertEquals(1000, o.jetStream.requestQueueLimit);
        assertEquals(100, o.jetStream.limitMaxAckPending);
        assertEquals(Duration.ofMinutes(1).toNanos(), o.jetStream.duplicateWindowLimitNanos);
        assertEquals(Duration.ZERO, load("jetstream { sync_interval: always }").jetStream.syncInterval);
        assertEquals(Path.of("s"), load("jetstream { store: s }").jetStream.storeDir);
    }

    @Test
    void topLevelKeys() throws Exception {
        ServerOptions o = load("store_dir: /x\njetstream: enabled\njetstream_max_memory: 1KB\njetstream_max_store: 2KB\n");
        assertEquals(Path.of("/x"), o.jetStream.storeDir);
        assertEquals(1024, o.jetStream.maxMemory);
        assertEquals(2048, o.jetStream.maxStore);
        assertEquals("f:2:13: Duplicate 'store_dir' configuration", error("store_dir: /x\njetstream { store_dir: /y }"));
    }

    @Test
    void unknownAndUnsupportedKeysAreRefusedByName() throws Exception {
        assertEquals("f:1:13: unknown field \"bogus\"", error("jetstream { bogus: 1 }"));
        assertEquals("f:1:13: \"cipher\" (JetStream encryption) is not supported yet by nats4j",
                error("jetstream { cipher: aes }"));
        assertEquals("f:1:13: \"key\" (JetStream encryption) is not supported yet by nats4j",
                error("jetstream { key: s3cr3t }"));
        assertEquals("f:1:22: unknown field \"max_bogus\"", error("jetstream { limits { max_bogus: 1 } }"));
    }

    @Test
    void accountJetStream() throws Exception {
        ServerOptions o = load("""
                accounts {
                  A: { jetstream: enabled }
                  B: { jetstream: disabled }
                  C: { jetstream { max_mem: 1MB, max_file: 2MB, max_streams: 3, max_consumers: 4,
                                   max_bytes_required: true, mem_max_stream_bytes: 512, disk_max_stream_bytes: 1024,
                                   max_ack_pending: 7 } }
                  D: { }
                }
                """);
        assertEquals(JsLimits.UNLIMITED, account(o, "A").jetStream);
        assertNull(account(o, "B").jetStream);
        assertEquals(new JsLimits(1 << 20, 2 << 20, 3, 4, 7, 512, 1024, true), account(o, "C").jetStream);
        assertNull(account(o, "D").jetStream);
        assertTrue(error("accounts { A: { jetstream { nope: 1 } } }").endsWith("unknown field \"nope\""));
    }

    private static AccountConfig account(ServerOptions o, String name) {
        return o.auth.accounts.stream().filter(a -> a.name.equals(name)).findFirst().orElseThrow();
    }
}
