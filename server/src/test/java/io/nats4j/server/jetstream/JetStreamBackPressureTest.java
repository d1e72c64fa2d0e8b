package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream whose writer cannot keep up holds its publishers back (their reads pause) instead of queueing without
 * bound or dropping; other connections keep being served; everything published is stored once the writer resumes.
 */
class JetStreamBackPressureTest {

    @TempDir
    Path dir;

    @Test
    void fullIngestQueueHoldsThePublisherBackAndLosesNothing() throws Exception {
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        o.jetStream.enabled = true;
        o.jetStream.storeDir = dir;
        try (NatsServer server = new NatsServer(o)) {
            server.start();
            String url = server.clientUrl();
            // the client's own queue must hold what the server does not read while it holds the publisher back
            io.nats.client.Options po = new io.nats.client.Options.Builder().server(url)
                    .maxMessagesInOutgoingQueue(200_000).build();
            try (Connection pub = Nats.connect(po); Connection other = Nats.connect(url)) {
                pub.jetStreamManagement().addStream(StreamConfiguration.builder().name("B").subjects("b")
                        .storageType(StorageType.Memory).build());
                Stream stream = server.jetStream().account(server.globalAccount()).stream("B");
                CountDownLatch release = new CountDownLatch(1);
                AtomicInteger maxQueued = new AtomicInteger();
                stream.addListener((s, first, last) -> {
                    maxQueued.accumulateAndGet(s.queuedMessages(), Math::max);
                    try {
                        release.await(30, TimeUnit.SECONDS); // a writer that cannot keep up
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                int total = 50_000;
                Thread publisher = new Thread(() -> {
                    byte[] body = new byte[64];
                    for (int i = 0; i < total; i++) {
                        pub.publish("b", body);
                    }
                });
                publisher.start();
                // the queue grows to the high-water mark, then stops growing: the publisher is held back
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (stream.queuedMessages() < Stream.HIGH_WATER_MSGS && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(1000);
                int queued = stream.queuedMessages();
                assertTrue(queued >= Stream.HIGH_WATER_MSGS, "queued " + queued);
                assertTrue(queued < 2 * Stream.HIGH_WATER_MSGS, "the publisher was not held back: queued " + queued);
                // other connections are served meanwhile (no event loop blocks)
                other.flush(Duration.ofSeconds(2));
                assertEquals(0, stream.store().state().msgs() > 256 ? 1 : 0, "the writer is blocked on its first batch");
                release.countDown();
                publisher.join(30_000);
                pub.flush(Duration.ofSeconds(10));
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (stream.store().state().msgs() < total && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(total, stream.store().state().msgs());
                assertTrue(maxQueued.get() < 2 * Stream.HIGH_WATER_MSGS, "max queued " + maxQueued.get());
            }
        }
    }
}
