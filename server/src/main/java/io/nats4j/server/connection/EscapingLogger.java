package io.nats4j.server.connection;

import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.protocol.ClientText;

/**
 * The logger of a client connection and its role classes: every message has its control characters escaped
 * ({@link ClientText#controls}: CR, LF, other C0/C1 controls), so nothing a client sends (subjects, queue names,
 * CONNECT fields, JSON errors, exception texts, traced protocol lines and payloads) can break a log line or
 * forge one. Messages without control characters pass through unchanged.
 */
final class EscapingLogger implements ServerLogger {

    private final ServerLogger log;

    EscapingLogger(ServerLogger log) {
        this.log = log;
    }

    @Override
    public void notice(String message) {
        log.notice(ClientText.controls(message));
    }

    @Override
    public void warn(String message) {
        log.warn(ClientText.controls(message));
    }

    @Override
    public void error(String message) {
        log.error(ClientText.controls(message));
    }

    @Override
    public void fatal(String message) {
        log.fatal(ClientText.controls(message));
    }

    @Override
    public void debug(String message) {
        log.debug(ClientText.controls(message));
    }

    @Override
    public void trace(String message) {
        log.trace(ClientText.controls(message));
    }

    @Override
    public boolean isDebugEnabled() {
        return log.isDebugEnabled();
    }

    @Override
    public boolean isTraceEnabled() {
        return log.isTraceEnabled();
    }
}
