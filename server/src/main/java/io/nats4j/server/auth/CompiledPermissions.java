package io.nats4j.server.auth;

import io.nats4j.server.connection.MatchOnly;
import io.nats4j.server.subject.Sublist;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Permissions} turned into subject indexes, shared by every connection of the user. Matching
 * follows nats-server: the subject (a wildcard one for SUB) is matched against the allow/deny entries as
 * if they were subscriptions, so {@code SUB foo.*} is allowed by {@code foo.>} or {@code foo.*}, not by
 * {@code foo.bar}; queue-scoped entries ({@code "subject queue"}) come back as queue results.
 */
public final class CompiledPermissions {

    private static final MatchOnly PERMISSION_OWNER = () -> 0;

    private final Permissions source;
    private final Sublist pubAllow;
    private final Sublist pubDeny;
    private final Sublist subAllow;
    private final Sublist subDeny;
    /** Subscribe deny entries (subjects only), for the wildcard-subscription delivery filter. */
    private final List<String> subDenySubjects = new ArrayList<>();
    private final ResponsePermission response;

    public CompiledPermissions(Permissions p) {
        this.source = p;
        SubjectPermission pub = p.publish();
        SubjectPermission sub = p.subscribe();
        ResponsePermission resp = p.response();
        List<String> pa = pub == null ? null : pub.allow();
        // nats-server: allow_responses without a publish allow list turns off the blanket publish allow
        if (resp != null && pa == null) {
            pa = List.of();
        }
        pubAllow = index(pa, null);
        pubDeny = index(pub == null ? null : pub.deny(), null);
        subAllow = index(sub == null ? null : sub.allow(), null);
        subDeny = index(sub == null ? null : sub.deny(), subDenySubjects);
        response = resp;
    }

    /** Checks that every entry is a valid subject (and queue); returns the first problem or null. */
    public static String validate(Permissions p) {
        for (SubjectPermission sp : new SubjectPermission[] {p.publish(), p.subscribe()}) {
            if (sp == null) {
                continue;
            }
            for (List<String> l : java.util.Arrays.asList(sp.allow(), sp.deny())) {
                if (l == null) {
                    continue;
                }
                for (String e : l) {
                    String[] parts = e.trim().split("\\s+");
                    if (parts.length > 2 || !Subjects.isValidSubject(parts[0])
                            || (parts.length == 2 && !Subjects.isValidSubject(parts[1]))) {
                        return "subject \"" + e + "\" is not a valid subject";
                    }
                }
            }
        }
        return null;
    }

    private static Sublist index(List<String> entries, List<String> subjects) {
        if (entries == null) {
            return null;
        }
        Sublist sl = new Sublist();
        for (String e : entries) {
            String[] parts = e.trim().split("\\s+");
            String queue = parts.length > 1 ? parts[1] : null;
            sl.insert(new Subscription(PERMISSION_OWNER, parts[0], queue, new byte[0]));
            if (subjects != null) {
                subjects.add(parts[0]);
            }
        }
        return sl;
    }

    public Permissions source() {
        return source;
    }

    public ResponsePermission response() {
        return response;
    }

    /** True when publishing is restricted at all (else every publish is allowed without a check). */
    public boolean restrictsPublish() {
        return pubAllow != null || pubDeny != null;
    }

    /** The full publish check for a literal subject (no cache, no reply tracking). */
    public boolean canPublish(byte[] buf, int off, int len) {
        boolean allowed = true;
        if (pubAllow != null) {
            allowed = pubAllow.match(buf, off, len).psubs.length > 0;
        }
        if (allowed && pubDeny != null) {
            allowed = pubDeny.match(buf, off, len).psubs.length == 0;
        }
        return allowed;
    }

    /** nats-server's canSubscribe / canQueueSubscribe (queue null for a plain subscription). */
    public boolean canSubscribe(String subject, String queue) {
        byte[] s = subject.getBytes(StandardCharsets.UTF_8);
        boolean allowed = true;
        if (subAllow != null) {
            SublistResult r = subAllow.match(s, 0, s.length);
            allowed = r.psubs.length > 0;
            if (queue != null && r.qsubs.length > 0) {
                allowed = queueMatches(queue, r);
            }
        }
        if (allowed && subDeny != null) {
            SublistResult r = subDeny.match(s, 0, s.length);
            allowed = r.psubs.length == 0;
            if (queue != null && r.qsubs.length > 0) {
                allowed = !queueMatches(queue, r);
            }
        }
        return allowed;
    }

    private static boolean queueMatches(String queue, SublistResult r) {
        for (Subscription[] group : r.qsubs) {
            String q = group[0].queue;
            if (Subjects.subjectMatches(queue, q)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when a wildcard subscription on {@code subject} may receive messages on denied subjects, so
     * deliveries to the connection must be filtered (nats-server's message deny filter).
     */
    public boolean needsDeliveryFilter(String subject) {
        if (subDeny == null || Subjects.isLiteral(subject)) {
            return false;
        }
        for (String d : subDenySubjects) {
            if (Subjects.isSubsetMatch(d, subject)) {
                return true;
            }
        }
        return false;
    }

    /** True when a message on this literal subject must not be delivered (subscribe deny list). */
    public boolean deliveryDenied(byte[] buf, int off, int len) {
        return subDeny != null && subDeny.match(buf, off, len).psubs.length > 0;
    }
}
