package io.nats4j.server.monitor;

import java.util.Locale;
import java.util.Map;

/** The monitoring endpoints' query parameters, decoded with nats-server's error texts (Go's strconv messages). */
final class MonitorParams {

    private MonitorParams() {
    }

    /** Go's strconv.ParseBool; "" is false. */
    static boolean decodeBool(Map<String, String> q, String name) throws MonitorException {
        String s = q.getOrDefault(name, "");
        return switch (s) {
            case "" -> false;
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new MonitorException("Error decoding boolean for '" + name
                    + "': strconv.ParseBool: parsing \"" + s + "\": invalid syntax");
        };
    }

    static int decodeInt(Map<String, String> q, String name) throws MonitorException {
        String s = q.getOrDefault(name, "");
        if (s.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new MonitorException("Error decoding int for '" + name + "': strconv.Atoi: parsing \"" + s
                    + "\": invalid syntax");
        }
    }

    static long decodeUint(Map<String, String> q, String name) throws MonitorException {
        String s = q.getOrDefault(name, "");
        if (s.isEmpty()) {
            return 0;
        }
        try {
            long v = Long.parseUnsignedLong(s);
            if (s.startsWith("+")) {
                throw new NumberFormatException(s);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new MonitorException("Error decoding uint64 for '" + name + "': strconv.ParseUint: parsing \""
                    + s + "\": invalid syntax");
        }
    }

    static String decodeState(Map<String, String> q) throws MonitorException {
        String s = q.getOrDefault("state", "");
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "", "open" -> "open";
            case "closed" -> "closed";
            case "any", "all" -> "any";
            default -> throw new MonitorException("Error decoding state for " + s);
        };
    }
}
