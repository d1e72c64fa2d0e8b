package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Lame duck mode against both servers: clients get an INFO with "ldm":true, new clients are refused, the
 * connected ones are closed after the grace period and reconnect to another server, and the server exits.
 * (nats-server refuses a lame_duck_duration under 30s in its config file, so the test uses 30s with a 1s
 * grace: one client is closed right after the grace period.)
 */
class LameDuckTest {

    private static ServerOptions options() {
        ServerOptions o = TestServer.defaultOptions();
        o.lameDuckDuration = Duration.ofSeconds(30);
        o.lameDuckGracePeriod = Duration.ofSeconds(1);
        return o;
    }

    @Test
    void clientsSeeLdmAndReconnectToAnotherServer() throws Exception {
        try (TestServer a = TestServer.start(options()); TestServer b = TestServer.start(options())) {
            CountDownLatch lameDuck = new CountDownLatch(1);
            CountDownLatch reconnected = new CountDownLatch(1);
            ConnectionListener listener = (conn, event) -> {
                if (event == ConnectionListener.Events.LAME_DUCK) {
                    lameDuck.countDown();
                } else if (event == ConnectionListener.Events.RECONNECTED) {
                    reconnected.countDown();
                }
            };
            Options opts = new Options.Builder().servers(new String[] {a.url(), b.url()}).noRandomize()
                    .connectionListener(listener).reconnectWait(Duration.ofMillis(50)).maxReconnects(-1).build();
            try (Connection nc = Nats.connect(opts)) {
                assertTrue(nc.getConnectedUrl().endsWith(":" + a.port()), nc.getConnectedUrl());
                a.enterLameDuckMode();
                assertTrue(lameDuck.await(5, TimeUnit.SECONDS), "no INFO with ldm:true");
                assertTrue(reconnected.await(10, TimeUnit.SECONDS), "did not reconnect after the grace period");
                assertTrue(nc.getConnectedUrl().endsWith(":" + b.port()), nc.getConnectedUrl());
                nc.flush(Duration.ofSeconds(2));
            }
            assertTrue(waitUntilRefused(a.port(), Duration.ofSeconds(10)), "server in lame duck did not exit");
        }
    }

    @Test
    void rawClientGetsInfoWithLdmAndNewClientsAreRefused() throws Exception {
        try (TestServer a = TestServer.start(options()); RawClient c = RawClient.open(a)) {
            c.connect("{\"verbose\":false,\"pedantic\":false,\"protocol\":1}").sync();
            a.enterLameDuckMode();
            String info = c.expectLineStartingWith("INFO ", Duration.ofSeconds(5));
            assertTrue(info.contains("\"ldm\":true"), info);
            assertTrue(waitUntilRefused(a.port(), Duration.ofSeconds(3)), "listener still open in lame duck mode");
            assertNotNull(c.expectClosed(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aServerWithoutClientsShutsDownAtOnce() throws Exception {
        try (TestServer a = TestServer.start(options())) {
            a.enterLameDuckMode();
            assertTrue(waitUntilRefused(a.port(), Duration.ofSeconds(5)));
            assertThrows(IOException.class, () -> RawClient.open(a).close());
            assertFalse(accepts(a.port()));
        }
    }

    private static boolean waitUntilRefused(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!accepts(port)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
