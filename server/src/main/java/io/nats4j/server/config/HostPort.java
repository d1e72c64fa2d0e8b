package io.nats4j.server.config;

/**
 * A {@code host:port} pair split as Go's {@code net.SplitHostPort} does: the port is after the last
 * colon, an IPv6 host is written in brackets ({@code [::1]:4222}), and the host may be empty.
 */
record HostPort(String host, String port) {

    /** Null when the text is not host:port. */
    static HostPort parse(String s) {
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                return null;
            }
            return new HostPort(s.substring(1, close), s.substring(close + 2));
        }
        int colon = s.lastIndexOf(':');
        if (colon < 0 || s.indexOf(':') != colon) {
            return null; // no port, or an unbracketed IPv6 address
        }
        return new HostPort(s.substring(0, colon), s.substring(colon + 1));
    }
}
