package io.nats4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client that connects while {@link NatsServer#start()} is still building the server (the client port is
 * already listening: bound by Netty, or adopted from the standalone server's early listener with clients in
 * its backlog) must wait and then get the finished server's INFO. It used to be accepted at once and read
 * the INFO before it was built: a NullPointerException, then {@code -ERR 'Unknown Protocol Operation'}.
 */
class StartupRaceTest {

    @Test
    void clientsConnectingWhileStartBuildsGetInfoOnceBuilt() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = port;
        List<Socket> early = new ArrayList<>();
        List<String> answeredDuringStart = new ArrayList<>();
        try (NatsServer server = new NatsServer(o)) {
            server.afterClientListenerOpened = () -> {
                try {
                    for (int i = 0; i < 3; i++) {
                        Socket s = new Socket();
                        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                        early.add(s);
                    }
                    early.get(2).getOutputStream().write("CONNECT {\"verbose\":false}\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                    // long enough for an accept loop that already accepts to answer: before the fix, -ERR
                    for (Socket s : early) {
                        s.setSoTimeout(300);
                        try {
                            int b = s.getInputStream().read();
                            answeredDuringStart.add(b < 0 ? "EOF" : String.valueOf((char) b));
                        } catch (SocketTimeoutException expected) {
                            // nothing yet: the client waits in the backlog
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            };
            server.start();
            assertEquals(List.of(), answeredDuringStart, "nothing is sent before start() has built the server");
            for (Socket s : early) {
                s.setSoTimeout(5000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String info = in.readLine();
                assertTrue(info != null && info.startsWith("INFO {"), "INFO first, got: " + info);
                assertTrue(info.contains("\"port\":" + port), info);
                if (s == early.get(2)) {
                    assertEquals("PONG", in.readLine());
                }
            }
        } finally {
            for (Socket s : early) {
                s.close();
            }
        }
    }
}
