package io.nats4j.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.ServerOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerLoggersTest {

    @Test
    void logFileOptionWritesNatsServerStyleLinesToTheFile(@TempDir Path dir) throws IOException {
        ServerOptions o = new ServerOptions();
        o.logFile = dir.resolve("nats.log");
        o.debug = true;
        ServerLogger log = ServerLoggers.forStandalone(o);
        log.notice("hello");
        log.debug("dbg");
        log.trace("no trace");
        ((Closeable) log).close();
        List<String> lines = Files.readAllLines(o.logFile);
        assertEquals(2, lines.size());
        Pattern p = Pattern.compile("\\[\\d+] \\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\[(INF] hello|DBG] dbg)");
        lines.forEach(l -> assertTrue(p.matcher(l).matches(), l));
    }

    @Test
    void traceVerboseImpliesTrace() throws IOException {
        ServerOptions o = new ServerOptions();
        o.traceVerbose = true;
        assertTrue(ServerLoggers.forStandalone(o).isTraceEnabled());
    }

    @Test
    void defaultIsStderr() throws IOException {
        assertTrue(ServerLoggers.forStandalone(new ServerOptions()) instanceof StdLogger);
    }

    @Test
    void malformedRemoteSyslogIsRefused() {
        ServerOptions o = new ServerOptions();
        o.remoteSyslog = "syslog.example:514";
        assertThrows(IllegalArgumentException.class, () -> ServerLoggers.forStandalone(o));
    }
}
