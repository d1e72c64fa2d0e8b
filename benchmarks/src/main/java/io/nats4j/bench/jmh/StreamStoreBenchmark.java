package io.nats4j.bench.jmh;

import io.nats4j.server.jetstream.store.MemoryStorage;
import io.nats4j.server.jetstream.store.RocksStorage;
import io.nats4j.server.jetstream.store.Storage;
import io.nats4j.server.jetstream.store.StreamLimits;
import io.nats4j.server.jetstream.store.StreamStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Stream store throughput, in messages per second: one writer appends a batch of 256 messages
 * and flushes it (the group commit a stream's writer does before sending 256 acks).
 *
 * <ul>
 *   <li>{@code memory}: memory storage (flush does nothing).</li>
 *   <li>{@code rocks-sync}: RocksDB, the default: one WAL fsync per batch of 256.</li>
 *   <li>{@code rocks-interval}: RocksDB with {@code sync_interval} 1 s: no fsync per batch.</li>
 * </ul>
 * The stream keeps at most 500,000 messages (discard old), so the heap index stays bounded and
 * the steady state includes the removal of the oldest message at each store.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class StreamStoreBenchmark {

    static final int BATCH = 256;

    @Param({"memory", "rocks-sync", "rocks-interval"})
    public String storage;

    @Param({"16", "1024"})
    public int payloadSize;

    private Path dir;
    private Storage store;
    private StreamStore stream;
    private byte[] payload;
    private final String[] subjects = new String[16];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        payload = new byte[payloadSize];
        for (int i = 0; i < subjects.length; i++) {
            subjects[i] = "orders.region" + i + ".created";
        }
        switch (storage) {
            case "memory" -> store = new MemoryStorage();
            case "rocks-sync" -> store = RocksStorage.open(dir = Files.createTempDirectory("nats4j-bench"));
            case "rocks-interval" -> store = RocksStorage.open(dir = Files.createTempDirectory("nats4j-bench"),
                    Duration.ofSeconds(1), () -> System.currentTimeMillis() * 1_000_000L);
            default -> throw new IllegalArgumentException(storage);
        }
        stream = store.createStream("BENCH", StreamLimits.NONE.withMaxMsgs(500_000));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendBatchAndFlush() {
        long seq = 0;
        for (int i = 0; i < BATCH; i++) {
            seq = stream.append(subjects[i & 15], null, payload, 0);
        }
        stream.flush();
        return seq;
    }
}
