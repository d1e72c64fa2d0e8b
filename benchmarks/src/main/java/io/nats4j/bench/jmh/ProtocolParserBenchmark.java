package io.nats4j.bench.jmh;

import io.nats4j.server.protocol.Message;
import io.nats4j.server.protocol.ProtocolError;
import io.nats4j.server.protocol.ProtocolHandler;
import io.nats4j.server.protocol.ProtocolParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding {@code PUB} frames as a publisher sends them: {@value #FRAMES} frames of one payload size in one
 * read buffer (what one socket read hands the parser). Scores are per frame.
 *
 * <ul>
 *   <li>{@code parser}: {@link ProtocolParser} with a handler that only consumes the subject and size.</li>
 *   <li>{@code jdkIndexOfScan}: baseline, the least any decoder must do: find each LF with
 *       {@code ByteBuf.indexOf}, split the line on spaces by hand, parse the size digits and skip the
 *       payload. No verb check, no limits, no state across reads.</li>
 *   <li>{@code jdkStringSplit}: baseline, the naive decoder: a {@code String} per control line,
 *       {@code split(" ")}, {@code Integer.parseInt}.</li>
 * </ul>
 * Run with {@code -prof gc}: the parser allocates nothing per frame.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {EventLoopThreadExecutor.EXECUTOR, EventLoopThreadExecutor.EXECUTOR_CLASS,
        EventLoopThreadExecutor.NO_LEAK_DETECTION})
@State(Scope.Thread)
public class ProtocolParserBenchmark {

    static final int FRAMES = 256;

    @Param({"16", "128", "1024"})
    public int size;

    private ByteBuf frames;
    private ProtocolParser parser;
    private ConsumingHandler handler;

    @Setup
    public void setUp(Blackhole bh) {
        frames = PooledByteBufAllocator.DEFAULT.directBuffer();
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        for (int i = 0; i < FRAMES; i++) {
            frames.writeBytes(("PUB bench.subject." + (i % 8) + " " + size + "\r\n").getBytes(StandardCharsets.US_ASCII));
            frames.writeBytes(payload);
            frames.writeBytes(new byte[] {'\r', '\n'});
        }
        handler = new ConsumingHandler(bh);
        parser = new ProtocolParser(handler, PooledByteBufAllocator.DEFAULT, 4096, 1024 * 1024);
    }

    @TearDown
    public void tearDown() {
        if (handler.messages == 0) {
            throw new IllegalStateException("parser delivered no message");
        }
        frames.release();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void parser() {
        frames.readerIndex(0);
        parser.parse(frames);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void jdkIndexOfScan(Blackhole bh) {
        ByteBuf in = frames;
        int i = 0;
        int end = in.writerIndex();
        while (i < end) {
            int lf = in.indexOf(i, end, (byte) '\n');
            int sp1 = in.indexOf(i, lf, (byte) ' ');
            int sp2 = in.indexOf(sp1 + 1, lf, (byte) ' ');
            int n = 0;
            for (int k = sp2 + 1; k < lf - 1; k++) {
                n = n * 10 + (in.getByte(k) - '0');
            }
            bh.consume(sp2 - sp1 - 1);
            bh.consume(n);
            i = lf + 1 + n + 2;
        }
        in.readerIndex(end);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void jdkStringSplit(Blackhole bh) {
        ByteBuf in = frames;
        int i = 0;
        int end = in.writerIndex();
        while (i < end) {
            int lf = in.indexOf(i, end, (byte) '\n');
            String line = in.toString(i, lf - 1 - i, StandardCharsets.US_ASCII);
            String[] args = line.split(" ");
            int n = Integer.parseInt(args[args.length - 1]);
            bh.consume(args[1]);
            i = lf + 1 + n + 2;
        }
        in.readerIndex(end);
    }

    /** Consumes what a server needs from each message (subject range and size) and nothing more. */
    static final class ConsumingHandler implements ProtocolHandler {
        private final Blackhole bh;
        long messages;

        ConsumingHandler(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void onMessage(ProtocolParser p, Message m) {
            messages++;
            bh.consume(m.subjectLength());
            bh.consume(m.totalSize());
            bh.consume(m.dataOffset());
        }

        @Override
        public void onConnect(ProtocolParser p, int jsonOffset, int jsonLength) {
        }

        @Override
        public void onPing() {
        }

        @Override
        public void onPong() {
        }

        @Override
        public void onSub(ProtocolParser p) {
        }

        @Override
        public void onUnsub(ProtocolParser p) {
        }

        @Override
        public void onProtocolError(ProtocolError error, String detail) {
            throw new IllegalStateException(error + ": " + detail);
        }
    }
}
