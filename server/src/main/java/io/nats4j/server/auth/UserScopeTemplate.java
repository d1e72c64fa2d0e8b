package io.nats4j.server.auth;

import io.nats4j.server.subject.Subjects;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The permission template of a scoped signing key ({@code {kind: "user_scope", key, template}} in an account's
 * {@code signing_keys}), filled in for one user as nats-server's processUserPermissionsTemplate does.
 *
 * <p>A subject token written {@code {{...}}} is replaced: {@code name()} by the user JWT's name,
 * {@code subject()} by the user's public key, {@code account-name()} by the account JWT's name,
 * {@code account-subject()} by the account's public key, {@code tag(x)} / {@code account-tag(x)} by the value
 * of every {@code x:value} tag of the user / account (one subject per combination of values). An unknown
 * function, or a tag the user or account does not have, makes the subject invalid: an invalid allow entry is
 * left out, an invalid deny entry fails the whole template (the user cannot connect). An allow list that the
 * template leaves empty becomes a deny of {@code >}. Only the publish and subscribe lists are templates.
 */
final class UserScopeTemplate {

    /** A template produced a deny subject that is not valid. */
    static final class InvalidTemplate extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTemplate() {
            super("generated invalid subject");
        }
    }

    private UserScopeTemplate() {
    }

    /** The template's limits with the publish and subscribe subjects filled in for {@code user}. */
    static JwtClaims.UserLimits apply(JwtClaims.UserLimits template, JwtClaims.User user, JwtClaims.Account account)
            throws InvalidTemplate {
        Permissions p = template.permissions();
        if (p == null) {
            return template;
        }
        SubjectPermission pub = apply(p.publish(), user, account);
        SubjectPermission sub = apply(p.subscribe(), user, account);
        Permissions filled = pub == null && sub == null && p.response() == null ? null : new Permissions(pub, sub, p.response());
        return new JwtClaims.UserLimits(filled, template.src(), template.times(), template.locale(), template.subs(),
                template.data(), template.payload(), template.bearerToken(), template.allowedConnectionTypes());
    }

    private static SubjectPermission apply(SubjectPermission sp, JwtClaims.User user, JwtClaims.Account account)
            throws InvalidTemplate {
        if (sp == null) {
            return null;
        }
        boolean hadAllow = sp.allow() != null && !sp.allow().isEmpty();
        List<String> allow = sp.allow() == null ? List.of() : fill(sp.allow(), false, user, account);
        List<String> deny = sp.deny() == null ? new ArrayList<>() : new ArrayList<>(fill(sp.deny(), true, user, account));
        if (hadAllow && allow.isEmpty()) {
            deny.add(">");
        }
        if (allow.isEmpty() && deny.isEmpty()) {
            return null;
        }
        return new SubjectPermission(allow.isEmpty() ? null : allow, deny.isEmpty() ? null : deny);
    }

    private static boolean isFunction(String token) {
        return token.startsWith("{{") && token.endsWith("}}");
    }

    private static List<String> fill(List<String> list, boolean failOnInvalid, JwtClaims.User user, JwtClaims.Account account)
            throws InvalidTemplate {
        boolean any = false;
        for (String s : list) {
            for (String t : s.split("\\.", -1)) {
                any |= isFunction(t);
            }
        }
        if (!any) {
            return list;
        }
        List<String> out = new ArrayList<>();
        for (String s : list) {
            String[] tokens = s.split("\\.", -1);
            // a null token is a tag placeholder; tagValues holds the values of each placeholder in order
            List<List<String>> tagValues = new ArrayList<>();
            boolean missingTag = false;
            for (int i = 0; i < tokens.length; i++) {
                String t = tokens[i];
                if (!isFunction(t)) {
                    continue;
                }
                String op = t.substring(2, t.length() - 2).toLowerCase(Locale.ROOT);
                if (op.equals("name()")) {
                    tokens[i] = user.name();
                } else if (op.equals("subject()")) {
                    tokens[i] = user.publicKey();
                } else if (op.equals("account-name()")) {
                    tokens[i] = account.name();
                } else if (op.equals("account-subject()")) {
                    tokens[i] = user.issuerAccount() != null ? user.issuerAccount() : account.publicKey();
                } else if ((op.startsWith("tag(") || op.startsWith("account-tag(")) && op.endsWith(")")) {
                    boolean acc = op.startsWith("account-tag(");
                    String name = op.substring(acc ? "account-tag(".length() : "tag(".length(), op.length() - 1);
                    String prefix = name + ":";
                    List<String> values = new ArrayList<>();
                    for (String tag : acc ? account.tags() : user.tags()) {
                        if (tag.startsWith(prefix)) {
                            values.add(tag.substring(prefix.length()));
                        }
                    }
                    tokens[i] = null;
                    if (values.isEmpty()) {
                        missingTag = true;
                    } else {
                        tagValues.add(values);
                    }
                } else {
                    tokens[i] = " "; // unknown function: an invalid subject on purpose, as nats-server
                }
            }
            List<String> emitted = new ArrayList<>();
            if (missingTag) {
                emitted.add(""); // no value for a tag: invalid
            } else {
                product(tokens, tagValues, 0, new String[tagValues.size()], emitted);
            }
            for (String e : emitted) {
                if (Subjects.isValidSubject(e)) {
                    out.add(e);
                } else if (failOnInvalid) {
                    throw new InvalidTemplate();
                }
            }
        }
        return out;
    }

    /** Every combination of tag values, placed into the placeholders in order. */
    private static void product(String[] tokens, List<List<String>> values, int depth, String[] chosen, List<String> out) {
        if (depth == values.size()) {
            StringBuilder sb = new StringBuilder();
            int next = 0;
            for (int i = 0; i < tokens.length; i++) {
                if (i > 0) {
                    sb.append('.');
                }
                sb.append(tokens[i] != null ? tokens[i] : chosen[next++]);
            }
            out.add(sb.toString());
            return;
        }
        for (String v : values.get(depth)) {
            chosen[depth] = v;
            product(tokens, values, depth + 1, chosen, out);
        }
    }
}
