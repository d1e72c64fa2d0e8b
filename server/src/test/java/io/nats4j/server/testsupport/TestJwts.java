package io.nats4j.server.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.NKey;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-only NATS JWT issuing: keys from jnats' {@link NKey}, claims as nats-io/jwt v2 JSON, signed by the
 * issuer's seed. {@link Operator} sets up a trusted operator with a system account and writes the config
 * (operator file, MEMORY resolver with preloaded account JWTs) that nats4j and nats-server both read.
 */
public final class TestJwts {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEADER = b64("{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}".getBytes(StandardCharsets.UTF_8));
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestJwts() {
    }

    public static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static NKey operatorKey() {
        return key(NKey.Type.OPERATOR);
    }

    public static NKey accountKey() {
        return key(NKey.Type.ACCOUNT);
    }

    public static NKey userKey() {
        return key(NKey.Type.USER);
    }

    private static NKey key(NKey.Type t) {
        try {
            return switch (t) {
                case OPERATOR -> NKey.createOperator(RANDOM);
                case ACCOUNT -> NKey.createAccount(RANDOM);
                case USER -> NKey.createUser(RANDOM);
                default -> throw new IllegalArgumentException(t.toString());
            };
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pub(NKey k) {
        try {
            return new String(k.getPublicKey());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String seed(NKey k) {
        return new String(k.getSeed());
    }

    private static final Pattern NONCE = Pattern.compile("\"nonce\":\"([^\"]+)\"");

    /**
     * Sends a raw CONNECT with {@code userJwt} and the nonce of the server's INFO signed by {@code signer} (no
     * {@code sig} when null), then PING; the caller reads the answer.
     */
    public static void sendJwtConnect(RawClient raw, String userJwt, NKey signer) throws IOException {
        Matcher m = NONCE.matcher(raw.info());
        assertTrue(m.find(), "INFO carries a nonce: " + raw.info());
        String sig = signer == null ? "" : ",\"sig\":\"" + sign(signer, m.group(1)) + "\"";
        raw.send("CONNECT {\"verbose\":false,\"jwt\":\"" + userJwt + "\"" + sig + "}\r\nPING\r\n");
    }

    /** Signs {@code data} with {@code k}, unpadded base64url (a CONNECT {@code sig}). */
    public static String sign(NKey k, String data) {
        try {
            return b64(k.sign(data.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** v2 user claims with nsc's defaults (no permissions, unlimited). */
    public static ObjectNode userNats() {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("pub");
        n.putObject("sub");
        n.put("subs", -1).put("data", -1).put("payload", -1).put("type", "user").put("version", 2);
        return n;
    }

    /** v2 account claims with nsc's defaults (unlimited). */
    public static ObjectNode accountNats() {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("limits").put("subs", -1).put("data", -1).put("payload", -1).put("imports", -1)
                .put("exports", -1).put("wildcards", true).put("conn", -1).put("leaf", -1);
        n.putObject("default_permissions").putObject("pub");
        ((ObjectNode) n.get("default_permissions")).putObject("sub");
        n.put("type", "account").put("version", 2);
        return n;
    }

    public static ObjectNode operatorNats() {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "operator").put("version", 2);
        return n;
    }

    /** A JWT of {@code subject} signed by {@code issuer}; {@code exp} 0 = none; {@code iat} in seconds. */
    public static String encode(NKey issuer, String subject, String name, ObjectNode nats, long iat, long exp) {
        ObjectNode c = JSON.createObjectNode();
        c.put("jti", UUID.randomUUID().toString().replace("-", "").toUpperCase());
        c.put("iat", iat);
        c.put("iss", pub(issuer));
        c.put("name", name);
        c.put("sub", subject);
        if (exp > 0) {
            c.put("exp", exp);
        }
        c.set("nats", nats);
        String body = HEADER + "." + b64(c.toString().getBytes(StandardCharsets.UTF_8));
        return body + "." + sign(issuer, body);
    }

    /** nats-io/jwt v1's header: lower-case typ, the old algorithm name. */
    private static final String HEADER_V1 = b64("{\"typ\":\"jwt\",\"alg\":\"ed25519\"}".getBytes(StandardCharsets.UTF_8));

    /**
     * An old-format (nats-io/jwt v1) JWT: {@code type} (and {@code top}'s fields, e.g. {@code tags} or
     * {@code issuer_account}) at the top level, {@code nats} without type or version, the header
     * {@code {"typ":"jwt","alg":"ed25519"}}, and the signature over the encoded claims only.
     */
    public static String encodeV1(NKey issuer, String subject, String name, String type, ObjectNode nats, ObjectNode top) {
        ObjectNode c = JSON.createObjectNode();
        c.put("jti", UUID.randomUUID().toString().replace("-", "").toUpperCase());
        c.put("iat", now());
        c.put("iss", pub(issuer));
        c.put("name", name);
        c.put("sub", subject);
        c.put("type", type);
        if (top != null) {
            c.setAll(top);
        }
        c.set("nats", nats);
        String claims = b64(c.toString().getBytes(StandardCharsets.UTF_8));
        return HEADER_V1 + "." + claims + "." + sign(issuer, claims);
    }

    /** The same claims signed the v2 way (over header.claims): a v1 token with a wrong signature. */
    public static String resignAsV2(String v1Token, NKey issuer) {
        String body = v1Token.substring(0, v1Token.lastIndexOf('.'));
        return body + "." + sign(issuer, body);
    }

    public static String encode(NKey issuer, String subject, String name, ObjectNode nats) {
        return encode(issuer, subject, name, nats, now(), 0);
    }

    /** Signs arbitrary claims as a JWT: {@code jti}, {@code iat} and {@code iss} are filled in. */
    public static String signClaims(NKey signer, ObjectNode claims) {
        claims.put("jti", Long.toHexString(System.nanoTime()).toUpperCase());
        claims.put("iat", now());
        claims.put("iss", pub(signer));
        String body = HEADER + "." + b64(claims.toString().getBytes(StandardCharsets.UTF_8));
        return body + "." + sign(signer, body);
    }

    /**
     * An auth callout's authorization response JWT for the request of user {@code subject} to server
     * {@code serverId}, signed by {@code signer}, with a user JWT or an error.
     */
    public static byte[] calloutResponse(NKey signer, String subject, String serverId, String userJwt, String error) {
        ObjectNode c = JSON.createObjectNode();
        c.put("sub", subject);
        c.put("aud", serverId);
        ObjectNode n = c.putObject("nats");
        if (userJwt != null) {
            n.put("jwt", userJwt);
        }
        if (error != null) {
            n.put("error", error);
        }
        n.put("type", "authorization_response").put("version", 2);
        return signClaims(signer, c).getBytes(StandardCharsets.US_ASCII);
    }

    /** The user nkey an auth callout request is about. */
    public static String requestUserNkey(com.fasterxml.jackson.databind.JsonNode req) {
        return req.path("nats").path("user_nkey").asText();
    }

    /** The id of the server that sent an auth callout request. */
    public static String requestServerId(com.fasterxml.jackson.databind.JsonNode req) {
        return req.path("nats").path("server_id").path("id").asText();
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** A .creds file as nsc writes it. */
    public static String creds(String userJwt, NKey user) {
        return "-----BEGIN NATS USER JWT-----\n" + userJwt + "\n------END NATS USER JWT------\n\n"
                + "************************* IMPORTANT *************************\n"
                + "NKEY Seed printed below can be used to sign and prove identity.\n"
                + "NKEYs are sensitive and should be treated as secrets.\n\n"
                + "-----BEGIN USER NKEY SEED-----\n" + seed(user) + "\n------END USER NKEY SEED------\n\n"
                + "*************************************************************\n";
    }

    /** A trusted operator with a system account and any number of accounts, preloaded into a MEMORY resolver. */
    public static final class Operator {
        public final NKey key = operatorKey();
        public final NKey systemAccount = accountKey();
        /** Account public key to account JWT. */
        public final Map<String, String> accountJwts = new LinkedHashMap<>();
        private final Path dir;

        public Operator(Path dir) {
            this.dir = dir;
            accountJwts.put(pub(systemAccount), encode(key, pub(systemAccount), "SYS", accountNats()));
        }

        public String jwt() {
            ObjectNode n = operatorNats();
            n.put("system_account", pub(systemAccount));
            return encode(key, pub(key), "OP", n);
        }

        /** A new account with default claims, registered for preload. */
        public NKey account(String name) {
            return account(name, accountNats());
        }

        public NKey account(String name, ObjectNode nats) {
            NKey a = accountKey();
            accountJwts.put(pub(a), encode(key, pub(a), name, nats));
            return a;
        }

        /** Replaces an account's JWT (e.g. with revocations or limits). */
        public void accountJwt(NKey account, String jwt) {
            accountJwts.put(pub(account), jwt);
        }

        /** A user of {@code account} with nsc's default claims. */
        public String user(NKey account, NKey user) {
            return encode(account, pub(user), "user", userNats());
        }

        /** The config text: operator file, system account, MEMORY resolver with preloads. */
        public String config() throws IOException {
            Path op = dir.resolve("operator-" + pub(key).substring(0, 8) + ".jwt");
            Files.writeString(op, jwt());
            StringBuilder sb = new StringBuilder();
            sb.append("operator: \"").append(op.toAbsolutePath()).append("\"\n");
            sb.append("system_account: ").append(pub(systemAccount)).append('\n');
            sb.append("resolver: MEMORY\n");
            sb.append("resolver_preload: {\n");
            for (Map.Entry<String, String> e : accountJwts.entrySet()) {
                sb.append("  ").append(e.getKey()).append(": \"").append(e.getValue()).append("\"\n");
            }
            return sb.append("}\n").toString();
        }

        /**
         * The config text for the {@code full} resolver over {@code jwtDir}; with {@code preload} the account
         * JWTs also go to {@code resolver_preload} (the server stores them in the directory).
         */
        public String fullResolverConfig(Path jwtDir, boolean preload) throws IOException {
            String memory = config();
            String head = memory.substring(0, memory.indexOf("resolver: MEMORY"));
            String full = head + "resolver: { type: full, dir: \"" + jwtDir.toAbsolutePath() + "\" }\n";
            return preload ? full + memory.substring(memory.indexOf("resolver_preload")) : full;
        }

        /** Writes every account JWT to {@code <dir>/<public key>.jwt}, as the full resolver stores them. */
        public void writeAccountFiles(Path jwtDir) throws IOException {
            Files.createDirectories(jwtDir);
            for (Map.Entry<String, String> e : accountJwts.entrySet()) {
                Files.writeString(jwtDir.resolve(e.getKey() + ".jwt"), e.getValue());
            }
        }

        /** Writes a .creds file and returns its path. */
        public Path credsFile(String name, String userJwt, NKey user) throws IOException {
            Path p = dir.resolve(name + ".creds");
            Files.writeString(p, creds(userJwt, user));
            return p;
        }
    }
}
