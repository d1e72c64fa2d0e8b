package io.nats4j.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class StandaloneSlf4jProviderTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @AfterEach
    void reset() {
        ServerLoggers.routeSlf4jTo(null);
    }

    private Logger logger(String name, boolean debug) throws IOException {
        ServerLoggers.routeSlf4jTo(StdLogger.builder().output(out).pid(9).time(false).debug(debug).build());
        StandaloneSlf4jProvider provider = new StandaloneSlf4jProvider();
        provider.initialize();
        return provider.getLoggerFactory().getLogger(name);
    }

    @Test
    void ourLoggersBecomeNatsServerLines() throws IOException {
        Logger log = logger("io.nats4j.server.connection", true);
        log.info("Listening on {}:{}", "0.0.0.0", 4222);
        log.debug("dbg");
        log.trace("no trace");
        log.error("failed", new IllegalStateException("x"));
        assertEquals("""
                [9] [INF] Listening on 0.0.0.0:4222
                [9] [DBG] dbg
                [9] [ERR] failed: java.lang.IllegalStateException: x
                """, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void librariesOnlyLogWarningsAndErrors() throws IOException {
        Logger netty = logger("io.netty.util.ResourceLeakDetector", true);
        assertFalse(netty.isInfoEnabled());
        assertFalse(netty.isDebugEnabled());
        assertTrue(netty.isWarnEnabled());
        netty.info("noise");
        netty.debug("noise");
        netty.warn("LEAK: {}", "ByteBuf.release() was not called");
        assertEquals("[9] [WRN] io.netty.util.ResourceLeakDetector: LEAK: ByteBuf.release() was not called\n",
                out.toString(StandardCharsets.UTF_8));
    }
}
