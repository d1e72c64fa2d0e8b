package io.nats4j.server.tls;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who a client certificate says the client is, in the forms nats-server's {@code verify_and_map} matches
 * user names against: e-mail SANs, DNS SANs, URI SANs, and the subject distinguished name.
 *
 * <p>The hook for authentication: with {@code verify_and_map}, the auth code calls
 * {@link #findUser(Collection)} with the configured user names; the result is the user the client connects
 * as (nats-server's order: the e-mail SANs, then the DNS SANs, then the URI SANs, each compared literally;
 * then the subject DN, compared RDN by RDN in any order, then its exact string form {@link #subject()}).
 * {@link #dnsNameMatches} is the RFC 6125 wildcard match nats-server uses for routes and gateways, not
 * for clients.
 *
 * @param subject the subject as nats-server prints and matches it (see {@link #goSubjectString}), e.g.
 *                {@code CN=alice,OU=Eng+OU=Ops,O=Acme\, Inc.,C=US,DC=example,DC=com}
 * @param rdns    the subject's RDNs in certificate order (least specific first)
 */
public record TlsIdentity(String subject, List<Rdn> rdns, List<String> emails, List<String> dnsNames,
        List<String> uris) {

    /** One attribute of an RDN: its OID and its string value. */
    public record Attribute(String oid, String value) {
    }

    /** One relative distinguished name (usually one attribute; several for multi-valued RDNs). */
    public record Rdn(List<Attribute> attributes) {
    }

    static final String DC_OID = "0.9.2342.19200300.100.1.25";
    static final String EMAIL_OID = "1.2.840.113549.1.9.1";

    /** Go's attributeTypeNames. */
    private static final Map<String, String> GO_NAMES = Map.of(
            "2.5.4.6", "C", "2.5.4.10", "O", "2.5.4.11", "OU", "2.5.4.3", "CN", "2.5.4.5", "SERIALNUMBER",
            "2.5.4.7", "L", "2.5.4.8", "ST", "2.5.4.9", "STREET", "2.5.4.17", "POSTALCODE");

    /** Names accepted in configured DNs (RFC 4514 and common aliases) with their OIDs. */
    private static final Map<String, String> DN_TYPES = Map.ofEntries(
            Map.entry("C", "2.5.4.6"), Map.entry("O", "2.5.4.10"), Map.entry("OU", "2.5.4.11"),
            Map.entry("CN", "2.5.4.3"), Map.entry("SERIALNUMBER", "2.5.4.5"), Map.entry("L", "2.5.4.7"),
            Map.entry("ST", "2.5.4.8"), Map.entry("STREET", "2.5.4.9"), Map.entry("POSTALCODE", "2.5.4.17"),
            Map.entry("DC", DC_OID), Map.entry("UID", "0.9.2342.19200300.100.1.1"),
            Map.entry("EMAILADDRESS", EMAIL_OID), Map.entry("E", EMAIL_OID));

    public TlsIdentity {
        rdns = List.copyOf(rdns);
        emails = List.copyOf(emails);
        dnsNames = List.copyOf(dnsNames);
        uris = List.copyOf(uris);
    }

    /** Extracts the identity of a (verified) client certificate. */
    public static TlsIdentity of(X509Certificate cert) {
        List<Rdn> rdns = parseSubject(cert.getSubjectX500Principal().getEncoded());
        List<String> emails = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    Object v = san.get(1);
                    if (!(v instanceof String s)) {
                        continue;
                    }
                    switch (type) {
                        case 1 -> emails.add(s);
                        case 2 -> dns.add(s);
                        case 6 -> uris.add(s);
                        default -> {
                            // IP addresses and others are not used for mapping
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a certificate the TLS stack accepted but whose SANs the JDK cannot read: map by subject only
        }
        return new TlsIdentity(goSubjectString(rdns), rdns, emails, dns, uris);
    }

    /**
     * The configured user this identity maps to, following nats-server's precedence (see the class comment),
     * or empty when none matches.
     */
    public Optional<String> findUser(Collection<String> usernames) {
        // nats-server tries every e-mail SAN, then every DNS SAN, then every URI SAN (its switch falls
        // through), each as a literal user name: a wildcard DNS SAN is not a pattern here
        for (List<String> names : List.of(emails, dnsNames, uris)) {
            for (String n : names) {
                if (usernames.contains(n)) {
                    return Optional.of(n);
                }
            }
        }
        for (String u : usernames) {
            List<Rdn> configured = parseDn(u);
            if (configured != null && sameRdns(rdns, configured)) {
                return Optional.of(u);
            }
        }
        return usernames.contains(subject) ? Optional.of(subject) : Optional.empty();
    }

    /** A certificate DNS name (whose leftmost label may be {@code *}) against a host name, case-insensitively. */
    static boolean dnsNameMatches(String certName, String user) {
        String[] c = certName.toLowerCase(Locale.ROOT).split("\\.", -1);
        String[] u = user.toLowerCase(Locale.ROOT).split("\\.", -1);
        if (c.length != u.length) {
            return false;
        }
        for (int i = 0; i < c.length; i++) {
            if (i == 0 && c[0].equals("*") && !u[0].isEmpty()) {
                continue;
            }
            if (!c[i].equals(u[i])) {
                return false;
            }
        }
        return true;
    }

    /** Same RDNs, each compared as a set of attributes, in any order. */
    static boolean sameRdns(List<Rdn> a, List<Rdn> b) {
        if (a.size() != b.size()) {
            return false;
        }
        List<Rdn> remaining = new ArrayList<>(b);
        outer:
        for (Rdn r : a) {
            for (int i = 0; i < remaining.size(); i++) {
                Rdn o = remaining.get(i);
                if (r.attributes().size() == o.attributes().size() && o.attributes().containsAll(r.attributes())) {
                    remaining.remove(i);
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- subject DER -> RDNs -> Go string

    static List<Rdn> parseSubject(byte[] der) {
        List<Rdn> out = new ArrayList<>();
        for (Der.Element set : Der.read(der).children()) {
            List<Attribute> attrs = new ArrayList<>();
            for (Der.Element atv : set.children()) {
                List<Der.Element> parts = atv.children();
                String oid = Der.oid(parts.get(0).content());
                attrs.add(new Attribute(oid, decodeString(parts.get(1))));
            }
            out.add(new Rdn(attrs));
        }
        return out;
    }

    /** The string types Go decodes; anything else keeps its DER as {@code #hex}. */
    private static String decodeString(Der.Element v) {
        byte[] c = v.content();
        return switch (v.tag()) {
            case 0x0c -> new String(c, StandardCharsets.UTF_8);                       // UTF8String
            case 0x13, 0x16, 0x12 -> new String(c, StandardCharsets.US_ASCII);         // Printable, IA5, Numeric
            case 0x14 -> new String(c, StandardCharsets.ISO_8859_1);                   // T61String
            case 0x1e -> new String(c, StandardCharsets.UTF_16BE);                     // BMPString
            default -> "#" + HexFormat.of().formatHex(v.encoded());
        };
    }

    /**
     * What nats-server prints and matches: Go's {@code cert.Subject.ToRDNSequence().String()}, then the domain
     * components. Go rebuilds the sequence from its parsed Name: only C, ST, L, STREET, POSTALCODE, O, OU, CN
     * and SERIALNUMBER survive, in that order, all values of one type in one (multi-valued) RDN, the last CN
     * and SERIALNUMBER only; String() then prints the RDNs last first. Checked against nats-server 2.9.10.
     */
    static String goSubjectString(List<Rdn> rdns) {
        List<String> order = List.of("2.5.4.6", "2.5.4.8", "2.5.4.7", "2.5.4.9", "2.5.4.17", "2.5.4.10", "2.5.4.11",
                "2.5.4.3", "2.5.4.5");
        List<List<String>> values = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            values.add(new ArrayList<>());
        }
        for (Rdn r : rdns) {
            for (Attribute a : r.attributes()) {
                int k = order.indexOf(a.oid());
                if (k < 0 || a.value().startsWith("#")) {
                    continue;
                }
                if (a.oid().equals("2.5.4.3") || a.oid().equals("2.5.4.5")) {
                    values.get(k).clear(); // single-valued in Go's Name: the last one wins
                }
                values.get(k).add(a.value());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = order.size() - 1; k >= 0; k--) {
            List<String> vs = values.get(k);
            if (vs.isEmpty()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            String name = GO_NAMES.get(order.get(k));
            for (int j = 0; j < vs.size(); j++) {
                if (j > 0) {
                    sb.append('+');
                }
                sb.append(name).append('=');
                escapeGo(sb, vs.get(j));
            }
        }
        StringBuilder dcs = new StringBuilder();
        for (Rdn r : rdns) {
            for (Attribute a : r.attributes()) {
                if (a.oid().equals(DC_OID)) {
                    dcs.append(dcs.length() == 0 ? "" : ",").append("DC=").append(a.value());
                }
            }
        }
        if (dcs.length() > 0) {
            sb.append(sb.length() > 0 ? "," : "").append(dcs);
        }
        return sb.toString();
    }

    private static void escapeGo(StringBuilder sb, String v) {
        int n = v.length();
        for (int k = 0; k < n; k++) {
            char c = v.charAt(k);
            boolean escape = switch (c) {
                case ',', '+', '"', '\\', '<', '>', ';' -> true;
                case ' ' -> k == 0 || k == n - 1;
                case '#' -> k == 0;
                default -> false;
            };
            if (escape) {
                sb.append('\\');
            }
            sb.append(c);
        }
    }

    // ---------------------------------------------------------------- configured DN strings

    /**
     * Parses a configured user name as an RFC 4514 DN ({@code CN=alice,OU=eng+OU=ops,O=Acme\, Inc.}); null when
     * it is not one (for example a plain user name or an e-mail address). RDNs come back in certificate order.
     */
    static List<Rdn> parseDn(String s) {
        if (s.indexOf('=') < 0) {
            return null;
        }
        List<Rdn> rdns = new ArrayList<>();
        List<Attribute> current = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        String type = null;
        int n = s.length();
        for (int i = 0; i <= n; i++) {
            char c = i < n ? s.charAt(i) : ',';
            if (c == '\\' && i + 1 < n) {
                char next = s.charAt(++i);
                if (isHex(next) && i + 1 < n && isHex(s.charAt(i + 1))) {
                    token.append((char) Integer.parseInt(s.substring(i, i + 2), 16));
                    i++;
                } else {
                    token.append(next);
                }
            } else if (c == '=' && type == null) {
                type = token.toString().strip().toUpperCase(Locale.ROOT);
                token.setLength(0);
            } else if (c == ',' || c == '+' || c == ';') {
                if (type == null) {
                    return null;
                }
                String oid = DN_TYPES.get(type);
                if (oid == null) {
                    if (!type.matches("[0-9]+(\\.[0-9]+)+")) {
                        return null;
                    }
                    oid = type;
                }
                current.add(new Attribute(oid, token.toString().strip()));
                token.setLength(0);
                type = null;
                if (c != '+') {
                    rdns.add(new Rdn(current));
                    current = new ArrayList<>();
                }
            } else {
                token.append(c);
            }
        }
        List<Rdn> certOrder = new ArrayList<>(rdns.size());
        for (int i = rdns.size() - 1; i >= 0; i--) {
            certOrder.add(rdns.get(i));
        }
        return certOrder;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
