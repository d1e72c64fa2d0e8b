package io.nats4j.server.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.TestServer;
import io.netty.channel.EventLoop;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Direct writes (docs/ARCHITECTURE.md, "Direct writes"): a delivery to a client on another event loop is written to
 * its socket by the publishing thread when that client's loop has nothing of it in hand, instead of a flush task that
 * wakes the loop. These tests hammer the protocol with real sockets: request/reply across loops, two publishers (one
 * on the receiver's loop, one not) into one receiver that stops reading now and then, and receivers closed in every
 * way (reset, end of stream, protocol error, slow consumer) while messages are being written to them, with fresh
 * connections taking their descriptor numbers at once. Every test is bounded by counts, not by time; the timeouts
 * only end a test that hangs.
 */
class DirectWriteTest {

    private static final int TIMEOUT_MS = 30_000;

    private NatsServer server;
    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ChunkedOutbound.directWriteHook = null;
        for (Peer p : peers) {
            p.closeQuietly();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ServerOptions options) throws Exception {
        server = new NatsServer(options);
        server.start();
    }

    private Peer peer() throws IOException {
        Peer p = new Peer(server.port(), 0);
        peers.add(p);
        return p;
    }

    /** The server's side of {@code p} (registered once its CONNECT was answered). */
    private ClientConnection conn(Peer p) {
        for (ClientConnection c : server.connections()) {
            if (c.remotePort() == p.localPort()) {
                return c;
            }
        }
        throw new AssertionError("no connection for " + p.localPort());
    }

    /** Two connected peers on different event loops (skipped where the server has one loop). */
    private Peer[] onTwoLoops() throws IOException {
        Peer first = peer().connect();
        EventLoop loop = conn(first).eventLoop();
        for (int i = 0; i < 8; i++) {
            Peer p = peer().connect();
            if (conn(p).eventLoop() != loop) {
                return new Peer[] {first, p};
            }
        }
        assumeTrue(false, "the server runs one event loop here");
        return null;
    }

    /**
     * Sequential request/reply between a requester and a responder on different loops: each message is written to
     * its receiver's socket by the loop that read it, so neither loop is handed a flush task (a wake-up) per
     * message; only the first delivery to each goes through one (it turns direct writes on). With
     * -Dnats4j.directWrites=false every delivery costs a flush task.
     */
    @Test
    void crossLoopRequestReplyIsWrittenByTheReadingLoop() throws Exception {
        start(TestServer.defaultOptions());
        Peer[] two = onTwoLoops();
        Peer requester = two[0];
        Peer responder = two[1];
        responder.send("SUB svc 1\r\n").sync();
        requester.send("SUB _INBOX.q 1\r\n").sync();
        int n = 300;
        for (int i = 0; i < n; i++) {
            String body = String.format("req-%05d", i);
            requester.send("PUB svc _INBOX.q " + body.length() + "\r\n" + body + "\r\n");
            assertEquals("MSG svc 1 _INBOX.q " + body.length(), responder.line());
            assertEquals(body, responder.line());
            responder.send("PUB _INBOX.q " + body.length() + "\r\n" + body + "\r\n");
            assertEquals("MSG _INBOX.q 1 " + body.length(), requester.line());
            assertEquals(body, requester.line());
        }
        ClientConnection q = conn(requester);
        ClientConnection r = conn(responder);
        assertTrue(r.outbound.directBytes() > 0 && q.outbound.directBytes() > 0, "direct writes used");
        // the first delivery to each, plus slack for a delivery that met the loop busy with its own PONG
        assertTrue(r.outbound.flushTasksRun() <= 5, "flush tasks on the responder's loop: " + r.outbound.flushTasksRun());
        assertTrue(q.outbound.flushTasksRun() <= 5, "flush tasks on the requester's loop: " + q.outbound.flushTasksRun());
    }

    /**
     * One receiver, two publishers (one on the receiver's loop, flushed in place; one on the other loop, written
     * directly or handed over), bursts of every size (some over the direct-write limit), the receiver's own PONGs in
     * between, and a small receive window with pauses in reading so the socket backs up and the loop holds bytes
     * in the channel: every message arrives once, whole and in its publisher's order, and every PING gets its PONG.
     */
    @Test
    void loopFlushesAndDirectWritesKeepEachPublishersOrder() throws Exception {
        start(TestServer.defaultOptions());
        Peer sub = new Peer(server.port(), 16 * 1024);
        peers.add(sub);
        sub.connect().send("SUB t 1\r\n").sync();
        EventLoop subLoop = conn(sub).eventLoop();
        Peer same = null;
        Peer other = null;
        for (int i = 0; i < 12 && (same == null || other == null); i++) {
            Peer p = peer().connect();
            if (conn(p).eventLoop() == subLoop) {
                same = same == null ? p : same;
            } else {
                other = other == null ? p : other;
            }
        }
        assumeTrue(same != null && other != null, "the server runs one event loop here");
        int perPublisher = 4000;
        Peer[] pubs = {same, other};
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int k = 0; k < 2; k++) {
            int id = k;
            Peer pub = pubs[k];
            Thread t = new Thread(() -> {
                Random rnd = new Random(42 + id);
                StringBuilder burst = new StringBuilder();
                try {
                    int seq = 0;
                    while (seq < perPublisher) {
                        int size = rnd.nextInt(4) == 0 ? 300 : 1 + rnd.nextInt(6); // some bursts > 32 KiB
                        burst.setLength(0);
                        for (int j = 0; j < size && seq < perPublisher; j++, seq++) {
                            String body = id + ":" + seq + ":" + "x".repeat(rnd.nextInt(200));
                            burst.append("PUB t ").append(body.length()).append("\r\n").append(body).append("\r\n");
                        }
                        pub.send(burst.toString());
                    }
                    pub.sync();
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "publisher-" + k);
            t.start();
            threads.add(t);
        }
        int[] next = new int[2];
        int pings = 0;
        int pongs = 0;
        Random rnd = new Random(7);
        int received = 0;
        while (received < 2 * perPublisher || pongs < pings) {
            if (rnd.nextInt(200) == 0) {
                sub.send("PING\r\n");
                pings++;
            }
            if (rnd.nextInt(500) == 0) {
                Thread.sleep(20); // the socket backs up: the loop's bytes wait in the channel
            }
            String line = sub.line();
            if (line.equals("PONG")) {
                pongs++;
                continue;
            }
            if (line.equals("PING")) {
                sub.send("PONG\r\n");
                continue;
            }
            String[] f = line.split(" ");
            assertEquals("MSG", f[0], line);
            assertEquals("t", f[1], line);
            String body = sub.line();
            assertEquals(Integer.parseInt(f[3]), body.length(), "payload size of " + line);
            String[] b = body.split(":");
            int id = Integer.parseInt(b[0]);
            assertEquals(next[id], Integer.parseInt(b[1]), "publisher " + id + "'s order");
            next[id]++;
            received++;
        }
        for (Thread t : threads) {
            t.join(TIMEOUT_MS);
        }
        assertTrue(errors.isEmpty(), () -> "publishers: " + errors);
        assertEquals(perPublisher, next[0]);
        assertEquals(perPublisher, next[1]);
        assertEquals(pings, pongs);
    }

    /** Requesters and responders spread over the loops, all at once: every requester gets its own replies. */
    @Test
    void manyRequestersAcrossLoopsGetTheirOwnReplies() throws Exception {
        start(TestServer.defaultOptions());
        int responders = 3;
        int requesters = 8;
        int perRequester = 150;
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        for (int i = 0; i < responders; i++) {
            Peer r = peer().connect();
            r.send("SUB svc workers 1\r\n").sync();
            Thread t = new Thread(() -> {
                try {
                    while (!done.get()) {
                        String line = r.line();
                        if (line.equals("PING")) {
                            r.send("PONG\r\n");
                            continue;
                        }
                        String[] f = line.split(" "); // MSG svc 1 reply size
                        String body = r.line();
                        r.send("PUB " + f[3] + " " + body.length() + "\r\n" + body + "\r\n");
                    }
                } catch (IOException e) {
                    if (!done.get()) {
                        errors.add(e);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "responder-" + i);
            t.start();
            threads.add(t);
        }
        List<Thread> reqThreads = new ArrayList<>();
        for (int i = 0; i < requesters; i++) {
            Peer q = peer().connect();
            String inbox = "_INBOX.r" + i;
            q.send("SUB " + inbox + " 1\r\n").sync();
            int id = i;
            Thread t = new Thread(() -> {
                try {
                    for (int j = 0; j < perRequester; j++) {
                        String body = id + "/" + j;
                        q.send("PUB svc " + inbox + " " + body.length() + "\r\n" + body + "\r\n");
                        String line = q.line();
                        while (line.equals("PING")) {
                            q.send("PONG\r\n");
                            line = q.line();
                        }
                        assertEquals("MSG " + inbox + " 1 " + body.length(), line);
                        assertEquals(body, q.line());
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "requester-" + i);
            t.start();
            reqThreads.add(t);
        }
        for (Thread t : reqThreads) {
            t.join(TIMEOUT_MS * 2L);
            assertTrue(!t.isAlive(), "requester finished");
        }
        done.set(true);
        for (Peer p : peers) {
            p.closeQuietly(); // ends the responders' reads
        }
        for (Thread t : threads) {
            t.join(TIMEOUT_MS);
        }
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
    }

    /**
     * Receivers closed while a publisher on another loop writes to them, in every way a connection ends (the client
     * resets it, closes it, ends its stream, sends a protocol error; a publisher's thread marks it a slow consumer), each followed
     * at once by a fresh connection, which takes the freed descriptor number: the fresh one must see its INFO first
     * and then only what it asked for, never a byte meant for the closed one. At the end the loop's handler still
     * trusts Netty's order (registration cancelled before the descriptor is closed).
     */
    @Test
    void closesDuringDirectWritesNeverLeakBytesToTheNextConnection() throws Exception {
        start(TestServer.defaultOptions());
        Peer pub = peer().connect();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong published = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Thread publisher = new Thread(() -> {
            String msg = "PUB x 16\r\n0123456789abcdef\r\n";
            try {
                while (!stop.get()) {
                    pub.send(msg.repeat(1 + (int) (published.get() % 4)));
                    published.incrementAndGet();
                    if (published.get() % 64 == 0) {
                        pub.sync(); // keeps the publisher's own read batches small: direct writes, not floods
                    }
                }
            } catch (Throwable e) {
                if (!stop.get()) {
                    errors.add(e);
                }
            }
        }, "publisher");
        publisher.start();
        List<Peer> fresh = new ArrayList<>();
        try {
            int cycles = 125;
            for (int i = 0; i < cycles; i++) {
                Peer victim = peer().connect();
                victim.send("SUB x 1\r\n").sync();
                ClientConnection victimConn = conn(victim);
                for (int k = 0; k < 3; k++) {
                    victim.line();
                }
                int mode = i % 5;
                switch (mode) {
                    case 0 -> victim.reset();
                    case 1 -> victim.closeQuietly();
                    case 2 -> victim.send("BOGUS\r\n"); // the server answers -ERR and closes
                    case 3 -> victim.socket.shutdownOutput(); // the server reads the end of the stream
                    default -> { // as a publisher's thread closes a slow consumer (under the lock, then on the loop)
                        synchronized (victimConn.outbound.lock) {
                            victimConn.markSlowConsumer(ClosedState.SLOW_CONSUMER_PENDING_BYTES);
                        }
                    }
                }
                Peer f = peer(); // most likely takes the descriptor number the victim had on the server
                f.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB own." + i + " 1\r\nPING\r\n");
                assertEquals("PONG", f.line(), "a fresh connection's first line after INFO");
                fresh.add(f);
                if (fresh.size() > 8) {
                    fresh.remove(0).closeQuietly();
                }
                if (mode >= 2) {
                    victim.closeQuietly();
                }
            }
        } finally {
            stop.set(true);
            publisher.join(TIMEOUT_MS);
        }
        assertTrue(errors.isEmpty(), () -> "publisher: " + errors);
        // nothing stray arrived later either (the server's keep-alive PINGs aside)
        for (Peer f : fresh) {
            f.send("PING\r\n");
            String line;
            while ((line = f.line()).equals("PING")) {
                f.send("PONG\r\n");
            }
            assertEquals("PONG", line);
        }
        assertTrue(GuardedIoHandler.usable(), "Netty cancelled every registration before closing its descriptor");
    }

    /**
     * The race itself, made certain: a direct write is held (test hook) after its checks and right before its
     * write call, while its receiver ends its stream (Netty then closes the channel on its own, before telling the
     * connection) and this process opens files, which take the lowest free descriptor numbers. Were the receiver's
     * descriptor closed before the held write ends, one of those files would get its number and the write would land
     * in it (it does when the guard's callback is taken out). The loop's close must wait for the write (the callback
     * takes the outbound lock), so every file stays empty and a fresh client is served cleanly. The same with a
     * reset, where the connection's own close path takes the lock before closing.
     */
    @Test
    void aReceiversDescriptorIsNotClosedWhileADirectWriteToItIsUnderWay(@TempDir Path dir) throws Exception {
        start(TestServer.defaultOptions());
        heldDirectWriteMeetsAClose(dir.resolve("fin"), false);
        heldDirectWriteMeetsAClose(dir.resolve("rst"), true);
    }

    private void heldDirectWriteMeetsAClose(Path dir, boolean reset) throws Exception {
        Files.createDirectories(dir);
        Peer[] two = onTwoLoops();
        Peer pub = two[0];
        Peer victim = two[1];
        victim.send("SUB x 1\r\n").sync();
        pub.send("PUB x 2\r\nhi\r\n").sync(); // the first delivery turns direct writes on (a flush task)
        assertEquals("MSG x 1 2", victim.line());
        assertEquals("hi", victim.line());
        ClientConnection v = conn(victim);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ChunkedOutbound.directWriteHook = o -> {
            if (o == v.outbound) {
                entered.countDown();
                try {
                    release.await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        List<FileChannel> files = new ArrayList<>();
        try {
            // A delivery goes to a flush task instead when the victim's loop has not yet finished its own last
            // flush (it clears "handing" after the write call, which a loaded machine may delay): then try again.
            boolean held = false;
            for (int attempt = 0; attempt < 100 && !held; attempt++) {
                long tasksBefore = v.outbound.flushTasksRun();
                pub.send("PUB x 5\r\nstray\r\n");
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
                while (!(held = entered.getCount() == 0) && v.outbound.flushTasksRun() == tasksBefore
                        && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (!held) {
                    assertEquals("MSG x 1 5", victim.line());
                    assertEquals("stray", victim.line());
                }
            }
            assertTrue(held, "direct write held");
            if (reset) {
                victim.reset();
            } else {
                victim.socket.shutdownOutput(); // the server reads the end of the stream; Netty closes the channel
            }
            // long enough for a close that does not wait for the held write (the bug) to happen; a correct one
            // waits, and the channel stays open until the write is released
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (v.channel.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            for (int i = 0; i < 64; i++) {
                files.add(FileChannel.open(dir.resolve("f" + i), StandardOpenOption.CREATE, StandardOpenOption.WRITE));
            }
        } finally {
            release.countDown();
        }
        pub.sync(); // the held write has ended (the publisher's loop reads this PING after it)
        ChunkedOutbound.directWriteHook = null;
        for (int i = 0; i < files.size(); i++) {
            files.get(i).close();
            assertEquals(0, Files.size(dir.resolve("f" + i)), "bytes written into an unrelated descriptor");
        }
        victim.closeQuietly();
        Peer fresh = peer().connect();
        fresh.send("SUB y 1\r\n").sync();
    }

    /** A raw client: lines and payloads as text. */
    static final class Peer implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Peer(int port, int receiveBuffer) throws IOException {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(TIMEOUT_MS);
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
            String info = line();
            if (!info.startsWith("INFO ")) {
                fail("first line: " + info);
            }
        }

        Peer connect() throws IOException {
            send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n");
            return sync();
        }

        Peer sync() throws IOException {
            send("PING\r\n");
            String line;
            while (!(line = line()).equals("PONG")) {
                if (line.equals("PING")) {
                    send("PONG\r\n");
                } else if (!line.startsWith("MSG ")) {
                    fail("expected PONG: " + line);
                } else {
                    line(); // a payload
                }
            }
            return this;
        }

        synchronized Peer send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        /** The next line without its CRLF. */
        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64);
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("closed after " + b.toString(StandardCharsets.ISO_8859_1));
                }
                if (prev == '\r' && c == '\n') {
                    byte[] bytes = b.toByteArray();
                    return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
                }
                b.write(c);
                prev = c;
            }
        }

        int localPort() {
            return socket.getLocalPort();
        }

        /** Closes with a reset (SO_LINGER 0). */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        @Override
        public void close() {
            closeQuietly();
        }
    }
}
