package io.nats4j.server.log;

import io.nats4j.server.ServerOptions;
import java.io.IOException;

/** Picks the {@link ServerLogger} for a standalone or an embedded server. */
public final class ServerLoggers {

    private static volatile ServerLogger slf4jTarget;

    /**
     * The standalone server's logger, from nats-server's logging options, in nats-server's order of
     * precedence: remote syslog ({@code -r}), else local syslog ({@code -s}), else the log file
     * ({@code -l}, rotated by {@code log_size_limit}/{@code log_max_num}), else stderr. {@code -T=false}
     * drops the date and time of file and stderr lines; {@code -D} and {@code -V} enable debug and trace
     * ({@code -VV} implies trace).
     *
     * @throws IOException when the log file or the syslog socket cannot be opened
     * @throws IllegalArgumentException for a malformed remote syslog address
     */
    public static ServerLogger forStandalone(ServerOptions options) throws IOException {
        ServerLogger logger = create(options);
        routeSlf4jTo(logger);
        return logger;
    }

    private static ServerLogger create(ServerOptions options) throws IOException {
        boolean trace = options.trace || options.traceVerbose;
        if (options.remoteSyslog != null && !options.remoteSyslog.isEmpty()) {
            return SyslogLogger.remote(options.remoteSyslog, options.debug, trace);
        }
        if (options.syslog) {
            return SyslogLogger.local(options.debug, trace);
        }
        StdLogger.Builder b = StdLogger.builder()
                .time(options.logTime)
                .debug(options.debug)
                .trace(trace);
        if (options.logTimeUtc) {
            b.clock(java.time.InstantSource.system(), java.time.ZoneOffset.UTC);
        }
        if (options.logFile != null) {
            return b.file(options.logFile)
                    .rotation(Math.max(0, options.logSizeLimit), Math.max(0, options.logMaxNum))
                    .build();
        }
        return b.output(new java.io.FileOutputStream(java.io.FileDescriptor.err)).build();
    }

    /** An embedded server's logger: SLF4J, logger {@value Slf4jLogger#LOGGER_NAME}. */
    public static ServerLogger forEmbedded() {
        return new Slf4jLogger();
    }

    /**
     * Where SLF4J calls go when the standalone binding {@link StandaloneSlf4jProvider} is in use (set by
     * {@link #forStandalone}; until then, stderr with time, no debug or trace). Has no effect otherwise.
     */
    public static void routeSlf4jTo(ServerLogger logger) {
        slf4jTarget = logger;
    }

    static ServerLogger slf4jTarget() {
        ServerLogger t = slf4jTarget;
        if (t == null) {
            t = StdLogger.toStderr(true, false, false);
            slf4jTarget = t;
        }
        return t;
    }

    private ServerLoggers() {
    }
}
