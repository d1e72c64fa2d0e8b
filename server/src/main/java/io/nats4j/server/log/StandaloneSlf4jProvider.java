package io.nats4j.server.log;

import java.io.Serial;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding of the standalone server: bin/nats4j selects it with
 * {@code -Dslf4j.provider=io.nats4j.server.log.StandaloneSlf4jProvider} (it is deliberately not
 * registered through {@code META-INF/services}, so an embedding application's own binding is never
 * disturbed). Everything logged through SLF4J ends up as nats-server-style lines in the logger given
 * to {@link ServerLoggers#routeSlf4jTo}: for {@code io.nats4j.*} loggers info → [INF], debug → [DBG],
 * trace → [TRC]; libraries (Netty, Jackson) only reach the log with warnings and errors.
 */
public final class StandaloneSlf4jProvider implements SLF4JServiceProvider {

    private final ILoggerFactory factory = new Factory();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // nothing: the target logger is set by ServerLoggers
    }

    private static final class Factory implements ILoggerFactory {
        private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, RoutingLogger::new);
        }
    }

    private static final class RoutingLogger extends LegacyAbstractLogger {
        @Serial
        private static final long serialVersionUID = 1L;
        private final boolean ours;

        RoutingLogger(String name) {
            this.name = name;
            this.ours = name.startsWith("io.nats4j.");
        }

        @Override
        public boolean isTraceEnabled() {
            return ours && ServerLoggers.slf4jTarget().isTraceEnabled();
        }

        @Override
        public boolean isDebugEnabled() {
            return ours && ServerLoggers.slf4jTarget().isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return ours;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            String text = MessageFormatter.basicArrayFormat(pattern, args);
            if (!ours) {
                text = name + ": " + text;
            }
            if (t != null) {
                text = text + ": " + t;
            }
            ServerLogger target = ServerLoggers.slf4jTarget();
            switch (level) {
                case ERROR -> target.error(text);
                case WARN -> target.warn(text);
                case INFO -> target.notice(text);
                case DEBUG -> target.debug(text);
                case TRACE -> target.trace(text);
            }
        }
    }
}
