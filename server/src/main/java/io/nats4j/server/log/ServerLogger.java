package io.nats4j.server.log;

/**
 * The server's logging interface, shaped like nats-server's: notice ([INF]), warn ([WRN]),
 * error ([ERR]), fatal ([FTL]), debug ([DBG]) and trace ([TRC]). The standalone server prints
 * nats-server-style lines; an embedded server logs through SLF4J.
 *
 * <p>Callers building an expensive debug or trace message check {@link #isDebugEnabled()} /
 * {@link #isTraceEnabled()} first. Implementations are thread-safe.
 */
public interface ServerLogger {

    void notice(String message);

    void warn(String message);

    void error(String message);

    void fatal(String message);

    void debug(String message);

    void trace(String message);

    boolean isDebugEnabled();

    boolean isTraceEnabled();
}
