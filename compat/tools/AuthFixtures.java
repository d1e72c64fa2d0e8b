/*
 * Credentials and server configs for the authentication checks of scripts/client-compat.sh.
 *
 *   java -cp "server/target/nats4j-server-*.jar:server/target/lib/*" compat/tools/AuthFixtures.java OUT_DIR
 *
 * Run with the JDK's source launcher against the server's own jar: keys and seeds are made with the JDK's
 * Ed25519 and written with nats4j's NKeys (encodePublic/encodeSeed), bcrypt hashes with Bouncy Castle (the
 * server's own dependency). Everything is fresh random at each run and goes to OUT_DIR (under .build/,
 * never committed):
 *
 *   fixtures.env        shell assignments (user names, passwords, token, nkey public keys) for the script
 *   userpass.conf       two users: "plain" with a plain password, "hashed" with a bcrypt hash
 *   token.conf          a token
 *   nkey.conf           one nkey user; nkey-user.seed is its seed, nkey-wrong.seed an unknown user's
 *   jwt.conf            operator mode: operator JWT file, system account, MEMORY resolver with preloads;
 *                       user.creds is a user of a preloaded account, wrong.creds a user of an account
 *                       the server was never given, mismatched.creds the right user JWT with another
 *                       key's seed, expired.creds a user JWT that has expired
 *
 * TLS certificates are made by the script with openssl.
 */
import io.nats4j.server.auth.NKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

public class AuthFixtures {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String JWT_HEADER = b64("{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}");

    /** An Ed25519 key pair with its nkey texts. */
    record Key(KeyPair pair, String pub, String seed) {
        static Key create(int prefix) throws GeneralSecurityException {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] seed = ((EdECPrivateKey) kp.getPrivate()).getBytes().orElseThrow();
            byte[] spki = kp.getPublic().getEncoded(); // X.509 SubjectPublicKeyInfo: the raw key is last
            byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            return new Key(kp, NKeys.encodePublic(prefix, raw), NKeys.encodeSeed(prefix, seed));
        }

        String sign(String data) throws GeneralSecurityException {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(pair.getPrivate());
            s.update(data.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        }
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Letters and digits only, so the value needs no quoting anywhere (config, shell, command line). */
    static String secret(int len) {
        String abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append(abc.charAt(RANDOM.nextInt(abc.length())));
        }
        return sb.toString();
    }

    /** A JWT (nats-io/jwt v2 claims) of {@code subject}, signed by {@code issuer}. */
    static String jwt(Key issuer, String subject, String name, String natsJson) throws GeneralSecurityException {
        return jwt(issuer, subject, name, natsJson, System.currentTimeMillis() / 1000, 0);
    }

    /** As above with the issue time and expiry ({@code exp} 0: none) in Unix seconds. */
    static String jwt(Key issuer, String subject, String name, String natsJson, long iat, long exp)
            throws GeneralSecurityException {
        String claims = "{\"jti\":\"" + secret(26).toUpperCase() + "\",\"iat\":" + iat
                + (exp > 0 ? ",\"exp\":" + exp : "")
                + ",\"iss\":\"" + issuer.pub() + "\",\"name\":\"" + name + "\",\"sub\":\"" + subject
                + "\",\"nats\":" + natsJson + "}";
        String body = JWT_HEADER + "." + b64(claims);
        return body + "." + issuer.sign(body);
    }

    /** Account claims with nsc's defaults: no limits. */
    static final String ACCOUNT_NATS = "{\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,"
            + "\"exports\":-1,\"wildcards\":true,\"conn\":-1,\"leaf\":-1},"
            + "\"default_permissions\":{\"pub\":{},\"sub\":{}},\"type\":\"account\",\"version\":2}";
    /** User claims with nsc's defaults: no permissions, no limits. */
    static final String USER_NATS = "{\"pub\":{},\"sub\":{},\"subs\":-1,\"data\":-1,\"payload\":-1,"
            + "\"type\":\"user\",\"version\":2}";

    static String creds(String userJwt, Key user) {
        return "-----BEGIN NATS USER JWT-----\n" + userJwt + "\n------END NATS USER JWT------\n\n"
                + "************************* IMPORTANT *************************\n"
                + "NKEY Seed printed below can be used to sign and prove identity.\n"
                + "NKEYs are sensitive and should be treated as secrets.\n\n"
                + "-----BEGIN USER NKEY SEED-----\n" + user.seed() + "\n------END USER NKEY SEED------\n\n"
                + "*************************************************************\n";
    }

    static void write(Path dir, String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: AuthFixtures OUT_DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(dir);
        StringBuilder env = new StringBuilder();

        // user/password: one plain, one bcrypt-hashed (cost 10, the $2a$ revision nats server passwd writes).
        String plainPass = secret(20);
        String hashedPass = secret(20);
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        String hash = OpenBSDBCrypt.generate("2a", hashedPass.getBytes(StandardCharsets.UTF_8), salt, 10);
        write(dir, "userpass.conf", "authorization {\n  users: [\n"
                + "    { user: plain, password: \"" + plainPass + "\" }\n"
                + "    { user: hashed, password: \"" + hash + "\" }\n  ]\n}\n");
        env.append("PLAIN_USER=plain\nPLAIN_PASS=").append(plainPass)
                .append("\nHASHED_USER=hashed\nHASHED_PASS=").append(hashedPass)
                .append("\nWRONG_PASS=").append(secret(20)).append('\n');

        // token
        String token = secret(24);
        write(dir, "token.conf", "authorization {\n  token: \"" + token + "\"\n}\n");
        env.append("TOKEN=").append(token).append("\nWRONG_TOKEN=").append(secret(24)).append('\n');

        // nkey user, and a user key the server does not know
        Key nkeyUser = Key.create(NKeys.PREFIX_USER);
        Key nkeyWrong = Key.create(NKeys.PREFIX_USER);
        write(dir, "nkey.conf", "authorization {\n  users: [\n    { nkey: " + nkeyUser.pub() + " }\n  ]\n}\n");
        write(dir, "nkey-user.seed", nkeyUser.seed() + "\n");
        write(dir, "nkey-wrong.seed", nkeyWrong.seed() + "\n");
        env.append("NKEY_PUB=").append(nkeyUser.pub()).append("\nNKEY_WRONG_PUB=").append(nkeyWrong.pub()).append('\n');

        // operator mode: operator, system account, one account with a user; a user of a second account
        // that the server is never given must be refused.
        Key operator = Key.create(NKeys.PREFIX_OPERATOR);
        Key sys = Key.create(NKeys.PREFIX_ACCOUNT);
        Key account = Key.create(NKeys.PREFIX_ACCOUNT);
        Key unknownAccount = Key.create(NKeys.PREFIX_ACCOUNT);
        Key user = Key.create(NKeys.PREFIX_USER);
        Key wrongUser = Key.create(NKeys.PREFIX_USER);
        String operatorJwt = jwt(operator, operator.pub(), "COMPAT_OP",
                "{\"system_account\":\"" + sys.pub() + "\",\"type\":\"operator\",\"version\":2}");
        write(dir, "operator.jwt", operatorJwt);
        write(dir, "jwt.conf", "operator: \"" + dir.resolve("operator.jwt") + "\"\n"
                + "system_account: " + sys.pub() + "\n"
                + "resolver: MEMORY\n"
                + "resolver_preload: {\n"
                + "  " + sys.pub() + ": \"" + jwt(operator, sys.pub(), "SYS", ACCOUNT_NATS) + "\"\n"
                + "  " + account.pub() + ": \"" + jwt(operator, account.pub(), "COMPAT", ACCOUNT_NATS) + "\"\n"
                + "}\n");
        write(dir, "user.creds", creds(jwt(account, user.pub(), "compat-user", USER_NATS), user));
        write(dir, "wrong.creds", creds(jwt(unknownAccount, wrongUser.pub(), "compat-wrong", USER_NATS), wrongUser));
        // the right user JWT with another key's seed: the nonce signature does not match the JWT's subject
        write(dir, "mismatched.creds", creds(jwt(account, user.pub(), "compat-user", USER_NATS), wrongUser));
        // a user JWT that expired a minute ago
        Key expiredUser = Key.create(NKeys.PREFIX_USER);
        long now = System.currentTimeMillis() / 1000;
        write(dir, "expired.creds", creds(jwt(account, expiredUser.pub(), "compat-expired", USER_NATS, now - 120, now - 60),
                expiredUser));

        write(dir, "fixtures.env", env.toString());
    }
}
