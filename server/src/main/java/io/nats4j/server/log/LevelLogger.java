package io.nats4j.server.log;

/**
 * The level plumbing shared by the loggers that write lines themselves: every level goes to
 * {@link #log(LogLevel, String)}, debug and trace only when enabled.
 */
abstract class LevelLogger implements ServerLogger {

    protected final boolean debug;
    protected final boolean trace;

    LevelLogger(boolean debug, boolean trace) {
        this.debug = debug;
        this.trace = trace;
    }

    /** Writes one line at {@code level} whether or not debug/trace are enabled. */
    public abstract void log(LogLevel level, String message);

    @Override
    public void notice(String message) {
        log(LogLevel.NOTICE, message);
    }

    @Override
    public void warn(String message) {
        log(LogLevel.WARN, message);
    }

    @Override
    public void error(String message) {
        log(LogLevel.ERROR, message);
    }

    @Override
    public void fatal(String message) {
        log(LogLevel.FATAL, message);
    }

    @Override
    public void debug(String message) {
        if (debug) {
            log(LogLevel.DEBUG, message);
        }
    }

    @Override
    public void trace(String message) {
        if (trace) {
            log(LogLevel.TRACE, message);
        }
    }

    @Override
    public boolean isDebugEnabled() {
        return debug;
    }

    @Override
    public boolean isTraceEnabled() {
        return trace;
    }
}
