package io.nats4j.server.jetstream.consumer;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Pull-consumer fetch throughput with explicit acks (docs/PERFORMANCE.md, "JetStream pull consumer"): stores
 * {@code -Dbench.msgs} (default 100,000) 1 KiB messages in a file stream, then fetches them in batches of
 * {@code -Dbench.batch} (500) acking each, and prints messages per second. Not a test: runs only with
 * {@code -Dnats4j.bench=true}, against {@code bin/nats4j} or {@code nats-server} (as {@code -Dbench.server} says)
 * started as a separate process.
 */
@Tag("slow")
@EnabledIfSystemProperty(named = "nats4j.bench", matches = "true")
class PullFetchThroughputBench {

    @Test
    void fetch() throws Exception {
        int n = Integer.getInteger("bench.msgs", 100_000);
        int batch = Integer.getInteger("bench.batch", 500);
        Path dir = Files.createTempDirectory("pullbench");
        String kind = System.getProperty("bench.server", "nats4j");
        int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        // the server runs as its own process, as deployed (the test JVM runs Netty's paranoid leak detection)
        String cmd = kind.equals("nats4j") ? Path.of("..", "bin", "nats4j").toAbsolutePath().normalize().toString()
                : "nats-server";
        Process proc = new ProcessBuilder(cmd, "-js", "-sd", dir.toString(), "-a", "127.0.0.1", "-p",
                Integer.toString(port)).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile())
                .start();
        Connection nc = null;
        for (int i = 0; i < 300 && nc == null; i++) {
            try {
                nc = Nats.connect(new io.nats.client.Options.Builder().server("nats://127.0.0.1:" + port)
                        .connectionTimeout(Duration.ofSeconds(1)).build());
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        try (Connection c = nc) {
            io.nats.client.JetStreamOptions jo = io.nats.client.JetStreamOptions.builder()
                    .requestTimeout(Duration.ofSeconds(10)).build();
            JetStream js = nc.jetStream(jo);
            JetStreamManagement jsm = nc.jetStreamManagement(jo);
            jsm.addStream(StreamConfiguration.builder().name("B").subjects("b.>").storageType(StorageType.File).build());
            byte[] payload = new byte[1024];
            ArrayDeque<CompletableFuture<PublishAck>> window = new ArrayDeque<>();
            for (int i = 0; i < n; i++) {
                window.add(js.publishAsync("b.x", payload));
                if (window.size() >= 256) {
                    window.poll().get();
                }
            }
            while (!window.isEmpty()) {
                window.poll().get();
            }
            jsm.addOrUpdateConsumer("B", ConsumerConfiguration.builder().durable("c").ackPolicy(AckPolicy.Explicit)
                    .maxAckPending(10_000).build());
            JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("B", "c"));
            long t0 = System.nanoTime();
            int got = 0;
            long fetchNs = 0;
            while (got < n) {
                long f0 = System.nanoTime();
                List<Message> msgs = sub.fetch(batch, Duration.ofSeconds(5));
                fetchNs += System.nanoTime() - f0;
                if (msgs.isEmpty()) {
                    break;
                }
                for (Message m : msgs) {
                    m.ack();
                }
                got += msgs.size();
            }
            nc.flush(Duration.ofSeconds(5));
            System.out.printf("BENCH fetch time %.2f s of %.2f s%n", fetchNs / 1e9, (System.nanoTime() - t0) / 1e9);
            while (jsm.getConsumerInfo("B", "c").getNumAckPending() > 0) {
                Thread.sleep(5);
            }
            long ns = System.nanoTime() - t0;
            System.out.printf("BENCH server=%s msgs=%d batch=%d seconds=%.2f msgs/s=%.0f%n", kind, got,
                    batch, ns / 1e9, got / (ns / 1e9));
        } finally {
            proc.destroy();
            proc.waitFor();
        }
    }
}
