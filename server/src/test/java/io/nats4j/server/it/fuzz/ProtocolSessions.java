package io.nats4j.server.it.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates client protocol sessions for the differential fuzzer: a list of operations (each the bytes of one
 * protocol line with its payload), valid or mutated, and how they are split into writes. Every choice comes from
 * one {@link Random}, so a seed reproduces a session exactly.
 *
 * <p>Payloads are digits, {@code x}, spaces, CR and LF only, so the word PING appears in a session only where the
 * generator put the verb (the runner counts them to know when the last PONG has come).
 */
final class ProtocolSessions {

    /** One server configuration the sessions run under (nats4j and nats-server alike). */
    record Limits(String name, int maxPayload, int maxControlLine) {
    }

    static final List<Limits> LIMITS = List.of(
            new Limits("defaults", 1024 * 1024, 4096),
            new Limits("tiny", 16, 48),
            new Limits("big", 4 * 1024 * 1024, 16 * 1024));

    /** Random splits cut the first this many bytes of a session; the rest goes in one write. */
    static final int RANDOM_SPLIT_BYTES = 4096;

    /** How the session's bytes are cut into writes. */
    enum Split {
        /** All operations in one write. */
        WHOLE,
        /** One write per operation. */
        PER_OP,
        /** Writes cut at random points (from {@code splitSeed}), with short pauses so the server reads them apart. */
        RANDOM
    }

    /** A session: its limits, operations and how it is written. */
    record Session(Limits limits, List<byte[]> ops, Split split, long splitSeed) {

        byte[] bytes() {
            int n = 0;
            for (byte[] op : ops) {
                n += op.length;
            }
            byte[] all = new byte[n];
            int at = 0;
            for (byte[] op : ops) {
                System.arraycopy(op, 0, all, at, op.length);
                at += op.length;
            }
            return all;
        }

        /** The writes to make, in order. */
        List<byte[]> writes() {
            List<byte[]> writes = new ArrayList<>();
            switch (split) {
                case WHOLE -> writes.add(bytes());
                case PER_OP -> writes.addAll(ops);
                case RANDOM -> {
                    byte[] all = bytes();
                    Random r = new Random(splitSeed);
                    int at = 0;
                    int splitEnd = Math.min(all.length, RANDOM_SPLIT_BYTES);
                    while (at < splitEnd) {
                        int len = Math.min(all.length - at, 1 + r.nextInt(r.nextBoolean() ? 4 : 64));
                        byte[] w = new byte[len];
                        System.arraycopy(all, at, w, 0, len);
                        writes.add(w);
                        at += len;
                    }
                    if (at < all.length) {
                        byte[] w = new byte[all.length - at];
                        System.arraycopy(all, at, w, 0, w.length);
                        writes.add(w);
                    }
                }
            }
            return writes;
        }

        Session withOps(List<byte[]> newOps) {
            return new Session(limits, newOps, split, splitSeed);
        }

        /** The session as Java string literals, one per operation, for a failure message. */
        String show() {
            StringBuilder b = new StringBuilder("limits ").append(limits).append(", split ").append(split);
            if (split == Split.RANDOM) {
                b.append(" (seed ").append(splitSeed).append(')');
            }
            for (byte[] op : ops) {
                b.append("\n    ").append(escape(op));
            }
            return b.toString();
        }
    }

    static String escape(byte[] bytes) {
        StringBuilder b = new StringBuilder("\"");
        for (byte x : bytes) {
            int c = x & 0xff;
            switch (c) {
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.append((char) c);
                    }
                }
            }
        }
        if (b.length() > 400) {
            return b.substring(0, 200) + "...(" + bytes.length + " bytes)..." + b.substring(b.length() - 100) + "\"";
        }
        return b.append('"').toString();
    }

    private static final String[] SUB_SUBJECTS = {"foo", "foo.bar", "foo.*", "foo.>", ">", "*", "foo.*.baz", "bar"};
    private static final String[] PUB_SUBJECTS = {"foo", "foo.bar", "foo.bar.baz", "bar", "foo.x", "_INBOX.r"};
    private static final String[] BAD_SUBJECTS = {"foo..bar", "foo.", ".foo", "fo>o", "foo.>.bar", "*.>.x", "a b",
        "foo.*bar", "\u00e9t\u00e9", "foo\tbar"};
    private static final String[] GARBAGE = {"FOO bar\r\n", "+OK\r\n", "-ERR 'oops'\r\n", "INFO {}\r\n", "INFO x\r\n",
        "MSG foo 1 0\r\n\r\n", "\r\n", "P\r\n", "PIN\r\n", "PUBX foo 0\r\n", "SUBX foo 1\r\n", "UNSUBX 1\r\n",
        "CONNECT\r\n", "CONNECT \r\n", "HPUB\r\n", "PUB\r\n", "SUB\r\n", "UNSUB\r\n", "PONG extra\r\n",
        "PING extra\r\n", " PING\r\n", "\tPING\r\n"};

    private final Random rnd;
    private final Limits limits;
    private int nextSid = 1;

    ProtocolSessions(Random rnd, Limits limits) {
        this.rnd = rnd;
        this.limits = limits;
    }

    /** A new session: usually a CONNECT, then subscriptions, publishes and the rest, some of them mutated. */
    Session next() {
        nextSid = 1;
        List<byte[]> ops = new ArrayList<>();
        boolean mutate = rnd.nextInt(3) != 0;
        if (rnd.nextInt(8) != 0) {
            ops.add(bytes(connect()));
        }
        int n = 1 + rnd.nextInt(10);
        for (int i = 0; i < n; i++) {
            String op = op();
            ops.add(mutate && rnd.nextInt(4) == 0 ? mutate(op) : bytes(op));
        }
        Split split = Split.values()[rnd.nextInt(Split.values().length)];
        return new Session(limits, ops, split, rnd.nextLong());
    }

    private String op() {
        int k = rnd.nextInt(100);
        if (k < 25) {
            return sub();
        } else if (k < 55) {
            return pub();
        } else if (k < 67) {
            return hpub();
        } else if (k < 75) {
            return unsub();
        } else if (k < 83) {
            return "PING\r\n";
        } else if (k < 87) {
            return "PONG\r\n";
        } else if (k < 91) {
            return connect(); // a second CONNECT
        } else {
            return GARBAGE[rnd.nextInt(GARBAGE.length)];
        }
    }

    private String sub() {
        int sid = rnd.nextInt(6) == 0 ? 1 + rnd.nextInt(Math.max(1, nextSid)) : nextSid++;
        String subject = rnd.nextInt(12) == 0 ? pick(BAD_SUBJECTS) : pick(SUB_SUBJECTS);
        // a queue group of its own: which member of a shared group gets a message is random in both servers
        String queue = rnd.nextInt(4) == 0 ? " q" + sid : "";
        return "SUB " + subject + queue + " " + sid + "\r\n";
    }

    private String unsub() {
        int sid = 1 + rnd.nextInt(Math.max(1, nextSid));
        String max = switch (rnd.nextInt(6)) {
            case 0 -> " 1";
            case 1 -> " 2";
            case 2 -> " 0";
            case 3 -> " " + pick(new String[] {"abc", "-1", "2147483648", "99999999999999999999", "1.5"});
            default -> "";
        };
        return "UNSUB " + sid + max + "\r\n";
    }

    private String pub() {
        String subject = rnd.nextInt(15) == 0 ? pick(BAD_SUBJECTS) : pick(PUB_SUBJECTS);
        String reply = rnd.nextInt(4) == 0 ? " " + pick(new String[] {"_INBOX.r", "reply", "foo.bar", "foo.*"}) : "";
        String payload = payload(payloadSize());
        return "PUB " + subject + reply + " " + payload.length() + "\r\n" + payload + "\r\n";
    }

    private String hpub() {
        String subject = rnd.nextInt(15) == 0 ? pick(BAD_SUBJECTS) : pick(PUB_SUBJECTS);
        String reply = rnd.nextInt(4) == 0 ? " _INBOX.r" : "";
        String header = switch (rnd.nextInt(6)) {
            case 0 -> "";
            case 1 -> "NATS/1.0\r\n\r\n";
            case 2 -> "NATS/1.0\r\nK: v\r\n\r\n";
            case 3 -> "NATS/1.0 503\r\n\r\n";
            case 4 -> "NATS/1.0\r\nA: 1\r\nB: 2\r\n\r\n";
            default -> "garbage\r\n\r\n";
        };
        String payload = payload(Math.max(0, payloadSize() - header.length()));
        return "HPUB " + subject + reply + " " + header.length() + " " + (header.length() + payload.length()) + "\r\n"
                + header + payload + "\r\n";
    }

    private int payloadSize() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> limits.maxPayload(); // exactly at the limit
            case 2 -> limits.maxPayload() + 1; // just over
            case 3 -> Math.min(limits.maxPayload(), 1000 + rnd.nextInt(100_000));
            default -> rnd.nextInt(Math.min(limits.maxPayload(), 40) + 1);
        };
    }

    private String payload(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(40);
            b.append(k == 0 ? '\r' : k == 1 ? '\n' : k == 2 ? ' ' : k == 3 ? 'x' : (char) ('0' + k % 10));
        }
        return b.toString();
    }

    private String connect() {
        if (rnd.nextInt(10) == 0) {
            return "CONNECT " + pick(new String[] {"null", "{}", "[]", "{bad", "\"x\"", "1", "{\"verbose\":false", "{} {}",
                "{\"verbose\":false}x", "{\"protocol\":1.5}", "{\"protocol\":2}", "{\"protocol\":-1}", "{\"protocol\":1e3}",
                "{\"protocol\":99999999999}", "{\"verbose\":\"true\"}", "{\"echo\":null}", "{\"headers\":1}"}) + "\r\n";
        }
        StringBuilder json = new StringBuilder("{");
        field(json, "verbose", rnd.nextInt(4) == 0 ? "true" : "false");
        field(json, "pedantic", rnd.nextInt(4) == 0 ? "true" : "false");
        if (rnd.nextBoolean()) {
            field(json, "protocol", rnd.nextInt(4) == 0 ? "0" : "1");
        }
        if (rnd.nextBoolean()) {
            field(json, "headers", rnd.nextInt(4) == 0 ? "false" : "true");
        }
        if (rnd.nextInt(3) == 0) {
            field(json, "no_responders", rnd.nextBoolean() ? "true" : "false");
        }
        if (rnd.nextInt(4) == 0) {
            field(json, "echo", rnd.nextBoolean() ? "true" : "false");
        }
        if (rnd.nextInt(4) == 0) {
            field(json, "name", "\"" + "n".repeat(rnd.nextInt(3) == 0 ? rnd.nextInt(3000) : 4) + "\"");
        }
        if (rnd.nextInt(4) == 0) {
            field(json, "lang", "\"java\"");
            field(json, "version", "\"2.0.0\"");
        }
        if (rnd.nextInt(8) == 0) {
            field(json, "unknown_field", "{\"a\":[1,2,{\"b\":null}]}");
        }
        return "CONNECT " + json.append('}') + "\r\n";
    }

    private void field(StringBuilder json, String name, String value) {
        if (json.length() > 1) {
            json.append(rnd.nextInt(6) == 0 ? " , " : ",");
        }
        json.append('"').append(name).append("\":").append(value);
    }

    /** One op changed the way a broken client or a hostile one would. */
    private byte[] mutate(String op) {
        int lineEnd = op.indexOf("\r\n");
        String line = lineEnd < 0 ? op : op.substring(0, lineEnd);
        String rest = lineEnd < 0 ? "" : op.substring(lineEnd + 2);
        switch (rnd.nextInt(14)) {
            case 0 -> { // verb case
                int sp = line.indexOf(' ');
                String verb = sp < 0 ? line : line.substring(0, sp);
                StringBuilder v = new StringBuilder();
                for (char c : verb.toCharArray()) {
                    v.append(rnd.nextBoolean() ? Character.toLowerCase(c) : c);
                }
                line = v + (sp < 0 ? "" : line.substring(sp));
            }
            case 1 -> line = replaceRandomSpace(line, pick(new String[] {"\t", "  ", " \t ", "\r", "\f"}));
            case 2 -> line = pick(new String[] {" ", "\t", "  "}) + line;
            case 3 -> line = line + pick(new String[] {" ", "\t", "  ", " \t"});
            case 4 -> { // drop an argument
                String[] parts = line.split(" ");
                if (parts.length > 1) {
                    int drop = 1 + rnd.nextInt(parts.length - 1);
                    StringBuilder b = new StringBuilder(parts[0]);
                    for (int i = 1; i < parts.length; i++) {
                        if (i != drop) {
                            b.append(' ').append(parts[i]);
                        }
                    }
                    line = b.toString();
                }
            }
            case 5 -> line = line + " extra" + (rnd.nextBoolean() ? " more" : "");
            case 6 -> { // a size changed
                int sp = line.lastIndexOf(' ');
                if (sp > 0) {
                    line = line.substring(0, sp + 1) + pick(new String[] {"-1", "abc", "99999999999", "1a", "",
                        Integer.toString(limits.maxPayload() + 1), "2147483648", "0x10", "+1"});
                }
            }
            case 7 -> { // line end
                return bytes(line + pick(new String[] {"\n", "\r", "", "\r\r\n", "\n\r", "\r\n\r\n"}) + rest);
            }
            case 8 -> line = insert(line, "\r");
            case 9 -> line = insert(line, "\n");
            case 10 -> { // subject replaced by a bad one
                String[] parts = line.split(" ", 3);
                if (parts.length >= 2) {
                    line = parts[0] + " " + pick(BAD_SUBJECTS) + (parts.length > 2 ? " " + parts[2] : "");
                }
            }
            case 11 -> { // a byte replaced by one of the protocol's own
                if (!line.isEmpty()) {
                    int at = rnd.nextInt(line.length());
                    line = line.substring(0, at) + pick(new String[] {" ", "\t", "\r", "\n", "0", "9", ".", "*", ">", "{", "\""})
                            + line.substring(at + 1);
                }
            }
            case 12 -> { // truncated
                byte[] full = bytes(op);
                int keep = rnd.nextInt(full.length);
                byte[] cut = new byte[keep];
                System.arraycopy(full, 0, cut, 0, keep);
                return cut;
            }
            default -> { // an overlong argument
                int extra = limits.maxControlLine() - line.length() + rnd.nextInt(6) - 2;
                if (extra > 0 && line.startsWith("SUB ")) {
                    line = "SUB " + "s".repeat(extra) + line.substring(3);
                } else if (extra > 0 && line.startsWith("PUB ")) {
                    line = "PUB " + "p".repeat(extra) + line.substring(3);
                }
            }
        }
        return bytes(line + "\r\n" + rest);
    }

    private String replaceRandomSpace(String line, String with) {
        List<Integer> spaces = new ArrayList<>();
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == ' ') {
                spaces.add(i);
            }
        }
        if (spaces.isEmpty()) {
            return line;
        }
        int at = spaces.get(rnd.nextInt(spaces.size()));
        return line.substring(0, at) + with + line.substring(at + 1);
    }

    private String insert(String line, String what) {
        int at = line.isEmpty() ? 0 : rnd.nextInt(line.length() + 1);
        return line.substring(0, at) + what + line.substring(at);
    }

    private String pick(String[] options) {
        return options[rnd.nextInt(options.length)];
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
