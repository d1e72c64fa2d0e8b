package io.nats4j.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A load generator for any NATS server, in the spirit of {@code nats bench}: raw sockets, one
 * platform thread per connection, publishers writing many pre-built {@code PUB} frames per write
 * call, subscribers counting {@code MSG} frames without decoding them.
 *
 * <p>Run {@code java -cp benchmarks/target/classes:benchmarks/target/lib/* io.nats4j.bench.load.LoadGen --help}.
 */
public final class LoadGen {

    /** Target size of one publisher write; many frames per syscall. */
    static final int WRITE_BATCH_BYTES = 64 * 1024;
    private static final int READ_BUF_BYTES = 256 * 1024;
    private static final long FLUSH_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long REQUEST_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    /** Hard cap on publishing when only --msgs bounds the run. */
    private static final long MAX_PUBLISH_NS = TimeUnit.MINUTES.toNanos(10);

    private final LoadOptions o;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    private final long cpuStartNanos = processCpuNanos();

    private LoadGen(LoadOptions o) {
        this.o = o;
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    private double cpuSeconds() {
        return (processCpuNanos() - cpuStartNanos) / 1e9;
    }

    public static void main(String[] args) {
        LoadOptions o;
        try {
            o = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(64);
            return;
        }
        try {
            LoadResult r = run(o);
            System.out.print(o.json ? r.toJson() + System.lineSeparator() : r.toTable());
            System.exit(r.complete() ? 0 : 2);
        } catch (Exception e) {
            System.err.println("loadgen: " + e);
            System.exit(1);
        }
    }

    /** Runs one load as described by {@code o} and returns its result. */
    public static LoadResult run(LoadOptions o) throws IOException, InterruptedException {
        return new LoadGen(o).run();
    }

    private LoadResult run() throws IOException, InterruptedException {
        List<RawConnection> idle = new ArrayList<>();
        try {
            if (o.mode == LoadOptions.Mode.CONNECT) {
                return connect(idle);
            }
            openIdle(idle);
            return o.mode == LoadOptions.Mode.REQREP ? reqRep() : pubSub();
        } finally {
            idle.forEach(RawConnection::close);
        }
    }

    /** Lets a cluster's routes carry the new interest to the other servers (a no-op on one server). */
    private void settle() throws InterruptedException {
        if (!o.settle.isZero()) {
            Thread.sleep(o.settle.toMillis());
        }
    }

    private String url() {
        return "nats://" + o.host + ":" + o.port;
    }

    // ---- idle connections ------------------------------------------------------------------

    /** Opens K connections, each with one subscription on its own subject, and waits until all are registered. */
    private void openIdle(List<RawConnection> idle) throws IOException {
        for (int i = 0; i < o.connsIdle; i++) {
            RawConnection c = RawConnection.open(o.host, o.port, "bench-idle-" + i);
            idle.add(c);
            c.write(Proto.ascii("SUB bench.idle." + i + " 1\r\nPING\r\n"));
        }
        byte[] buf = new byte[4096];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (RawConnection c : idle) {
            InboundParser p = new InboundParser();
            while (p.pongs() == 0) {
                int n = c.read(buf);
                if (n < 0 || System.nanoTime() - deadline > 0) {
                    throw new IOException("idle connection was not registered in time");
                }
                p.feed(buf, 0, n);
            }
        }
    }

    // ---- connection set-up -----------------------------------------------------------------

    /**
     * Opens the idle connections (timed as a whole: set-up with a subscription each, PINGs pipelined), then sets
     * up {@code --conns} connections strictly one after another, each complete when its PONG is back: the rate
     * a server accepts and serves new clients one at a time. Every connection stays open until the end, so the
     * server's memory is read with all of them in place. Result: {@code pub} = the sequential set-ups,
     * {@code sub} = the idle connections.
     */
    private LoadResult connect(List<RawConnection> open) throws IOException {
        long t0 = System.nanoTime();
        openIdle(open);
        long idleNanos = System.nanoTime() - t0;
        byte[] buf = new byte[4096];
        long t1 = System.nanoTime();
        int done = 0;
        for (int i = 0; i < o.conns; i++) {
            RawConnection c = RawConnection.open(o.host, o.port, "bench-conn-" + i);
            open.add(c);
            if (!c.pingPong(new InboundParser(), buf, System.nanoTime() + FLUSH_TIMEOUT_NS)) {
                errors.add("connection " + i + ": no PONG");
                break;
            }
            done++;
        }
        long connNanos = System.nanoTime() - t1;
        LoadResult.Side seq = LoadResult.Side.of(done, 0, done == 0 ? 0 : connNanos);
        LoadResult.Side idle = LoadResult.Side.of(o.connsIdle, 0, o.connsIdle == 0 ? 0 : idleNanos);
        return new LoadResult("connect", url(), 0, 0, 0, null, o.connsIdle, seq, idle,
                LoadResult.Side.of(done + o.connsIdle, 0, System.nanoTime() - t0), 0, errors.isEmpty(), null,
                cpuSeconds(), List.copyOf(errors));
    }

    // ---- publish / subscribe ---------------------------------------------------------------

    private final class Publisher implements Runnable {
        final RawConnection conn;
        final InboundParser parser;
        final byte[] batch;
        final int frameLen;
        final CountDownLatch start;
        volatile long startNanos;
        long sent;
        long endNanos;

        Publisher(RawConnection conn, byte[] batch, int frameLen, CountDownLatch start) {
            this.conn = conn;
            this.batch = batch;
            this.frameLen = frameLen;
            this.start = start;
            this.parser = new InboundParser(new ErrorRecorder(conn, "pub"));
        }

        @Override
        public void run() {
            try {
                start.await();
                long t0 = startNanos;
                long deadline = t0 + (o.duration == null ? MAX_PUBLISH_NS : o.duration.toNanos());
                final int perWrite = batch.length / frameLen;
                final long total = o.msgs;
                long s = 0;
                while (s < total) {
                    int n = (int) Math.min(perWrite, total - s);
                    conn.write(batch, 0, n * frameLen);
                    s += n;
                    if (System.nanoTime() - deadline > 0) {
                        break;
                    }
                }
                sent = s;
                byte[] buf = new byte[4096];
                if (!conn.pingPong(parser, buf, System.nanoTime() + FLUSH_TIMEOUT_NS)) {
                    errors.add("publisher: no PONG after publishing");
                }
                endNanos = System.nanoTime();
            } catch (IOException e) {
                errors.add("publisher: " + e);
                endNanos = System.nanoTime();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Subscriber implements Runnable {
        final RawConnection conn;
        final InboundParser parser;
        final AtomicLong groupCount;
        volatile long expected = Long.MAX_VALUE;
        volatile boolean stop;
        volatile long lastMsgNanos;

        Subscriber(RawConnection conn, AtomicLong groupCount) {
            this.conn = conn;
            this.groupCount = groupCount;
            this.parser = new InboundParser(new ErrorRecorder(conn, "sub"));
        }

        @Override
        public void run() {
            byte[] buf = new byte[READ_BUF_BYTES];
            InboundParser p = parser;
            try {
                while (!stop) {
                    int n = conn.read(buf);
                    if (n < 0) {
                        errors.add("subscriber: connection closed by server");
                        return;
                    }
                    if (n > 0) {
                        long before = p.msgs();
                        p.feed(buf, 0, n);
                        long delta = p.msgs() - before;
                        if (delta > 0) {
                            lastMsgNanos = System.nanoTime();
                            if (groupCount != null) {
                                groupCount.addAndGet(delta);
                            }
                        }
                    }
                    long have = groupCount != null ? groupCount.get() : p.msgs();
                    if (have >= expected && p.atFrameBoundary()) {
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                errors.add("subscriber: " + e);
            }
        }
    }

    /** Answers server PINGs and records -ERR lines. */
    private final class ErrorRecorder implements InboundParser.Handler {
        private final RawConnection conn;
        private final String who;

        ErrorRecorder(RawConnection conn, String who) {
            this.conn = conn;
            this.who = who;
        }

        @Override
        public void onPing() {
            try {
                conn.write(Proto.PONG);
            } catch (IOException e) {
                errors.add(who + ": " + e);
            }
        }

        @Override
        public void onErr(byte[] line, int lineLen) {
            errors.add(who + ": " + new String(line, 0, lineLen, StandardCharsets.US_ASCII));
        }
    }

    private LoadResult pubSub() throws IOException, InterruptedException {
        byte[] frame = Proto.pubFrame(o.subject, null, Proto.payload(o.size));
        int perWrite = (int) Math.max(1, Math.min(o.msgs, WRITE_BATCH_BYTES / frame.length));
        byte[] batch = Proto.repeat(frame, perWrite);

        List<RawConnection> conns = new ArrayList<>();
        List<Subscriber> subs = new ArrayList<>();
        List<Publisher> pubs = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong groupCount = o.queue != null ? new AtomicLong() : null;
        byte[] buf = new byte[4096];
        try {
            for (int i = 0; i < o.subs; i++) {
                RawConnection c = RawConnection.open(o.subHost(i), o.subPort(i), "bench-sub-" + i);
                conns.add(c);
                c.write(Proto.ascii("SUB " + o.subject + (o.queue == null ? "" : " " + o.queue) + " 1\r\n"));
                Subscriber s = new Subscriber(c, groupCount);
                if (!c.pingPong(s.parser, buf, System.nanoTime() + FLUSH_TIMEOUT_NS)) {
                    throw new IOException("subscription not confirmed");
                }
                subs.add(s);
            }
            for (int i = 0; i < o.pubs; i++) {
                RawConnection c = RawConnection.open(o.host, o.port, "bench-pub-" + i);
                conns.add(c);
                Publisher p = new Publisher(c, batch, frame.length, start);
                if (!c.pingPong(p.parser, buf, System.nanoTime() + FLUSH_TIMEOUT_NS)) {
                    throw new IOException("connection not confirmed");
                }
                pubs.add(p);
            }
            settle();
            List<Thread> subThreads = new ArrayList<>();
            for (int i = 0; i < subs.size(); i++) {
                subThreads.add(Thread.ofPlatform().name("bench-sub-" + i).start(subs.get(i)));
            }
            List<Thread> pubThreads = new ArrayList<>();
            for (int i = 0; i < pubs.size(); i++) {
                pubThreads.add(Thread.ofPlatform().name("bench-pub-" + i).start(pubs.get(i)));
            }
            long t0 = System.nanoTime();
            for (Publisher p : pubs) {
                p.startNanos = t0;
            }
            start.countDown();

            long pubLimit = (o.duration == null ? MAX_PUBLISH_NS : o.duration.toNanos()) + FLUSH_TIMEOUT_NS;
            joinAll(pubThreads, t0 + pubLimit);
            if (pubThreads.stream().anyMatch(Thread::isAlive)) {
                errors.add("publishers did not finish in time");
                pubs.forEach(p -> p.conn.close());
                joinAll(pubThreads, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            }
            long sent = pubs.stream().mapToLong(p -> p.sent).sum();
            long expectedPerSub = sent;
            for (Subscriber s : subs) {
                s.expected = expectedPerSub;
            }
            joinAll(subThreads, System.nanoTime() + o.drainTimeout.toNanos());
            for (Subscriber s : subs) {
                s.stop = true;
            }
            joinAll(subThreads, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));

            long pubEnd = pubs.stream().mapToLong(p -> p.endNanos).max().orElse(t0);
            long subEnd = subs.stream().mapToLong(s -> s.lastMsgNanos).max().orElse(0);
            long received = subs.stream().mapToLong(s -> s.parser.msgs()).sum();
            long receivedBytes = subs.stream().mapToLong(s -> s.parser.payloadBytes()).sum();
            long expected = o.subs == 0 ? 0 : (groupCount != null ? sent : sent * o.subs);
            LoadResult.Side pub = LoadResult.Side.of(sent, sent * o.size, pubEnd - t0);
            LoadResult.Side sub = LoadResult.Side.of(received, receivedBytes, subEnd == 0 ? 0 : subEnd - t0);
            LoadResult.Side all = LoadResult.Side.of(sent + received, (sent + received) * (long) o.size,
                    Math.max(pubEnd, subEnd) - t0);
            boolean complete = received == expected && errors.isEmpty();
            return new LoadResult(o.mode.name().toLowerCase(java.util.Locale.ROOT), url(), o.pubs, o.subs, o.size,
                    o.queue, o.connsIdle, pub, sub, all, expected, complete, null, cpuSeconds(),
                    List.copyOf(errors));
        } finally {
            conns.forEach(RawConnection::close);
        }
    }

    private static void joinAll(List<Thread> threads, long deadlineNanos) throws InterruptedException {
        for (Thread t : threads) {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                t.join(java.time.Duration.ofNanos(left));
            }
        }
    }

    // ---- request / reply -------------------------------------------------------------------

    private final class Responder implements Runnable, InboundParser.Handler {
        final RawConnection conn;
        final InboundParser parser;
        final byte[] payload;
        final int[] tok = new int[14];
        byte[] out = new byte[64 * 1024];
        int outLen;
        volatile boolean stop;

        Responder(RawConnection conn, byte[] payload) {
            this.conn = conn;
            this.payload = payload;
            this.parser = new InboundParser(this);
        }

        @Override
        public void onMsg(byte[] line, int lineLen, int payloadLen) {
            int n = InboundParser.tokens(line, lineLen, tok);
            boolean hmsg = (line[0] | 0x20) == 'h';
            if (n != (hmsg ? 6 : 5)) {
                return; // no reply subject: nothing to answer
            }
            int rs = tok[6];
            int re = tok[7];
            byte[] size = Proto.ascii(Integer.toString(payload.length));
            int need = 4 + (re - rs) + 1 + size.length + 2 + payload.length + 2;
            if (outLen + need > out.length) {
                out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, outLen + need));
            }
            put(Proto.ascii("PUB "));
            System.arraycopy(line, rs, out, outLen, re - rs);
            outLen += re - rs;
            out[outLen++] = ' ';
            put(size);
            out[outLen++] = '\r';
            out[outLen++] = '\n';
            put(payload);
            out[outLen++] = '\r';
            out[outLen++] = '\n';
        }

        private void put(byte[] b) {
            System.arraycopy(b, 0, out, outLen, b.length);
            outLen += b.length;
        }

        @Override
        public void onPing() {
            put(Proto.PONG);
        }

        @Override
        public void onErr(byte[] line, int lineLen) {
            errors.add("responder: " + new String(line, 0, lineLen, StandardCharsets.US_ASCII));
        }

        @Override
        public void run() {
            byte[] buf = new byte[READ_BUF_BYTES];
            try {
                while (!stop) {
                    int n = conn.read(buf);
                    if (n < 0) {
                        return;
                    }
                    parser.feed(buf, 0, n);
                    if (outLen > 0) {
                        conn.write(out, 0, outLen); // one write for all replies of this read
                        outLen = 0;
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!stop) {
                    errors.add("responder: " + e);
                }
            }
        }
    }

    private final class Requester implements Runnable {
        final RawConnection conn;
        final InboundParser parser;
        final byte[] request;
        final Histogram histogram = new Histogram(3);
        long done;
        long endNanos;
        /** When the first recorded (post-warm-up) request was sent. */
        long measureStartNanos;
        volatile long startNanos;
        final CountDownLatch start;

        Requester(RawConnection conn, byte[] request, CountDownLatch start) {
            this.conn = conn;
            this.request = request;
            this.start = start;
            this.parser = new InboundParser(new ErrorRecorder(conn, "requester"));
        }

        @Override
        public void run() {
            byte[] buf = new byte[READ_BUF_BYTES];
            try {
                start.await();
                long deadline = startNanos + (o.duration == null ? MAX_PUBLISH_NS : o.duration.toNanos());
                long total = o.warmup + o.msgs;
                if (total < 0) {
                    total = Long.MAX_VALUE;
                }
                for (long i = 0; i < total; i++) {
                    long want = parser.msgs() + 1;
                    long t = System.nanoTime();
                    if (i == o.warmup) {
                        measureStartNanos = t;
                    }
                    conn.write(request);
                    while (parser.msgs() < want || !parser.atFrameBoundary()) {
                        int n = conn.read(buf);
                        if (n < 0) {
                            throw new IOException("connection closed by server");
                        }
                        parser.feed(buf, 0, n);
                        if (n == 0 && System.nanoTime() - t > REQUEST_TIMEOUT_NS) {
                            throw new IOException("no reply within 10s");
                        }
                    }
                    long now = System.nanoTime();
                    if (i >= o.warmup) {
                        histogram.recordValue(now - t);
                        done++;
                    }
                    if (now - deadline > 0) {
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                errors.add("requester: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            endNanos = System.nanoTime();
        }
    }

    private LoadResult reqRep() throws IOException, InterruptedException {
        String group = o.queue != null ? o.queue : "bench.responders";
        byte[] payload = Proto.payload(o.size);
        List<RawConnection> conns = new ArrayList<>();
        List<Responder> responders = new ArrayList<>();
        List<Requester> requesters = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        byte[] buf = new byte[4096];
        try {
            for (int i = 0; i < o.subs; i++) {
                RawConnection c = RawConnection.open(o.subHost(i), o.subPort(i), "bench-responder-" + i);
                conns.add(c);
                c.write(Proto.ascii("SUB " + o.subject + " " + group + " 1\r\n"));
                Responder r = new Responder(c, payload);
                if (!c.pingPong(r.parser, buf, System.nanoTime() + FLUSH_TIMEOUT_NS)) {
                    throw new IOException("subscription not confirmed");
                }
                responders.add(r);
            }
            for (int i = 0; i < o.pubs; i++) {
                RawConnection c = RawConnection.open(o.host, o.port, "bench-requester-" + i);
                conns.add(c);
                String inbox = "_INBOX.bench" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "." + i;
                c.write(Proto.ascii("SUB " + inbox + " 1\r\n"));
                Requester q = new Requester(c, Proto.pubFrame(o.subject, inbox, payload), start);
                if (!c.pingPong(q.parser, buf, System.nanoTime() + FLUSH_TIMEOUT_NS)) {
                    throw new IOException("subscription not confirmed");
                }
                requesters.add(q);
            }
            settle();
            List<Thread> respThreads = new ArrayList<>();
            for (int i = 0; i < responders.size(); i++) {
                respThreads.add(Thread.ofPlatform().name("bench-responder-" + i).start(responders.get(i)));
            }
            List<Thread> reqThreads = new ArrayList<>();
            for (int i = 0; i < requesters.size(); i++) {
                reqThreads.add(Thread.ofPlatform().name("bench-requester-" + i).start(requesters.get(i)));
            }
            long t0 = System.nanoTime();
            for (Requester q : requesters) {
                q.startNanos = t0;
            }
            start.countDown();
            long limit = (o.duration == null ? MAX_PUBLISH_NS : o.duration.toNanos()) + REQUEST_TIMEOUT_NS * 2;
            joinAll(reqThreads, t0 + limit);
            if (reqThreads.stream().anyMatch(Thread::isAlive)) {
                errors.add("requesters did not finish in time");
                requesters.forEach(q -> q.conn.close());
                joinAll(reqThreads, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            }
            for (Responder r : responders) {
                r.stop = true;
            }
            joinAll(respThreads, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));

            Histogram all = new Histogram(3);
            long done = 0;
            long end = t0;
            long measureStart = Long.MAX_VALUE;
            for (Requester q : requesters) {
                all.add(q.histogram);
                done += q.done;
                end = Math.max(end, q.endNanos);
                if (q.done > 0) {
                    measureStart = Math.min(measureStart, q.measureStartNanos);
                }
            }
            // The request rate covers the recorded requests only, not the warm-up.
            LoadResult.Side req = LoadResult.Side.of(done, done * o.size,
                    done == 0 ? 0 : end - measureStart);
            LoadResult.Latency lat = new LoadResult.Latency(all.getTotalCount(),
                    us(all.getValueAtPercentile(50)), us(all.getValueAtPercentile(90)),
                    us(all.getValueAtPercentile(99)), us(all.getValueAtPercentile(99.9)),
                    us(all.getMaxValue()), all.getMean() / 1000.0);
            boolean complete = errors.isEmpty() && done > 0;
            return new LoadResult("reqrep", url(), o.pubs, o.subs, o.size, group, o.connsIdle,
                    req, LoadResult.Side.of(0, 0, 0), req, 0, complete, lat, cpuSeconds(), List.copyOf(errors));
        } finally {
            conns.forEach(RawConnection::close);
        }
    }

    private static double us(long nanos) {
        return nanos / 1000.0;
    }
}
