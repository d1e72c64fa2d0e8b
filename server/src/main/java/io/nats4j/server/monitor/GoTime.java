package io.nats4j.server.monitor;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import io.nats4j.server.config.GoDuration;

/** Go's time and duration texts as nats-server's monitoring JSON shows them. */
public final class GoTime {

    private GoTime() {
    }

    /** RFC 3339 in UTC with nanoseconds, trailing zeros trimmed: {@code 2024-05-01T10:00:00.12Z}. */
    public static String rfc3339Nano(Instant t) {
        LocalDateTime d = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(32);
        pad(sb, d.getYear(), 4).append('-');
        pad(sb, d.getMonthValue(), 2).append('-');
        pad(sb, d.getDayOfMonth(), 2).append('T');
        pad(sb, d.getHour(), 2).append(':');
        pad(sb, d.getMinute(), 2).append(':');
        pad(sb, d.getSecond(), 2);
        int nanos = d.getNano();
        if (nanos != 0) {
            StringBuilder frac = new StringBuilder();
            pad(frac, nanos, 9);
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(frac, 0, end);
        }
        return sb.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }

    /** nats-server's uptime text: whole seconds as {@code 1y2d3h4m5s}, {@code 3h0m7s}, {@code 0s}. */
    public static String uptime(Duration d) {
        long secs = Math.max(0, d.getSeconds());
        long mins = secs / 60;
        long hrs = mins / 60;
        long days = hrs / 24;
        long yrs = days / 365;
        if (yrs > 0) {
            return yrs + "y" + days % 365 + "d" + hrs % 24 + "h" + mins % 60 + "m" + secs % 60 + "s";
        }
        if (days > 0) {
            return days + "d" + hrs % 24 + "h" + mins % 60 + "m" + secs % 60 + "s";
        }
        if (hrs > 0) {
            return hrs + "h" + mins % 60 + "m" + secs % 60 + "s";
        }
        if (mins > 0) {
            return mins + "m" + secs % 60 + "s";
        }
        return secs + "s";
    }

    /** A round-trip time as nats-server shows it: Go's duration text, microseconds when under 1ms. */
    public static String rtt(long nanos) {
        long n = nanos;
        if (n > 1_000 && n < 1_000_000) {
            n = n / 1_000 * 1_000;
        }
        return GoDuration.format(Duration.ofNanos(n));
    }
}
