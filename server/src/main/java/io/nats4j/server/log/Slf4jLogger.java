package io.nats4j.server.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded server's logger: everything goes to SLF4J, by default to the logger named
 * {@value #LOGGER_NAME}, and the application's SLF4J binding decides where and at which level.
 * notice → info, warn → warn, error → error, fatal → error, debug → debug, trace → trace.
 */
public final class Slf4jLogger implements ServerLogger {

    public static final String LOGGER_NAME = "io.nats4j.server";

    private final Logger logger;

    public Slf4jLogger() {
        this(LoggerFactory.getLogger(LOGGER_NAME));
    }

    public Slf4jLogger(Logger logger) {
        this.logger = logger;
    }

    @Override
    public void notice(String message) {
        logger.info(message);
    }

    @Override
    public void warn(String message) {
        logger.warn(message);
    }

    @Override
    public void error(String message) {
        logger.error(message);
    }

    @Override
    public void fatal(String message) {
        logger.error(message);
    }

    @Override
    public void debug(String message) {
        logger.debug(message);
    }

    @Override
    public void trace(String message) {
        logger.trace(message);
    }

    @Override
    public boolean isDebugEnabled() {
        return logger.isDebugEnabled();
    }

    @Override
    public boolean isTraceEnabled() {
        return logger.isTraceEnabled();
    }
}
