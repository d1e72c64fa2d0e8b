package io.nats4j.server.cluster;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ServerContext;
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
 * The receiving side of a route, as {@code DeliveryBenchmark} is the client publish path: a real
 * {@link RouteConnection} of a started server (its route handshake done over Netty's {@code EmbeddedChannel}, as
 * another server's route) reads {@code RMSG} frames, matches them in the account and appends {@code MSG} frames to
 * a local client's outbound ({@link ClientConnection} over another {@code EmbeddedChannel}, so another loop: one
 * flush task per read), 128-byte payloads. Scores are per routed message.
 *
 * <ul>
 *   <li>{@code rmsgBatch32}: 32 whole frames per read.</li>
 *   <li>{@code rmsgBatch32Split}: the same 32 frames in two reads cut in the middle of a payload (a frame split
 *       across reads, as a busy route's reads almost always end).</li>
 * </ul>
 * Run with {@code -prof gc}: a routed message on a cached subject allocates nothing (gc.alloc.rate.norm ~ 0 B/op).
 * In package {@code cluster} because a route is built by its cluster only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=io.nats4j.bench.jmh.EventLoopThreadExecutor", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class RouteDeliveryBenchmark {

    static final int SIZE = 128;
    static final int BATCH = 32;

    private NatsServer server;
    private EmbeddedChannel route;
    private EmbeddedChannel client;
    private ByteBuf batch;
    private ByteBuf firstHalf;
    private ByteBuf secondHalf;

    @Setup
    public void setUp() throws Exception {
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        o.cluster.name = "bench";
        o.cluster.host = "127.0.0.1";
        o.cluster.port = -1;
        server = new NatsServer(o, null);
        server.start();

        java.lang.reflect.Field f = NatsServer.class.getDeclaredField("context");
        f.setAccessible(true);
        client = new EmbeddedChannel(false, false);
        client.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        client.pipeline().addLast(new ClientConnection((ServerContext) f.get(server)));
        client.register();
        send(client, "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\nSUB bench.route 1\r\n");
        drain(client);

        route = new EmbeddedChannel(false, false);
        route.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        route.pipeline().addLast(new RouteConnection(server.cluster(), null, false));
        route.register();
        send(route, "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"NBENCHPEER\",\"headers\":true,"
                + "\"cluster\":\"bench\"}\r\nINFO {\"server_id\":\"NBENCHPEER\",\"server_name\":\"peer\",\"cluster\":"
                + "\"bench\",\"headers\":true}\r\n");
        drain(route);

        byte[] payload = new byte[SIZE];
        Arrays.fill(payload, (byte) 'x');
        batch = PooledByteBufAllocator.DEFAULT.directBuffer();
        for (int i = 0; i < BATCH; i++) {
            batch.writeBytes(("RMSG $G bench.route " + SIZE + "\r\n").getBytes(StandardCharsets.US_ASCII));
            batch.writeBytes(payload).writeByte('\r').writeByte('\n');
        }
        int cut = batch.readableBytes() / 2 + 7;
        firstHalf = batch.retainedSlice(0, cut);
        secondHalf = batch.retainedSlice(cut, batch.readableBytes() - cut);

        read(route, batch);
        client.runPendingTasks();
        String got = drainText(client);
        if (!got.contains("MSG bench.route 1 128\r\n")) {
            throw new IllegalStateException("the route did not deliver: " + got.substring(0, Math.min(200, got.length())));
        }
    }

    @TearDown
    public void tearDown() {
        firstHalf.release();
        secondHalf.release();
        batch.release();
        route.finishAndReleaseAll();
        client.finishAndReleaseAll();
        server.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rmsgBatch32() {
        read(route, batch);
        client.runPendingTasks();
        drain(client);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rmsgBatch32Split() {
        read(route, firstHalf);
        read(route, secondHalf);
        client.runPendingTasks();
        drain(client);
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.pipeline().fireChannelRead(PooledByteBufAllocator.DEFAULT.directBuffer()
                .writeBytes(text.getBytes(StandardCharsets.US_ASCII)));
        ch.pipeline().fireChannelReadComplete();
        ch.runPendingTasks();
    }

    /** One socket read: the connection releases the buffer, so it gets its own reference. */
    private static void read(EmbeddedChannel ch, ByteBuf frames) {
        frames.readerIndex(0);
        ch.pipeline().fireChannelRead(frames.retain());
        ch.pipeline().fireChannelReadComplete();
    }

    private static void drain(EmbeddedChannel ch) {
        Object m;
        while ((m = ch.readOutbound()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    private static String drainText(EmbeddedChannel ch) {
        StringBuilder got = new StringBuilder();
        Object m;
        while ((m = ch.readOutbound()) != null) {
            if (got.length() < 1000 && m instanceof ByteBuf b) {
                got.append(b.toString(StandardCharsets.US_ASCII));
            }
            ReferenceCountUtil.release(m);
        }
        return got.toString();
    }
}
