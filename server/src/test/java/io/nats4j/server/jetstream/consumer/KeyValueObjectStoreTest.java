package io.nats4j.server.jetstream.consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.StorageType;
import io.nats4j.server.testsupport.TestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jnats' KeyValue (watch, keys, history: ordered consumers) and ObjectStore (chunks read by an ordered consumer). */
class KeyValueObjectStoreTest {

    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;

    @BeforeEach
    void start() throws Exception {
        server = JsServers.start(dir);
        nc = Nats.connect(server.url());
    }

    @AfterEach
    void stop() throws Exception {
        nc.close();
        server.close();
    }

    @Test
    void keyValuePutGetWatchKeysHistory() throws Exception {
        nc.keyValueManagement().create(KeyValueConfiguration.builder().name("b").maxHistoryPerKey(5)
                .storageType(StorageType.File).build());
        KeyValue kv = nc.keyValue("b");
        kv.put("k1", "v1".getBytes());
        kv.put("k2", "v2".getBytes());
        kv.put("k1", "v1b".getBytes());
        assertEquals("v1b", new String(kv.get("k1").getValue()));
        List<String> keys = kv.keys();
        Collections.sort(keys);
        assertEquals(List.of("k1", "k2"), keys);
        List<KeyValueEntry> hist = kv.history("k1");
        assertEquals(2, hist.size());
        assertEquals("v1", new String(hist.get(0).getValue()));

        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch initial = new CountDownLatch(1);
        CountDownLatch update = new CountDownLatch(2);
        kv.watchAll(new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                seen.add(e.getKey() + "=" + (e.getOperation() == KeyValueOperation.PUT ? new String(e.getValue()) : e.getOperation()));
                update.countDown();
            }

            @Override
            public void endOfData() {
                initial.countDown();
            }
        });
        assertTrue(initial.await(3, TimeUnit.SECONDS));
        kv.put("k3", "v3".getBytes());
        kv.delete("k2");
        assertTrue(update.await(3, TimeUnit.SECONDS));
        Thread.sleep(200);
        assertTrue(seen.contains("k1=v1b") && seen.contains("k2=v2") && seen.contains("k3=v3")
                && seen.contains("k2=DELETE"), seen.toString());
    }

    @Test
    void objectStorePutGet() throws Exception {
        nc.objectStoreManagement().create(ObjectStoreConfiguration.builder("ob").storageType(StorageType.File).build());
        ObjectStore os = nc.objectStore("ob");
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        ObjectInfo put = os.put("blob", new ByteArrayInputStream(data));
        assertEquals(data.length, put.getSize());
        assertTrue(put.getChunks() > 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ObjectInfo got = os.get("blob", out);
        assertNotNull(got);
        assertArrayEquals(data, out.toByteArray());
        assertEquals(1, os.getList().size());
    }
}
