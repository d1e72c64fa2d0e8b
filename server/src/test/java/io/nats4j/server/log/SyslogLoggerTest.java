package io.nats4j.server.log;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SyslogLoggerTest {

    private static final Instant T = Instant.parse("2026-11-29T11:00:00.5Z");

    private static String receive(DatagramChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        ch.receive(buf);
        buf.flip();
        return StandardCharsets.UTF_8.decode(buf).toString();
    }

    @Test
    void remoteUdpSendsOneRfc3164StyleDatagramPerLine() throws IOException {
        try (DatagramChannel server = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            server.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 16);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            try (SyslogLogger log = SyslogLogger.remote("udp://127.0.0.1:" + port, "nats4j", true, false,
                    InstantSource.fixed(T), ZoneId.of("Europe/Paris"))) {
                log.notice("Server is ready");
                log.error("boom");
                log.fatal("bye");
                log.trace("not sent: trace is off");
                log.debug("dbg");
            }
            long pid = ProcessHandle.current().pid();
            String shape = "<%d>2026-11-29T12:00:00\\+01:00 \\S+ nats4j\\[" + pid + "]: %s\n";
            String[][] expected = {{"5", "Server is ready"}, {"3", "boom"}, {"2", "bye"}, {"7", "dbg"}};
            for (String[] e : expected) {
                String got = receive(server);
                assertTrue(Pattern.compile(String.format(shape, Integer.parseInt(e[0]), e[1])).matcher(got).matches(), got);
            }
        }
    }

    @Test
    void remoteAddressMustBeUdpTcpOrUnix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyslogLogger.remote("http://127.0.0.1:514", false, false));
        assertTrue(e.getMessage().contains("invalid network type"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SyslogLogger.remote("udp://127.0.0.1", false, false));
    }

    @Test
    void localSyslogEitherConnectsOrExplainsWhy() {
        try (SyslogLogger log = SyslogLogger.local(false, false)) {
            log.notice("nats4j SyslogLoggerTest");
        } catch (IOException e) {
            assertTrue(e.getMessage().startsWith("local syslog (-s/syslog) is not available"), e.getMessage());
            assertTrue(e.getMessage().contains("-r udp://"), e.getMessage());
        }
    }

    @Test
    void remoteLinesUseKernFacilityAndRfc3339Time() throws IOException {
        try (DatagramChannel server = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            try (SyslogLogger log = SyslogLogger.remote("udp://127.0.0.1:" + port, "t", false, false,
                    InstantSource.fixed(Instant.parse("2026-11-02T03:04:05Z")), ZoneId.of("UTC"))) {
                // remote lines use facility kern (0), as nats-server dials with LOG_DEBUG: PRI is the bare severity
                assertTrue(log.format(LogLevel.WARN, "w", Instant.parse("2026-11-02T03:04:05Z"))
                        .startsWith("<4>2026-11-02T03:04:05Z "));
                assertTrue(log.format(LogLevel.TRACE, "t", Instant.EPOCH).startsWith("<5>1970-01-01T00:00:00Z "));
            }
        }
    }
}
