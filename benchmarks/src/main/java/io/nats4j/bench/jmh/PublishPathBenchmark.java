package io.nats4j.bench.jmh;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.config.ConfigLoader;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The delivery paths {@link DeliveryBenchmark} does not cover, through real {@link ClientConnection}s over
 * Netty's {@code EmbeddedChannel} (32 {@code PUB} frames of 128 B per read, receivers on other loops, scores
 * per published message). Run with {@code -prof gc}: each allocates nothing per message on a cached subject.
 *
 * <ul>
 *   <li>{@code queueBatch32}: two members of one queue group; each message goes to one of them.</li>
 *   <li>{@code wildcardBatch32}: {@code bench.wild.*} and {@code bench.wild.>} match every message.</li>
 *   <li>{@code internalBatch32}: a server-side subscriber (no socket) counts the messages it gets as
 *       {@link Message}s ({@link InternalSubscriber#deliver}, nothing copied).</li>
 *   <li>{@code importBatch32}: a stream import carries each message from account A to a subscriber in B.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {EventLoopThreadExecutor.EXECUTOR, EventLoopThreadExecutor.EXECUTOR_CLASS,
        EventLoopThreadExecutor.NO_LEAK_DETECTION})
@State(Scope.Thread)
public class PublishPathBenchmark {

    static final int SIZE = 128;
    static final int BATCH = 32;
    private static final String CONFIG = """
            accounts {
              A: {
                users: [{user: a, password: a}]
                exports: [{stream: "bench.import.>"}]
              }
              B: {
                users: [{user: b, password: b}]
                imports: [{stream: {account: A, subject: "bench.import.>"}}]
              }
            }
            """;

    private BenchServerContext server;
    private EmbeddedChannel publisher;
    private EmbeddedChannel[] queueMembers;
    private EmbeddedChannel wildReceiver;
    private EmbeddedChannel importReceiver;
    private final CountingSubscriber internal = new CountingSubscriber();

    private ByteBuf queueBatch;
    private ByteBuf wildBatch;
    private ByteBuf internalBatch;
    private ByteBuf importBatch;

    @Setup
    public void setUp() throws Exception {
        Path file = Files.createTempFile("publish-path-bench", ".conf");
        try {
            Files.writeString(file, CONFIG);
            ServerOptions o = ConfigLoader.load(file);
            server = new BenchServerContext(o);
        } finally {
            Files.deleteIfExists(file);
        }
        publisher = connection("a");
        queueMembers = new EmbeddedChannel[] {connection("a"), connection("a")};
        send(queueMembers[0], "SUB bench.queue workers 1\r\n");
        send(queueMembers[1], "SUB bench.queue workers 2\r\n");
        wildReceiver = connection("a");
        send(wildReceiver, "SUB bench.wild.* 1\r\nSUB bench.wild.> 2\r\n");
        importReceiver = connection("b");
        send(importReceiver, "SUB bench.import.> 1\r\n");
        Account a = server.accounts().get("A");
        a.subscribe(new Subscription(internal, "bench.internal", null, new byte[] {'1'}));

        queueBatch = frames("PUB bench.queue ", BATCH);
        wildBatch = frames("PUB bench.wild.x ", BATCH);
        internalBatch = frames("PUB bench.internal ", BATCH);
        importBatch = frames("PUB bench.import.x ", BATCH);

        // every path really delivers, so no benchmark measures a dropped message
        queueBatch32();
        wildcardBatch32();
        long before = internal.count;
        internalBatch32();
        if (internal.count != before + BATCH) {
            throw new IllegalStateException("internal subscriber got " + (internal.count - before));
        }
        read(publisher, importBatch);
        importReceiver.runPendingTasks();
        expectDelivered(importReceiver, "MSG bench.import.x 1 128\r\n");
        read(publisher, queueBatch);
        long got = 0;
        for (EmbeddedChannel c : queueMembers) {
            c.runPendingTasks();
            got += countFrames(c);
        }
        if (got != BATCH) {
            throw new IllegalStateException("queue group got " + got + " messages of " + BATCH);
        }
    }

    @TearDown
    public void tearDown() {
        for (ByteBuf b : new ByteBuf[] {queueBatch, wildBatch, internalBatch, importBatch}) {
            b.release();
        }
        publisher.finishAndReleaseAll();
        for (EmbeddedChannel c : queueMembers) {
            c.finishAndReleaseAll();
        }
        wildReceiver.finishAndReleaseAll();
        importReceiver.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void queueBatch32() {
        read(publisher, queueBatch);
        for (EmbeddedChannel c : queueMembers) {
            c.runPendingTasks();
            drain(c);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void wildcardBatch32() {
        read(publisher, wildBatch);
        wildReceiver.runPendingTasks();
        drain(wildReceiver);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long internalBatch32() {
        read(publisher, internalBatch);
        drain(publisher);
        return internal.count;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void importBatch32() {
        read(publisher, importBatch);
        importReceiver.runPendingTasks();
        drain(importReceiver);
    }

    /** A server-side subscriber that only counts, taking the message as it is (no copy). */
    static final class CountingSubscriber implements InternalSubscriber {
        long count;

        @Override
        public boolean deliver(Subscription sub, ClientConnection from, Message msg) {
            count++;
            return true;
        }

        @Override
        public long id() {
            return -1;
        }

        @Override
        public void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply,
                byte[] headers, byte[] payload) {
            throw new IllegalStateException("the copying delivery is not used");
        }
    }

    // ---- helpers

    private EmbeddedChannel connection(String user) {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        ch.pipeline().addLast(new ClientConnection(server));
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        send(ch, "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1,\"user\":\"" + user
                + "\",\"pass\":\"" + user + "\"}\r\n");
        drain(ch);
        return ch;
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.pipeline().fireChannelRead(PooledByteBufAllocator.DEFAULT.directBuffer()
                .writeBytes(text.getBytes(StandardCharsets.US_ASCII)));
        ch.runPendingTasks();
    }

    private static void read(EmbeddedChannel ch, ByteBuf frames) {
        frames.readerIndex(0);
        ch.pipeline().fireChannelRead(frames.retain());
    }

    private static void drain(EmbeddedChannel ch) {
        Object m;
        while ((m = ch.readOutbound()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    private static ByteBuf frames(String pubPrefix, int count) {
        byte[] payload = new byte[SIZE];
        Arrays.fill(payload, (byte) 'x');
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer();
        for (int i = 0; i < count; i++) {
            b.writeBytes((pubPrefix + SIZE + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(payload);
            b.writeByte('\r').writeByte('\n');
        }
        return b;
    }

    private static long countFrames(EmbeddedChannel ch) {
        StringBuilder got = new StringBuilder();
        Object m;
        while ((m = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) m;
            got.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        long n = 0;
        for (int i = got.indexOf("MSG "); i >= 0; i = got.indexOf("MSG ", i + 1)) {
            n++;
        }
        return n;
    }

    private static void expectDelivered(EmbeddedChannel ch, String prefix) {
        StringBuilder got = new StringBuilder();
        Object m;
        while ((m = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) m;
            got.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        if (!got.toString().startsWith(prefix)) {
            throw new IllegalStateException("expected a frame starting with " + prefix.strip() + " but got: "
                    + got.substring(0, Math.min(got.length(), 200)));
        }
    }
}
