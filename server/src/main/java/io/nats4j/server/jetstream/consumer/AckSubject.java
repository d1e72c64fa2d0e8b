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
        // token starts: at most 12 tokens, found without splitting the subject into Strings
        int[] starts = new int[13];
        int tokens = 1;
        for (int i = 0; i < subject.length(); i++) {
            if (subject.charAt(i) == '.') {
                if (tokens == 12) {
                    return null;
                }
                starts[tokens++] = i + 1;
            }
        }
        starts[tokens] = subject.length() + 1;
        int base;
        if (tokens == 9) {
            base = 2;
        } else if (tokens == 11 || tokens == 12) {
            base = 4;
        } else {
            return null;
        }
        long dc = num(subject, starts[base + 2], starts[base + 3] - 1);
        long sseq = num(subject, starts[base + 3], starts[base + 4] - 1);
        long cseq = num(subject, starts[base + 4], starts[base + 5] - 1);
        if (dc < 0 || sseq < 0 || cseq < 0) {
            return null;
        }
        return new AckSubject(subject.substring(starts[base], starts[base + 1] - 1),
                subject.substring(starts[base + 1], starts[base + 2] - 1), dc, sseq, cseq);
    }

    private static long num(String s, int from, int to) {
        if (from >= to || to - from > 19) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
