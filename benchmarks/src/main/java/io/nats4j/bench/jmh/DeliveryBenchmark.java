package io.nats4j.bench.jmh;

import io.nats4j.server.connection.ClientConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
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
 * The whole publish path of real {@link ClientConnection}s over Netty's {@code EmbeddedChannel}: a read
 * buffer holding {@code PUB}/{@code HPUB} frames goes in through the pipeline, the connection parses it,
 * matches the subject (per-connection cache hit), appends {@code MSG}/{@code HMSG} frames to each
 * receiver's outbound buffer and flushes each receiver once at the end of the read. The channels' written
 * buffers are released after every invocation. 128-byte payloads. Scores are per published message.
 *
 * <ul>
 *   <li>{@code pubSubSameLoop}: the publisher subscribes to its own subject, so the receiver lives on the
 *       publisher's loop and is flushed in place. One frame per read (the costliest case: a flush each).</li>
 *   <li>{@code pubSubSameLoopBatch32}: 32 frames per read, one flush for all of them.</li>
 *   <li>{@code hpubSameLoopBatch32}: the same with {@code HPUB} frames (headers) delivered as {@code HMSG}.</li>
 *   <li>{@code pubSubOtherLoop}: receiver on another loop: one flush task per read on its loop.</li>
 *   <li>{@code fanOut4Batch32}: four receivers on other loops, 32 frames per read.</li>
 *   <li>{@code jdkStringFrameBuild}: baseline, the naive delivery: the {@code MSG} line built as a
 *       {@code String} per message, encoded, and written with the payload into a pooled buffer.</li>
 * </ul>
 * Run with {@code -prof gc}: a publish on a cached subject allocates nothing (gc.alloc.rate.norm ~ 0 B/op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {EventLoopThreadExecutor.EXECUTOR, EventLoopThreadExecutor.EXECUTOR_CLASS,
        EventLoopThreadExecutor.NO_LEAK_DETECTION})
@State(Scope.Thread)
public class DeliveryBenchmark {

    static final int SIZE = 128;
    static final int BATCH = 32;
    private static final byte[] CONNECT =
            "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\n".getBytes(StandardCharsets.US_ASCII);

    private final BenchServerContext server = new BenchServerContext();
    private EmbeddedChannel self;
    private EmbeddedChannel publisher;
    private EmbeddedChannel receiver;
    private EmbeddedChannel[] fanReceivers;

    private ByteBuf selfOne;
    private ByteBuf selfBatch;
    private ByteBuf selfHpubBatch;
    private ByteBuf crossOne;
    private ByteBuf fanBatch;
    private ByteBuf naiveOut;
    private byte[] payload;

    @Setup
    public void setUp() {
        payload = new byte[SIZE];
        Arrays.fill(payload, (byte) 'x');
        self = connection();
        send(self, "SUB bench.self 1\r\n");
        publisher = connection();
        receiver = connection();
        send(receiver, "SUB bench.cross 7\r\n");
        fanReceivers = new EmbeddedChannel[4];
        for (int i = 0; i < fanReceivers.length; i++) {
            fanReceivers[i] = connection();
            send(fanReceivers[i], "SUB bench.fan " + (10 + i) + "\r\n");
        }
        selfOne = frames("PUB bench.self ", 1, false);
        selfBatch = frames("PUB bench.self ", BATCH, false);
        selfHpubBatch = frames("HPUB bench.self ", BATCH, true);
        crossOne = frames("PUB bench.cross ", 1, false);
        fanBatch = frames("PUB bench.fan ", BATCH, false);
        naiveOut = PooledByteBufAllocator.DEFAULT.directBuffer(64 * 1024);

        // Check that every path really delivers, so no benchmark measures a dropped message.
        read(self, selfOne);
        expectDelivered(self, "MSG bench.self 1 128\r\n");
        read(self, selfHpubBatch);
        expectDelivered(self, "HMSG bench.self 1 ");
        read(publisher, crossOne);
        receiver.runPendingTasks();
        expectDelivered(receiver, "MSG bench.cross 7 128\r\n");
        read(publisher, fanBatch);
        for (int i = 0; i < fanReceivers.length; i++) {
            fanReceivers[i].runPendingTasks();
            expectDelivered(fanReceivers[i], "MSG bench.fan " + (10 + i) + " 128\r\n");
        }
    }

    @TearDown
    public void tearDown() {
        for (ByteBuf b : new ByteBuf[] {selfOne, selfBatch, selfHpubBatch, crossOne, fanBatch, naiveOut}) {
            b.release();
        }
        self.finishAndReleaseAll();
        publisher.finishAndReleaseAll();
        receiver.finishAndReleaseAll();
        for (EmbeddedChannel c : fanReceivers) {
            c.finishAndReleaseAll();
        }
    }

    @Benchmark
    public void pubSubSameLoop() {
        read(self, selfOne);
        drain(self);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pubSubSameLoopBatch32() {
        read(self, selfBatch);
        drain(self);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void hpubSameLoopBatch32() {
        read(self, selfHpubBatch);
        drain(self);
    }

    @Benchmark
    public void pubSubOtherLoop() {
        read(publisher, crossOne);
        receiver.runPendingTasks();
        drain(receiver);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void fanOut4Batch32() {
        read(publisher, fanBatch);
        for (EmbeddedChannel c : fanReceivers) {
            c.runPendingTasks();
            drain(c);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void jdkStringFrameBuild() {
        ByteBuf out = naiveOut;
        out.clear();
        String subject = "bench.self";
        String sid = "1";
        for (int i = 0; i < BATCH; i++) {
            String line = "MSG " + subject + " " + sid + " " + payload.length + "\r\n";
            out.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(payload);
            out.writeByte('\r').writeByte('\n');
        }
    }

    // ---- helpers

    private EmbeddedChannel connection() {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        ch.pipeline().addLast(new ClientConnection(server));
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        send(ch, new String(CONNECT, StandardCharsets.US_ASCII));
        drain(ch);
        return ch;
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.pipeline().fireChannelRead(PooledByteBufAllocator.DEFAULT.directBuffer()
                .writeBytes(text.getBytes(StandardCharsets.US_ASCII)));
        ch.runPendingTasks();
    }

    /** One socket read: the connection releases the buffer, so it gets its own reference. */
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

    private ByteBuf frames(String pubPrefix, int count, boolean headers) {
        byte[] hdr = "NATS/1.0\r\nBench: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer();
        for (int i = 0; i < count; i++) {
            String sizes = headers ? hdr.length + " " + (hdr.length + SIZE) : Integer.toString(SIZE);
            b.writeBytes((pubPrefix + sizes + "\r\n").getBytes(StandardCharsets.US_ASCII));
            if (headers) {
                b.writeBytes(hdr);
            }
            b.writeBytes(payload);
            b.writeByte('\r').writeByte('\n');
        }
        return b;
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
            throw new IllegalStateException("expected a frame starting with " + prefix.strip() + " but the channel got: "
                    + got.substring(0, Math.min(got.length(), 200)));
        }
    }
}
