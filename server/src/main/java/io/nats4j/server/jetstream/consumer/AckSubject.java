package io.nats4j.server.jetstream.consumer;

/**
 * The reply subject of a delivered message, parsed: v1 {@code $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.
 * <cseq>.<ts>.<pending>} (9 tokens) and v2 {@code $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.
 * <sseq>.<cseq>.<ts>.<pending>[.<random>]} (11 or 12 tokens).
 */
record AckSubject(String stream, String consumer, long deliveries, long streamSeq, long consumerSeq) {

    static final String PREFIX = "$JS.ACK.";

    /** Null when {@code subject} is not an ack subject. */
    static AckSubject parse(String subject) {
        if (!subject.startsWith(PREFIX)) {
            return null;
        }
        String[] t = subject.split("\\.", -1);
        int base;
        if (t.length == 9) {
            base = 2;
        } else if (t.length == 11 || t.length == 12) {
            base = 4;
        } else {
            return null;
        }
        long dc = num(t[base + 2]);
        long sseq = num(t[base + 3]);
        long cseq = num(t[base + 4]);
        if (dc < 0 || sseq < 0 || cseq < 0) {
            return null;
        }
        return new AckSubject(t[base], t[base + 1], dc, sseq, cseq);
    }

    private static long num(String s) {
        if (s.isEmpty() || s.length() > 19) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
