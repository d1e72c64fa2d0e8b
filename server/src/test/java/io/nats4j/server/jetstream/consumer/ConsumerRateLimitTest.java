package io.nats4j.server.jetstream.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.testsupport.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rate_limit_bps} on a push consumer: deliveries are paced to the rate (a bucket as deep as the stream's
 * {@code max_msg_size}), nothing is lost; without it the same messages arrive at once. Runs against nats-server -js
 * too.
 */
class ConsumerRateLimitTest {

    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;
    private JetStream js;
    private JetStreamManagement jsm;

    @BeforeEach
    void start() throws Exception {
        server = JsServers.start(dir);
        nc = Nats.connect(server.url());
        js = nc.jetStream();
        jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("R").subjects("r.>").storageType(StorageType.Memory)
                .maximumMessageSize(2_000).build());
        for (int i = 0; i < 20; i++) {
            js.publish("r.x", new byte[1_000]);
        }
    }

    @AfterEach
    void stop() throws Exception {
        nc.close();
        server.close();
    }

    /** Milliseconds until all 20 messages arrived on a push consumer with this rate (0: none). */
    private long receiveAll(String name, long bps) throws Exception {
        Subscription sub = nc.subscribe("deliver." + name);
        nc.flush(Duration.ofSeconds(2));
        long start = System.nanoTime();
        jsm.addOrUpdateConsumer("R", ConsumerConfiguration.builder().durable(name).deliverSubject("deliver." + name)
                .ackPolicy(AckPolicy.None).rateLimit(bps).build());
        for (int i = 0; i < 20; i++) {
            Message m = sub.nextMessage(Duration.ofSeconds(10));
            assertTrue(m != null, "message " + (i + 1) + " of 20 arrived");
            assertEquals(1_000, m.getData().length);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void pushDeliveriesArePacedToTheRate() throws Exception {
        // 80,000 bit/s = 10,000 B/s; a 2,000 B bucket: about 20 KB take at least 1.8 s
        long limited = receiveAll("slow", 80_000);
        assertTrue(limited >= 1_300, "paced to the rate, took " + limited + " ms");
        assertEquals(80_000, jsm.getConsumerInfo("R", "slow").getConsumerConfiguration().getRateLimit());
        long free = receiveAll("fast", 0);
        assertTrue(free < 1_000, "no limit: at once, took " + free + " ms");
    }
}
