package io.nats4j.server.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A NATS JWT (nats-io/jwt v2): {@code base64url(header).base64url(claims).base64url(signature)} with the
 * header {@code {"typ":"JWT","alg":"ed25519-nkey"}} (v1's {@code "ed25519"} is read too) and an Ed25519
 * signature over {@code header.claims} by the nkey named in the claims' {@code iss}. Decoding checks the
 * form and the signature; what the claims mean (type, expiry, who may issue) is for the caller.
 */
public final class Jwt {

    /** A JWT that cannot be decoded or whose signature does not verify. */
    public static final class JwtException extends Exception {
        private static final long serialVersionUID = 1L;

        public JwtException(String message) {
            super(message);
        }
    }

    /** nats-io/jwt's limit value meaning "unlimited". */
    public static final long NO_LIMIT = -1;

    /** Only for encoding (auth callout requests): decoding uses {@link JsonTree}, which needs no ObjectMapper. */
    private static final class Writer {
        static final ObjectMapper JSON = new ObjectMapper();
    }
    /** nsc's decorated files: {@code -----BEGIN NATS USER JWT-----} lines around the token. */
    private static final Pattern DECORATED = Pattern.compile("-{3,}[^\\n]*-{3,}\\r?\\n\\s*([^\\s-][^\\n]*?)\\s*\\r?\\n\\s*-{3,}[^\\n]*-{3,}");
    /** Upper bound on a token: larger input is refused before any parsing. */
    static final int MAX_TOKEN_LENGTH = 1 << 20;

    private final JsonNode claims;
    private final String issuer;
    private final String subject;

    private Jwt(JsonNode claims, String issuer, String subject) {
        this.claims = claims;
        this.issuer = issuer;
        this.subject = subject;
    }

    /** Decodes {@code token} and verifies its signature by its issuer. */
    public static Jwt decode(String token) throws JwtException {
        if (token == null || token.isEmpty()) {
            throw new JwtException("empty token");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new JwtException("token too large");
        }
        String t = token.strip();
        int d1 = t.indexOf('.');
        int d2 = d1 < 0 ? -1 : t.indexOf('.', d1 + 1);
        if (d1 <= 0 || d2 <= d1 + 1 || t.indexOf('.', d2 + 1) >= 0 || d2 == t.length() - 1) {
            throw new JwtException("expected 3 chunks");
        }
        JsonNode header = json(base64(t.substring(0, d1)), "header");
        String typ = text(header, "typ");
        String alg = text(header, "alg");
        if (typ == null || !typ.toUpperCase(Locale.ROOT).equals("JWT")) {
            throw new JwtException("not supported type \"" + typ + "\"");
        }
        if (alg == null || !(alg.equals("ed25519-nkey") || alg.equals("ed25519"))) {
            throw new JwtException("unexpected \"" + alg + "\" algorithm");
        }
        JsonNode claims = json(base64(t.substring(d1 + 1, d2)), "claims");
        String iss = text(claims, "iss");
        String sub = text(claims, "sub");
        if (iss == null || iss.isEmpty()) {
            throw new JwtException("claims have no issuer");
        }
        if (sub == null || sub.isEmpty()) {
            throw new JwtException("claims have no subject");
        }
        byte[] key = iss.length() == 56 ? NKeys.decodePublic(iss, prefixOf(iss.charAt(0))) : null;
        if (key == null) {
            throw new JwtException("issuer \"" + iss + "\" is not a public nkey");
        }
        byte[] sig = base64(t.substring(d2 + 1));
        if (!NKeys.verifyRaw(key, t.substring(0, d2).getBytes(StandardCharsets.US_ASCII), sig)) {
            throw new JwtException("claim failed V2 signature verification");
        }
        return new Jwt(claims, iss, sub);
    }

    /**
     * Encodes and signs {@code claims} (nats-io/jwt v2 form) with {@code key}: {@code iss} is set to the key,
     * {@code jti} to the base32 of the SHA-512/256 of the claims without it, as nats-io/jwt does.
     */
    public static String encode(com.fasterxml.jackson.databind.node.ObjectNode claims, ServerKey key) {
        claims.put("iss", key.publicKey());
        claims.remove("jti");
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-512/256")
                    .digest(Writer.JSON.writeValueAsBytes(claims));
            claims.put("jti", NKeys.base32Encode(hash));
            String body = base64Url(HEADER_V2) + "." + base64Url(Writer.JSON.writeValueAsBytes(claims));
            return body + "." + base64Url(key.sign(body.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot encode claims: " + e.getMessage(), e);
        }
    }

    private static final byte[] HEADER_V2 = "{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}".getBytes(StandardCharsets.US_ASCII);

    private static String base64Url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * The JWT in the text of a file or config value: the token itself, or the first token between nsc's
     * {@code -----BEGIN ...-----} / {@code ------END ...------} lines.
     */
    public static String extract(String text) {
        Matcher m = DECORATED.matcher(text);
        return m.find() ? m.group(1).strip() : text.strip();
    }

    private static int prefixOf(char c) {
        return switch (c) {
            case 'O' -> NKeys.PREFIX_OPERATOR;
            case 'A' -> NKeys.PREFIX_ACCOUNT;
            case 'U' -> NKeys.PREFIX_USER;
            case 'N' -> NKeys.PREFIX_SERVER;
            default -> -1;
        };
    }

    private static byte[] base64(String s) throws JwtException {
        String u = s;
        while (u.endsWith("=")) {
            u = u.substring(0, u.length() - 1);
        }
        try {
            return Base64.getUrlDecoder().decode(u);
        } catch (IllegalArgumentException e) {
            throw new JwtException("bad base64 encoding");
        }
    }

    private static JsonNode json(byte[] b, String what) throws JwtException {
        try {
            JsonNode n = JsonTree.read(b);
            if (n == null || !n.isObject()) {
                throw new JwtException(what + " is not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new JwtException(what + " is not valid JSON");
        } catch (java.io.IOException e) {
            throw new JwtException(what + " cannot be read");
        }
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }

    static long number(JsonNode n, String field, long missing) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || !v.isNumber() ? missing : v.asLong();
    }

    public String issuer() {
        return issuer;
    }

    public String subject() {
        return subject;
    }

    /** The whole claims object. */
    public JsonNode claims() {
        return claims;
    }

    /** The {@code nats} sub-object (v2), or an empty object. */
    public JsonNode nats() {
        JsonNode n = claims.get("nats");
        return n != null && n.isObject() ? n : JsonNodeFactory.instance.objectNode();
    }

    /** The claim type: {@code nats.type} (v2) or the top-level {@code type} (v1). */
    public String type() {
        String t = text(nats(), "type");
        return t != null ? t : text(claims, "type");
    }

    /** {@code iat}, seconds since the epoch (0 when absent). */
    public long issuedAt() {
        return number(claims, "iat", 0);
    }

    /** {@code exp}, seconds since the epoch (0 = never). */
    public long expires() {
        return number(claims, "exp", 0);
    }

    /** {@code nbf}, seconds since the epoch (0 = always). */
    public long notBefore() {
        return number(claims, "nbf", 0);
    }

    public String name() {
        String n = text(claims, "name");
        return n == null ? "" : n;
    }

    /** {@code nats.issuer_account}: the account when a signing key issued the claims, or null. */
    public String issuerAccount() {
        String a = text(nats(), "issuer_account");
        return a == null || a.isEmpty() ? null : a;
    }

    /** Expired at {@code nowSeconds} (nats-io/jwt: now is after {@code exp}). */
    public boolean isExpired(long nowSeconds) {
        long exp = expires();
        return exp > 0 && nowSeconds > exp;
    }

    /** Checks type, expiry and not-before; throws with nats-io/jwt's reason. */
    public Jwt expect(String type, long nowSeconds) throws JwtException {
        if (!type.equals(type())) {
            throw new JwtException("not " + type + " claim");
        }
        if (isExpired(nowSeconds)) {
            throw new JwtException("claim is expired");
        }
        long nbf = notBefore();
        if (nbf > 0 && nowSeconds < nbf) {
            throw new JwtException("claim is not yet valid");
        }
        return this;
    }
}
