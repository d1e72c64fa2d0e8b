package io.nats4j.server.auth;

import java.time.ZoneId;

/** JWT dates as nats-server prints them in its start-up banner (Go's {@code time.Time.String()}). */
final class GoLocalTime {

    private GoLocalTime() {
    }

    /**
     * Go's {@code time.Time.String()} of a Unix time in the local zone, as nats-server prints JWT dates:
     * {@code 2006-01-02 15:04:05 -0700 MST}. On a machine running in UTC (containers, most servers) it is built
     * directly: the general path's zone rules and zone names take a fresh JVM tens of milliseconds to load.
     */
    static String format(long epochSeconds) {
        java.util.TimeZone tz = java.util.TimeZone.getDefault();
        String id = tz.getID();
        if (tz.getRawOffset() == 0 && !tz.useDaylightTime()
                && (id.equals("UTC") || id.equals("Etc/UTC") || id.equals("Etc/Universal") || id.equals("Universal")
                        || id.equals("Etc/Zulu") || id.equals("Zulu"))) {
            java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(epochSeconds, 0, java.time.ZoneOffset.UTC);
            StringBuilder sb = new StringBuilder(32);
            pad(sb, t.getYear(), 4).append('-');
            pad(sb, t.getMonthValue(), 2).append('-');
            pad(sb, t.getDayOfMonth(), 2).append(' ');
            pad(sb, t.getHour(), 2).append(':');
            pad(sb, t.getMinute(), 2).append(':');
            return pad(sb, t.getSecond(), 2).append(" +0000 UTC").toString();
        }
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z")
                .format(java.time.Instant.ofEpochSecond(epochSeconds).atZone(ZoneId.systemDefault()));
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String d = Integer.toString(v);
        for (int i = d.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(d);
    }
}
