package io.nats4j.server.log;

/** The levels of {@link ServerLogger}, with nats-server's three-letter tags and syslog severities. */
public enum LogLevel {
    FATAL("[FTL] ", 2),
    ERROR("[ERR] ", 3),
    WARN("[WRN] ", 4),
    NOTICE("[INF] ", 5),
    DEBUG("[DBG] ", 7),
    /** nats-server sends trace lines to syslog as notices. */
    TRACE("[TRC] ", 5);

    private final String tag;
    private final int syslogSeverity;

    LogLevel(String tag, int syslogSeverity) {
        this.tag = tag;
        this.syslogSeverity = syslogSeverity;
    }

    /** {@code "[INF] "}: the tag as printed, with its trailing space. */
    public String tag() {
        return tag;
    }

    /** RFC 5424 severity: 2 critical, 3 error, 4 warning, 5 notice, 7 debug. */
    public int syslogSeverity() {
        return syslogSeverity;
    }
}
