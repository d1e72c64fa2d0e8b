package io.nats4j.server.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The rules a user JWT adds at connect time, as nats-server applies them: the tighter of user and account limits,
 * account default permissions merged with the user's, the allowed source networks ({@code src}) and the
 * connect time windows ({@code times}, {@code times_location}).
 */
final class UserJwtRules {

    private UserJwtRules() {
    }

    private static final java.util.regex.Pattern IP_LITERAL =
            java.util.regex.Pattern.compile("(\\d{1,3}(\\.\\d{1,3}){3})|([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)");

    /** nats-server's minLimit over user and account values; -1 = unlimited. */
    static int minLimit(long user, long account) {
        long v = user;
        if (v == Jwt.NO_LIMIT || (account != Jwt.NO_LIMIT && account < v)) {
            v = account;
        }
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, v));
    }

    /** Account default permissions, each part replaced by the user's own when the user has one. */
    static Permissions mergedPermissions(Permissions account, Permissions user) {
        if (account == null) {
            return user;
        }
        if (user == null) {
            return account;
        }
        return new Permissions(user.publish() != null ? user.publish() : account.publish(),
                user.subscribe() != null ? user.subscribe() : account.subscribe(),
                user.response() != null ? user.response() : account.response());
    }

    /** nats-server's validateSrc: no list allows all; a bad CIDR allows nothing. */
    static boolean sourceAllowed(List<String> cidrs, String host) {
        if (cidrs.isEmpty()) {
            return true;
        }
        if (host == null || host.isEmpty()) {
            return false;
        }
        byte[] ip;
        try {
            ip = ipLiteral(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (String cidr : cidrs) {
            int slash = cidr.indexOf('/');
            if (slash < 0) {
                return false;
            }
            byte[] net;
            int bits;
            try {
                net = ipLiteral(cidr.substring(0, slash));
                bits = Integer.parseInt(cidr.substring(slash + 1));
            } catch (IllegalArgumentException e) {
                return false;
            }
            if (bits < 0 || bits > net.length * 8) {
                return false;
            }
            byte[] addr = ip;
            if (addr.length != net.length) {
                addr = mapped(addr, net.length);
                if (addr == null) {
                    continue;
                }
            }
            if (prefixMatches(addr, net, bits)) {
                return true;
            }
        }
        return false;
    }

    /** The bytes of an IP address literal (never a DNS lookup); IllegalArgumentException when not one. */
    static byte[] ipLiteral(String s) {
        String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        if (!IP_LITERAL.matcher(t).matches()) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
        try {
            return InetAddress.getByName(t).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
    }

    /** An IPv4 address as IPv4-mapped IPv6 or back, to compare with a network of the other family. */
    static byte[] mapped(byte[] addr, int len) {
        try {
            if (len == 16 && addr.length == 4) {
                byte[] m = new byte[16];
                m[10] = (byte) 0xff;
                m[11] = (byte) 0xff;
                System.arraycopy(addr, 0, m, 12, 4);
                return m;
            }
            InetAddress a = InetAddress.getByAddress(addr);
            return a instanceof java.net.Inet4Address ? a.getAddress() : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    static boolean prefixMatches(byte[] a, byte[] net, int bits) {
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != net[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (net[full] & mask);
    }

    /**
     * nats-server's validateTimes: with no ranges, 0 (always); inside a range, the epoch millis at which it
     * ends; outside every range (or a bad range or locale), -1. Times are of {@code times_location}, else
     * the server's zone; a range whose end is before its start spans midnight.
     */
    static long timeWindowEnd(JwtClaims.UserLimits limits) {
        return timeWindowEnd(limits, ZonedDateTime.now());
    }

    static long timeWindowEnd(JwtClaims.UserLimits limits, ZonedDateTime nowAnywhere) {
        if (limits.times().isEmpty()) {
            return 0;
        }
        ZoneId zone;
        try {
            zone = limits.locale() == null || limits.locale().isEmpty() ? ZoneId.systemDefault() : ZoneId.of(limits.locale());
        } catch (DateTimeException e) {
            return -1;
        }
        ZonedDateTime now = nowAnywhere.withZoneSameInstant(zone);
        for (JwtClaims.TimeRange r : limits.times()) {
            LocalTime start;
            LocalTime end;
            try {
                start = LocalTime.parse(r.start());
                end = LocalTime.parse(r.end());
            } catch (DateTimeParseException | NullPointerException e) {
                return -1;
            }
            ZonedDateTime s = now.toLocalDate().atTime(start).atZone(zone);
            ZonedDateTime e = now.toLocalDate().atTime(end).atZone(zone);
            if (start.isAfter(end)) {
                // spans midnight: either it started yesterday and ends today, or starts today and ends tomorrow
                if (now.isBefore(e)) {
                    return e.toInstant().toEpochMilli();
                }
                e = e.plusDays(1);
            }
            if (!now.isBefore(s) && now.isBefore(e)) {
                return e.toInstant().toEpochMilli();
            }
        }
        return -1;
    }
}
