package io.nats4j.server.jetstream.consumer;

/** Go's {@code time.Duration} text: {@code String()} and {@code ParseDuration}, for the texts nats-server writes. */
final class GoDuration {

    private GoDuration() {
    }

    /** Go's Duration.String(), e.g. 1.5s, 100ms, 1m0s, 2h3m4s. */
    static String format(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        boolean neg = nanos < 0;
        long u = Math.abs(nanos);
        StringBuilder sb = new StringBuilder();
        if (u < 1_000_000_000L) {
            String unit;
            long div;
            if (u < 1_000L) {
                return (neg ? "-" : "") + u + "ns";
            } else if (u < 1_000_000L) {
                unit = "µs";
                div = 1_000L;
            } else {
                unit = "ms";
                div = 1_000_000L;
            }
            sb.append(frac(u, div)).append(unit);
        } else {
            long secs = u / 1_000_000_000L;
            long rem = u % 1_000_000_000L;
            long h = secs / 3600;
            long m = (secs % 3600) / 60;
            long s = secs % 60;
            if (h > 0) {
                sb.append(h).append('h');
            }
            if (h > 0 || m > 0) {
                sb.append(m).append('m');
            }
            sb.append(frac(s * 1_000_000_000L + rem, 1_000_000_000L)).append('s');
        }
        return (neg ? "-" : "") + sb;
    }

    private static String frac(long v, long div) {
        long whole = v / div;
        long f = v % div;
        if (f == 0) {
            return Long.toString(whole);
        }
        String fs = Long.toString(div + f).substring(1);
        int end = fs.length();
        while (end > 0 && fs.charAt(end - 1) == '0') {
            end--;
        }
        return whole + "." + fs.substring(0, end);
    }

    /** Go's time.ParseDuration (ns, us, µs, ms, s, m, h; decimals; a sign). */
    static long parse(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("time: invalid duration \"" + s + "\"");
        }
        boolean neg = false;
        int i = 0;
        if (t.charAt(0) == '-' || t.charAt(0) == '+') {
            neg = t.charAt(0) == '-';
            i++;
        }
        if (t.substring(i).equals("0")) {
            return 0;
        }
        double total = 0;
        boolean any = false;
        while (i < t.length()) {
            int start = i;
            while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("time: invalid duration \"" + s + "\"");
            }
            double v = Double.parseDouble(t.substring(start, i));
            int us = i;
            while (i < t.length() && !Character.isDigit(t.charAt(i)) && t.charAt(i) != '.') {
                i++;
            }
            String unit = t.substring(us, i);
            double mult = switch (unit) {
                case "ns" -> 1;
                case "us", "µs", "μs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> throw new IllegalArgumentException("time: unknown unit \"" + unit + "\" in duration \"" + s + "\"");
            };
            total += v * mult;
            any = true;
        }
        if (!any) {
            throw new IllegalArgumentException("time: invalid duration \"" + s + "\"");
        }
        return (long) (neg ? -total : total);
    }
}
