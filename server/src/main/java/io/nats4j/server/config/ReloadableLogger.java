package io.nats4j.server.config;

import io.nats4j.server.log.ServerLogger;
import java.io.Closeable;
import java.io.IOException;

/**
 * The server's logger as everyone holds it: a config reload that changes logging (debug, trace, logtime,
 * logfile, syslog...) swaps the logger behind it, so connections created before the reload log through
 * the new one.
 */
public final class ReloadableLogger implements ServerLogger {

    private volatile ServerLogger delegate;

    public ReloadableLogger(ServerLogger delegate) {
        this.delegate = delegate;
    }

    public ServerLogger delegate() {
        return delegate;
    }

    /** Installs {@code next}; the previous logger is closed when it holds a file or socket. */
    public void swap(ServerLogger next) {
        ServerLogger old = delegate;
        delegate = next;
        if (old != next && old instanceof Closeable c) {
            try {
                c.close();
            } catch (IOException e) {
                next.error("Error closing the previous log: " + e.getMessage());
            }
        }
    }

    @Override
    public void notice(String message) {
        delegate.notice(message);
    }

    @Override
    public void warn(String message) {
        delegate.warn(message);
    }

    @Override
    public void error(String message) {
        delegate.error(message);
    }

    @Override
    public void fatal(String message) {
        delegate.fatal(message);
    }

    @Override
    public void debug(String message) {
        delegate.debug(message);
    }

    @Override
    public void trace(String message) {
        delegate.trace(message);
    }

    @Override
    public boolean isDebugEnabled() {
        return delegate.isDebugEnabled();
    }

    @Override
    public boolean isTraceEnabled() {
        return delegate.isTraceEnabled();
    }
}
