package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a server process while a client publishes with synchronous acks and acknowledges a pull
 * consumer with double acks: after a restart on the same store directory, every acknowledged message (with its
 * payload), every acknowledged consumer ack, and the stream's and consumers' configurations are there. The
 * server is the standalone entry point ({@code io.nats4j.server.Main -js -sd DIR}) in a child JVM, killed by PID.
 */
@Tag("slow")
class JetStreamKillTest {

    @TempDir
    Path dir;
    private Process child;

    @AfterEach
    void cleanup() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process startServer(int port) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.nats4j.server.Main", "-js", "-sd", dir.resolve("store").toString(), "-a", "127.0.0.1",
                "-p", String.valueOf(port));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), "server exited: see " + dir.resolve("server.log"));
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(2000);
                byte[] b = new byte[4];
                if (s.getInputStream().readNBytes(b, 0, 4) == 4 && new String(b, StandardCharsets.US_ASCII).equals("INFO")) {
                    return p;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("server did not start on port " + port);
    }

    private static Connection connect(int port) throws Exception {
        return Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + port).noReconnect()
                .connectionTimeout(Duration.ofSeconds(5)).build());
    }

    @Test
    void killMinus9DuringPublishAndAckLosesNothingAcknowledged() throws Exception {
        int port = freePort();
        child = startServer(port);
        StreamConfiguration streamCfg = StreamConfiguration.builder().name("K").subjects("k.>")
                .storageType(StorageType.File).description("kill test").maxMessages(1_000_000)
                .metadata(Map.of("owner", "kill-test")).build();
        ConsumerConfiguration pullCfg = ConsumerConfiguration.builder().durable("C").ackPolicy(AckPolicy.Explicit)
                .ackWait(Duration.ofSeconds(60)).description("acked").build();
        ConsumerConfiguration otherCfg = ConsumerConfiguration.builder().durable("D").filterSubject("k.odd")
                .ackPolicy(AckPolicy.All).maxDeliver(7).build();

        ConcurrentSkipListMap<Long, String> published = new ConcurrentSkipListMap<>();
        AtomicLong lastAcked = new AtomicLong();
        try (Connection pubConn = connect(port); Connection subConn = connect(port)) {
            JetStreamManagement jsm = pubConn.jetStreamManagement();
            jsm.addStream(streamCfg);
            jsm.addOrUpdateConsumer("K", pullCfg);
            jsm.addOrUpdateConsumer("K", otherCfg);
            JetStream js = pubConn.jetStream();
            JetStream jsSub = subConn.jetStream();
            Thread publisher = Thread.ofPlatform().name("kill-test-publisher").start(() -> {
                for (long i = 1; ; i++) {
                    String body = "msg-" + i;
                    try {
                        PublishAck ack = js.publish(i % 2 == 1 ? "k.odd" : "k.even", body.getBytes(StandardCharsets.UTF_8));
                        published.put(ack.getSeqno(), body);
                    } catch (Exception e) {
                        return; // the server is gone
                    }
                }
            });
            Thread acker = Thread.ofPlatform().name("kill-test-acker").start(() -> {
                try {
                    JetStreamSubscription sub = jsSub.subscribe(null, PullSubscribeOptions.bind("K", "C"));
                    while (true) {
                        for (Message m : sub.fetch(20, Duration.ofMillis(500))) {
                            m.ackSync(Duration.ofSeconds(2)); // double ack: answered once the ack is stored
                            lastAcked.set(m.metaData().streamSequence());
                        }
                    }
                } catch (Exception e) {
                    // the server is gone
                }
            });
            // let both run, then kill the server in the middle of it
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
            while (System.nanoTime() < until || published.size() < 200 || lastAcked.get() < 50) {
                assertTrue(System.nanoTime() < until + TimeUnit.SECONDS.toNanos(60), "no progress before the kill");
                Thread.sleep(50);
            }
            Process kill = new ProcessBuilder("kill", "-9", String.valueOf(child.pid())).start();
            assertEquals(0, kill.waitFor());
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "killed by SIGKILL");
            publisher.join(30_000);
            acker.join(30_000);
        }
        long acked = lastAcked.get();
        assertTrue(published.size() >= 200 && acked >= 50, published.size() + " published, acked to " + acked);

        child = startServer(port);
        try (Connection nc = connect(port)) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            StreamInfo si = jsm.getStreamInfo("K");
            assertEquals(List.of("k.>"), si.getConfiguration().getSubjects());
            assertEquals("kill test", si.getConfiguration().getDescription());
            assertEquals(1_000_000, si.getConfiguration().getMaxMsgs());
            assertEquals(StorageType.File, si.getConfiguration().getStorageType());
            assertEquals("kill-test", si.getConfiguration().getMetadata().get("owner"));
            assertTrue(si.getStreamState().getLastSequence() >= published.lastKey(),
                    "last sequence " + si.getStreamState().getLastSequence() + " < acknowledged " + published.lastKey());
            for (Map.Entry<Long, String> e : published.entrySet()) {
                MessageInfo mi = jsm.getMessage("K", e.getKey());
                assertNotNull(mi, "acknowledged message " + e.getKey());
                assertEquals(e.getValue(), new String(mi.getData(), StandardCharsets.UTF_8), "payload of " + e.getKey());
            }

            ConsumerInfo c = jsm.getConsumerInfo("K", "C");
            assertEquals("acked", c.getConsumerConfiguration().getDescription());
            assertEquals(Duration.ofSeconds(60), c.getConsumerConfiguration().getAckWait());
            assertTrue(c.getAckFloor().getStreamSequence() >= acked,
                    "ack floor " + c.getAckFloor().getStreamSequence() + " lost acknowledged acks up to " + acked);
            ConsumerInfo d = jsm.getConsumerInfo("K", "D");
            assertEquals("k.odd", d.getConsumerConfiguration().getFilterSubject());
            assertEquals(AckPolicy.All, d.getConsumerConfiguration().getAckPolicy());
            assertEquals(7, d.getConsumerConfiguration().getMaxDeliver());

            // the server keeps working on the recovered store: the next fetch starts after the acknowledged ones
            JetStreamSubscription sub = nc.jetStream().subscribe(null, PullSubscribeOptions.bind("K", "C"));
            List<Message> next = sub.fetch(1, Duration.ofSeconds(3));
            if (!next.isEmpty()) {
                assertTrue(next.get(0).metaData().streamSequence() > acked,
                        "an acknowledged message was delivered again: " + next.get(0).metaData().streamSequence());
            }
            PublishAck after = nc.jetStream().publish("k.after", "after".getBytes(StandardCharsets.UTF_8));
            assertTrue(after.getSeqno() > published.lastKey());
        }
        child.destroy();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
}
