package io.nats4j.server.auth;

import io.nats4j.server.connection.ImportRelay;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites a literal subject matched by a pattern into another subject, for imports: a prefix
 * ({@code prefix.subject}) or a destination pattern whose {@code *} tokens take the source's {@code *}
 * tokens in order and whose {@code >} takes what the source's {@code >} matched.
 *
 * <p>Works on bytes ({@link #apply(byte[], int, int, ImportRelay.Destination)}) so that relaying a message builds
 * no {@code String}: the destination pattern is split once, here, into literal parts and references to
 * source tokens.
 */
public final class SubjectMapping {

    /** A destination token: a literal, the n-th {@code *} of the source, or what the source's {@code >} matched. */
    private static final int LITERAL = 0;
    private static final int STAR = 1;
    private static final int REST = 2;

    private final byte[] prefix;
    /** Null for identity and prefix mappings. */
    private final int[] kinds;
    /** For a LITERAL part its bytes; otherwise null. */
    private final byte[][] literals;
    /** For a STAR part, the index of the source token it copies; for REST the index of the source's {@code >}. */
    private final int[] sourceTokens;
    private final int literalBytes;

    private SubjectMapping(byte[] prefix, int[] kinds, byte[][] literals, int[] sourceTokens) {
        this.prefix = prefix;
        this.kinds = kinds;
        this.literals = literals;
        this.sourceTokens = sourceTokens;
        int n = 0;
        if (literals != null) {
            for (byte[] l : literals) {
                n += l == null ? 0 : l.length;
            }
        }
        this.literalBytes = n;
    }

    /** Subjects keep their name. */
    public static SubjectMapping identity() {
        return new SubjectMapping(null, null, null, null);
    }

    public static SubjectMapping prefix(String prefix) {
        String p = prefix.endsWith(".") ? prefix : prefix + ".";
        return new SubjectMapping(p.getBytes(StandardCharsets.UTF_8), null, null, null);
    }

    /**
     * From {@code fromPattern} to {@code toPattern}; throws IllegalArgumentException when the destination
     * uses more {@code *} than the source has, or a {@code >} the source lacks.
     */
    public static SubjectMapping map(String fromPattern, String toPattern) {
        String[] f = fromPattern.split("\\.");
        String[] t = toPattern.split("\\.");
        int[] stars = new int[f.length];
        int fPwc = 0;
        int fFwc = -1;
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("*")) {
                stars[fPwc++] = i;
            } else if (f[i].equals(">")) {
                fFwc = i;
            }
        }
        int[] kinds = new int[t.length];
        byte[][] literals = new byte[t.length][];
        int[] sources = new int[t.length];
        int tPwc = 0;
        for (int i = 0; i < t.length; i++) {
            switch (t[i]) {
                case "*" -> {
                    if (tPwc >= fPwc) {
                        throw new IllegalArgumentException("mapping \"" + toPattern + "\" has more wildcards than \""
                                + fromPattern + "\"");
                    }
                    kinds[i] = STAR;
                    sources[i] = stars[tPwc++];
                }
                case ">" -> {
                    if (fFwc < 0) {
                        throw new IllegalArgumentException("mapping \"" + toPattern + "\" uses '>' but \""
                                + fromPattern + "\" has none");
                    }
                    kinds[i] = REST;
                    sources[i] = fFwc;
                }
                default -> {
                    kinds[i] = LITERAL;
                    literals[i] = t[i].getBytes(StandardCharsets.UTF_8);
                }
            }
        }
        return new SubjectMapping(null, kinds, literals, sources);
    }

    /** The rewritten subject for a literal subject matched by the source pattern (tests, configuration). */
    public String apply(String subject) {
        byte[] s = subject.getBytes(StandardCharsets.UTF_8);
        ImportRelay.Destination d = new ImportRelay.Destination();
        apply(s, 0, s.length, d);
        return d.subjectString();
    }

    /**
     * Writes the rewritten form of the literal subject {@code s[off, off + len)} as {@code out}'s subject. An
     * identity mapping points {@code out} at {@code s} itself (no copy); the others write into its buffer.
     */
    void apply(byte[] s, int off, int len, ImportRelay.Destination out) {
        if (prefix != null) {
            byte[] b = out.subjectBuffer(prefix.length + len);
            System.arraycopy(prefix, 0, b, 0, prefix.length);
            System.arraycopy(s, off, b, prefix.length, len);
            out.subjectLength(prefix.length + len);
            return;
        }
        if (kinds == null) {
            out.subject(s, off, len);
            return;
        }
        // every source token (or the rest) at most once per destination token, plus the dots
        byte[] b = out.subjectBuffer(literalBytes + kinds.length * (len + 1));
        int w = 0;
        int end = off + len;
        for (int i = 0; i < kinds.length; i++) {
            if (i > 0) {
                b[w++] = '.';
            }
            switch (kinds[i]) {
                case LITERAL -> {
                    byte[] l = literals[i];
                    System.arraycopy(l, 0, b, w, l.length);
                    w += l.length;
                }
                case STAR -> {
                    int start = tokenStart(s, off, end, sourceTokens[i]);
                    if (start < 0) {
                        b[w++] = '*';
                    } else {
                        int stop = start;
                        while (stop < end && s[stop] != '.') {
                            stop++;
                        }
                        System.arraycopy(s, start, b, w, stop - start);
                        w += stop - start;
                    }
                }
                default -> {
                    int start = tokenStart(s, off, end, sourceTokens[i]);
                    if (start < 0) {
                        b[w++] = '>';
                    } else {
                        System.arraycopy(s, start, b, w, end - start);
                        w += end - start;
                    }
                }
            }
        }
        out.subjectLength(w);
    }

    /** Offset of token {@code index} (0-based) of {@code s[off, end)}, or -1 when it has fewer tokens. */
    private static int tokenStart(byte[] s, int off, int end, int index) {
        int p = off;
        for (int t = 0; t < index; t++) {
            while (p < end && s[p] != '.') {
                p++;
            }
            if (p >= end) {
                return -1;
            }
            p++; // past the dot
        }
        return p;
    }
}
