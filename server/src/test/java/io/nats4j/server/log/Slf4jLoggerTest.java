package io.nats4j.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

class Slf4jLoggerTest {

    /** Records what reaches SLF4J; levels below {@code threshold} are disabled. */
    static final class RecordingLogger extends LegacyAbstractLogger {
        @Serial
        private static final long serialVersionUID = 1L;
        final transient List<String> events = new ArrayList<>();
        private final Level threshold;

        RecordingLogger(Level threshold) {
            this.name = "io.nats4j.server";
            this.threshold = threshold;
        }

        private boolean on(Level level) {
            return level.toInt() >= threshold.toInt();
        }

        @Override
        public boolean isTraceEnabled() {
            return on(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return on(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return on(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return on(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return on(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String message, Object[] args, Throwable t) {
            events.add(level + " " + message);
        }
    }

    @Test
    void levelsMapToSlf4j() {
        RecordingLogger target = new RecordingLogger(Level.TRACE);
        Slf4jLogger log = new Slf4jLogger(target);
        log.notice("n");
        log.warn("w");
        log.error("e");
        log.fatal("f");
        log.debug("d");
        log.trace("t");
        assertEquals(List.of("INFO n", "WARN w", "ERROR e", "ERROR f", "DEBUG d", "TRACE t"), target.events);
    }

    @Test
    void debugAndTraceFollowTheSlf4jLevel() {
        RecordingLogger target = new RecordingLogger(Level.INFO);
        Slf4jLogger log = new Slf4jLogger(target);
        assertFalse(log.isDebugEnabled());
        assertFalse(log.isTraceEnabled());
        log.debug("d");
        log.trace("t");
        log.notice("n");
        assertEquals(List.of("INFO n"), target.events);

        assertTrue(new Slf4jLogger(new RecordingLogger(Level.DEBUG)).isDebugEnabled());
    }

    @Test
    void defaultLoggerIsNamedForTheServer() {
        assertEquals("io.nats4j.server", Slf4jLogger.LOGGER_NAME);
        assertTrue(ServerLoggers.forEmbedded() instanceof Slf4jLogger);
    }
}
