package io.nats4j.server.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a literal subject matched by a pattern into another subject, for imports: a prefix
 * ({@code prefix.subject}) or a destination pattern whose {@code *} tokens take the source's {@code *}
 * tokens in order and whose {@code >} takes what the source's {@code >} matched.
 */
public final class SubjectMapping {

    private final String prefix;
    private final String[] from;
    private final String[] to;

    private SubjectMapping(String prefix, String[] from, String[] to) {
        this.prefix = prefix;
        this.from = from;
        this.to = to;
    }

    /** Subjects keep their name. */
    public static SubjectMapping identity() {
        return new SubjectMapping(null, null, null);
    }

    public static SubjectMapping prefix(String prefix) {
        return new SubjectMapping(prefix.endsWith(".") ? prefix : prefix + ".", null, null);
    }

    /**
     * From {@code fromPattern} to {@code toPattern}; throws IllegalArgumentException when the destination
     * uses more {@code *} than the source has, or a {@code >} the source lacks.
     */
    public static SubjectMapping map(String fromPattern, String toPattern) {
        String[] f = fromPattern.split("\\.");
        String[] t = toPattern.split("\\.");
        int fPwc = 0;
        boolean fFwc = false;
        for (String s : f) {
            fPwc += s.equals("*") ? 1 : 0;
            fFwc |= s.equals(">");
        }
        int tPwc = 0;
        for (String s : t) {
            tPwc += s.equals("*") ? 1 : 0;
            if (s.equals(">") && !fFwc) {
                throw new IllegalArgumentException("mapping \"" + toPattern + "\" uses '>' but \"" + fromPattern + "\" has none");
            }
        }
        if (tPwc > fPwc) {
            throw new IllegalArgumentException("mapping \"" + toPattern + "\" has more wildcards than \"" + fromPattern + "\"");
        }
        return new SubjectMapping(null, f, t);
    }

    /** The rewritten subject for a literal subject matched by the source pattern. */
    public String apply(String subject) {
        if (prefix != null) {
            return prefix + subject;
        }
        if (to == null) {
            return subject;
        }
        String[] tokens = subject.split("\\.", -1);
        List<String> stars = new ArrayList<>();
        String rest = null;
        for (int i = 0; i < from.length && i < tokens.length; i++) {
            if (from[i].equals("*")) {
                stars.add(tokens[i]);
            } else if (from[i].equals(">")) {
                rest = String.join(".", java.util.Arrays.copyOfRange(tokens, i, tokens.length));
                break;
            }
        }
        StringBuilder sb = new StringBuilder(subject.length() + 16);
        int star = 0;
        for (int i = 0; i < to.length; i++) {
            if (i > 0) {
                sb.append('.');
            }
            switch (to[i]) {
                case "*" -> sb.append(star < stars.size() ? stars.get(star++) : "*");
                case ">" -> sb.append(rest == null ? ">" : rest);
                default -> sb.append(to[i]);
            }
        }
        return sb.toString();
    }
}
