package io.nats4j.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.testsupport.RawClient;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The listener seam: a second kind of connection needs a listener spec, a pipeline factory and a registry entry
 * with its limit, nothing in the server itself. Here a test-only kind (standing in for leaf nodes, whose
 * listener does not exist yet) answers {@code PING} with {@code PONG} after sending the server's INFO for its
 * kind; a raw socket talks to it while the client listener keeps working beside it.
 */
class SecondListenerKindTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    private NatsServer server;

    @BeforeEach
    void start() throws IOException {
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        server = new NatsServer(o);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** The test kind's connection: registers itself, sends INFO, answers PING; refused beyond its kind's limit. */
    private static final class TestKindConnection extends ChannelInboundHandlerAdapter {
        private final NatsServer server;
        private final KindRegistry<TestKindConnection> registry;
        private final long id;

        TestKindConnection(NatsServer server, KindRegistry<TestKindConnection> registry) {
            this.server = server;
            this.registry = registry;
            this.id = server.registry().nextId();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!registry.register(id, this)) {
                ctx.writeAndFlush(ascii(ctx, "-ERR 'maximum connections exceeded'\r\n")).addListener(f -> ctx.close());
                return;
            }
            byte[] info = server.info().info(ConnectionKind.LEAF, ",\"test_id\":" + id);
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(info));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                String in = ((ByteBuf) msg).toString(StandardCharsets.US_ASCII);
                if (in.contains("PING")) {
                    ctx.writeAndFlush(ascii(ctx, "PONG\r\n"));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            registry.unregister(id, this);
        }

        private static ByteBuf ascii(ChannelHandlerContext ctx, String s) {
            return ctx.alloc().buffer().writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private Listener openTestListener(KindRegistry<TestKindConnection> registry) throws Exception {
        PipelineFactory factory = (SocketChannel ch, io.nats4j.server.tls.ServerTls tls) ->
                ch.pipeline().addLast("test-kind", new TestKindConnection(server, registry));
        return server.listeners().open(ListenerSpec.plain("test", ConnectionKind.LEAF, "127.0.0.1", 0, factory));
    }

    @Test
    void aTestKindGetsItsOwnListenerPipelineRegistryAndInfo() throws Exception {
        KindRegistry<TestKindConnection> registry = server.registry().add(ConnectionKind.LEAF, () -> 1);
        Listener listener = openTestListener(registry);
        assertNotEquals(server.port(), listener.port());

        try (RawClient test = RawClient.open(listener.port(), 0); RawClient client = RawClient.open(server.port(), 0)) {
            // INFO for the kind: the server's common fields, then the connection's own
            assertTrue(test.info().startsWith("{\"server_id\":\"" + server.serverId() + "\""), test.info());
            assertTrue(test.info().contains("\"test_id\":"), test.info());
            assertTrue(test.info().contains("\"max_payload\":1048576"), test.info());
            test.send("PING\r\n").expect("PONG\r\n");
            client.connectQuiet(); // the client listener is untouched beside it

            assertEquals(1, registry.count());
            assertEquals(1, server.connectionCount(), "clients are counted apart from the test kind");
            assertEquals(2, server.registry().total());
            // the kind's own limit (1) refuses a second connection of that kind only
            try (RawClient second = RawClient.openWithoutInfo(listener.port())) {
                second.expect("-ERR 'maximum connections exceeded'\r\n", WAIT);
                second.expectClosed(WAIT);
            }
            try (RawClient secondClient = RawClient.open(server.port(), 0)) {
                secondClient.connectQuiet();
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (registry.count() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, registry.count(), "a closed connection leaves its kind's registry");
        try (RawClient again = RawClient.open(listener.port(), 0)) {
            again.send("PING\r\n").expect("PONG\r\n");
        }
    }

    @Test
    void closingTheServerClosesEveryListener() throws Exception {
        KindRegistry<TestKindConnection> registry = server.registry().add(ConnectionKind.LEAF, () -> 0);
        int port = openTestListener(registry).port();
        server.close();
        assertThrows(ConnectException.class, () -> RawClient.openWithoutInfo(port).close());
    }

    @Test
    void aKindHasOneRegistry() {
        assertThrows(IllegalStateException.class, () -> server.registry().add(ConnectionKind.CLIENT, () -> 0));
    }

    @Test
    void aListenerWithTlsFirstHandshakesBeforeItsKindSeesAByte(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        io.nats4j.server.testsupport.TestCertificates ca = io.nats4j.server.testsupport.TestCertificates.create(dir, "test CA");
        io.nats4j.server.testsupport.TestCertificates.Issued cert =
                ca.server("server", io.nats4j.server.testsupport.TestCertificates.KeyFormat.PKCS8);
        io.nats4j.server.tls.TlsOptions t = new io.nats4j.server.tls.TlsOptions();
        t.certFile = cert.certFile();
        t.keyFile = cert.keyFile();
        t.timeout = Duration.ofSeconds(10); // a loaded machine: the handshake must not time out
        io.nats4j.server.tls.ServerTls tls = io.nats4j.server.tls.ServerTls.load(t);
        KindRegistry<TestKindConnection> registry = server.registry().add(ConnectionKind.LEAF, () -> 0);
        java.util.List<String> pipelines = new java.util.concurrent.CopyOnWriteArrayList<>();
        PipelineFactory factory = (SocketChannel ch, io.nats4j.server.tls.ServerTls listenerTls) -> {
            ch.pipeline().addLast("test-kind", new TestKindConnection(server, registry));
            // the names in order, without the listener's initializer (it leaves once this returns)
            pipelines.add(String.join(",", ch.pipeline().names().stream()
                    .filter(n -> n.equals(Listeners.TLS_HANDLER) || n.equals("test-kind")).toList()));
        };
        Listener listener = server.listeners().open(new ListenerSpec("test-tls", ConnectionKind.LEAF, "127.0.0.1", 0,
                TlsPlacement.FIRST, () -> tls, factory));
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", listener.port());
                javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ca.clientContext(null).getSocketFactory()
                        .createSocket(plain, "localhost", listener.port(), true)) {
            s.setSoTimeout((int) WAIT.toMillis());
            s.startHandshake(); // the listener placed TLS first: nothing in plain text before it
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertTrue(in.readLine().startsWith("INFO {\"server_id\":\"" + server.serverId() + "\""));
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals("PONG", in.readLine());
        }
        assertEquals(List.of(Listeners.TLS_HANDLER + ",test-kind"), pipelines, "the TLS handler comes before the kind's");
    }
}
