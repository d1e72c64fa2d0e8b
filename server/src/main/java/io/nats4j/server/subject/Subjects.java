package io.nats4j.server.subject;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Subject rules, as nats-server applies them ({@code server/sublist.go}).
 *
 * <p>A subject is a non-empty sequence of tokens separated by {@code .}. No token is empty, and no
 * token contains white space (space, tab, CR, LF, form feed). A token that is exactly {@code *}
 * matches any one token; a token that is exactly {@code >} matches one or more trailing tokens and
 * may only be the last token. A {@code *} or {@code >} inside a longer token (like {@code foo*}) is
 * an ordinary character, as in nats-server.
 *
 * <p>Every check exists for {@code String} and for a byte range {@code (buf, off, len)} holding the
 * subject as UTF-8. The byte variants never allocate. Multi-byte UTF-8 sequences never contain the
 * ASCII bytes that matter here ({@code . * >} and white space), so both forms agree.
 */
public final class Subjects {

    /** Token separator. */
    public static final byte SEP = '.';
    /** Partial wildcard: matches exactly one token. */
    public static final byte PWC = '*';
    /** Full wildcard: matches one or more tokens, last token only. */
    public static final byte FWC = '>';

    private Subjects() {
    }

    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }

    // ---------------------------------------------------------------- validity

    /** nats-server {@code IsValidSubject}: tokens non-empty, no white space, {@code >} only last. */
    public static boolean isValidSubject(String subject) {
        int len = subject.length();
        if (len == 0) {
            return false;
        }
        boolean sawFwc = false;
        int start = 0;
        for (int i = 0; i <= len; i++) {
            char c = i == len ? '.' : subject.charAt(i);
            if (c == '.') {
                int tl = i - start;
                if (tl == 0 || sawFwc) {
                    return false;
                }
                if (tl == 1 && subject.charAt(start) == '>') {
                    sawFwc = true;
                }
                start = i + 1;
            } else if (isSpace(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * What nats-server's sublist accepts on insert (a client's SUB subject): tokens non-empty and {@code >} only
     * as the last token. Unlike {@link #isValidSubject(String)} white space is not looked for: the protocol
     * parser already split the arguments at space, tab, CR and LF, and nats-server takes any other byte
     * (form feed, vertical tab, ...) as part of the subject.
     */
    public static boolean isValidSublistSubject(String subject) {
        int len = subject.length();
        if (len == 0) {
            return false;
        }
        boolean sawFwc = false;
        int start = 0;
        for (int i = 0; i <= len; i++) {
            if (i == len || subject.charAt(i) == '.') {
                int tl = i - start;
                if (tl == 0 || sawFwc) {
                    return false;
                }
                if (tl == 1 && subject.charAt(start) == '>') {
                    sawFwc = true;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** Byte-range form of {@link #isValidSubject(String)}; allocates nothing. */
    public static boolean isValidSubject(byte[] buf, int off, int len) {
        if (len <= 0) {
            return false;
        }
        boolean sawFwc = false;
        int start = off;
        int end = off + len;
        for (int i = off; i <= end; i++) {
            byte c = i == end ? SEP : buf[i];
            if (c == SEP) {
                int tl = i - start;
                if (tl == 0 || sawFwc) {
                    return false;
                }
                if (tl == 1 && buf[start] == FWC) {
                    sawFwc = true;
                }
                start = i + 1;
            } else if (isSpace(c)) {
                return false;
            }
        }
        return true;
    }

    /** nats-server {@code IsValidPublishSubject}: a valid subject without wildcard tokens. */
    public static boolean isValidPublishSubject(String subject) {
        return isValidSubject(subject) && isLiteral(subject);
    }

    /** Byte-range form of {@link #isValidPublishSubject(String)}; allocates nothing. */
    public static boolean isValidPublishSubject(byte[] buf, int off, int len) {
        return isValidSubject(buf, off, len) && isLiteral(buf, off, len);
    }

    /**
     * nats-server {@code IsValidLiteralSubject}: no empty token and no wildcard token. Like the Go
     * function this does not look for white space; use {@link #isValidPublishSubject} for client
     * input.
     */
    public static boolean isValidLiteralSubject(String subject) {
        int len = subject.length();
        int start = 0;
        for (int i = 0; i <= len; i++) {
            if (i == len || subject.charAt(i) == '.') {
                int tl = i - start;
                if (tl == 0) {
                    return false;
                }
                if (tl == 1) {
                    char c = subject.charAt(start);
                    if (c == '*' || c == '>') {
                        return false;
                    }
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** Byte-range form of {@link #isValidLiteralSubject(String)}; allocates nothing. */
    public static boolean isValidLiteralSubject(byte[] buf, int off, int len) {
        int end = off + len;
        int start = off;
        for (int i = off; i <= end; i++) {
            if (i == end || buf[i] == SEP) {
                int tl = i - start;
                if (tl == 0) {
                    return false;
                }
                if (tl == 1 && (buf[start] == PWC || buf[start] == FWC)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /**
     * True if no token is exactly {@code *} or {@code >}. Does not check validity (nats-server
     * {@code subjectIsLiteral}).
     */
    public static boolean isLiteral(String subject) {
        int len = subject.length();
        for (int i = 0; i < len; i++) {
            char c = subject.charAt(i);
            if ((c == '*' || c == '>') && (i == 0 || subject.charAt(i - 1) == '.')
                    && (i + 1 == len || subject.charAt(i + 1) == '.')) {
                return false;
            }
        }
        return true;
    }

    /** Byte-range form of {@link #isLiteral(String)}; allocates nothing. */
    public static boolean isLiteral(byte[] buf, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte c = buf[i];
            if ((c == PWC || c == FWC) && (i == off || buf[i - 1] == SEP)
                    && (i + 1 == end || buf[i + 1] == SEP)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A queue group name as accepted in {@code SUB <subject> <queue> <sid>}: non-empty and without
     * white space. (The protocol splits arguments on white space, so this is what nats-server ends up
     * accepting; wildcard characters and dots are ordinary characters in a queue name.)
     */
    public static boolean isValidQueueName(String queue) {
        int len = queue.length();
        if (len == 0) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (isSpace(queue.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Byte-range form of {@link #isValidQueueName(String)}; allocates nothing. */
    public static boolean isValidQueueName(byte[] buf, int off, int len) {
        if (len <= 0) {
            return false;
        }
        for (int i = off, end = off + len; i < end; i++) {
            if (isSpace(buf[i])) {
                return false;
            }
        }
        return true;
    }

    /** Number of tokens: separators + 1, or 0 for the empty subject (nats-server {@code numTokens}). */
    public static int numTokens(String subject) {
        int len = subject.length();
        if (len == 0) {
            return 0;
        }
        int n = 1;
        for (int i = 0; i < len; i++) {
            if (subject.charAt(i) == '.') {
                n++;
            }
        }
        return n;
    }

    /** Byte-range form of {@link #numTokens(String)}; allocates nothing. */
    public static int numTokens(byte[] buf, int off, int len) {
        if (len <= 0) {
            return 0;
        }
        int n = 1;
        for (int i = off, end = off + len; i < end; i++) {
            if (buf[i] == SEP) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- matching

    /**
     * True if a message published on {@code literal} is delivered to a subscription on
     * {@code filter}: {@code foo.bar} matches {@code foo.bar}, {@code foo.*}, {@code *.bar},
     * {@code foo.>} and {@code >}, but {@code foo} does not match {@code foo.>}.
     */
    public static boolean subjectMatches(String literal, String filter) {
        return isSubsetMatch(literal, filter);
    }

    /** Byte-range form of {@link #subjectMatches(String, String)}; allocates nothing. */
    public static boolean subjectMatches(byte[] lit, int loff, int llen, byte[] filter, int foff, int flen) {
        return isSubsetMatch(lit, loff, llen, filter, foff, flen);
    }

    /**
     * True if every subject matched by {@code subject} (which may hold wildcards) is also matched by
     * {@code filter} (nats-server {@code subjectIsSubsetMatch}): {@code foo.*} is a subset of
     * {@code >}, {@code *.*} and {@code foo.*}, but not of {@code foo.bar}. For a literal
     * {@code subject} this is {@link #subjectMatches}.
     */
    public static boolean isSubsetMatch(String subject, String filter) {
        byte[] s = subject.getBytes(StandardCharsets.UTF_8);
        byte[] f = filter.getBytes(StandardCharsets.UTF_8);
        return isSubsetMatch(s, 0, s.length, f, 0, f.length);
    }

    /** Byte-range form of {@link #isSubsetMatch(String, String)}; allocates nothing. */
    public static boolean isSubsetMatch(byte[] s, int soff, int slen, byte[] f, int foff, int flen) {
        if (slen <= 0 || flen <= 0) {
            return false;
        }
        int si = soff;
        int send = soff + slen;
        int fi = foff;
        int fend = foff + flen;
        while (true) {
            int ste = Bytes.indexOf(s, SEP, si, send);
            int fte = Bytes.indexOf(f, SEP, fi, fend);
            int sl = ste - si;
            int fl = fte - fi;
            if (fl == 0) {
                return false;
            }
            boolean fPwc = fl == 1 && f[fi] == PWC;
            if (fl == 1 && f[fi] == FWC) {
                return sl > 0;
            }
            if (sl == 0 || (sl == 1 && s[si] == FWC)) {
                return false;
            }
            if (sl == 1 && s[si] == PWC) {
                if (!fPwc) {
                    return false;
                }
            } else if (!fPwc && !Arrays.equals(s, si, ste, f, fi, fte)) {
                return false;
            }
            boolean sMore = ste < send;
            boolean fMore = fte < fend;
            if (!fMore) {
                return !sMore;
            }
            if (!sMore) {
                return false;
            }
            si = ste + 1;
            fi = fte + 1;
        }
    }
}
