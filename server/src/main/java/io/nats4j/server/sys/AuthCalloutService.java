package io.nats4j.server.sys;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.Version;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.AuthCalloutOptions;
import io.nats4j.server.auth.AuthCalloutResponse;
import io.nats4j.server.auth.Jwt;
import io.nats4j.server.auth.JwtClaims;
import io.nats4j.server.auth.NKeys;
import io.nats4j.server.auth.OperatorMode;
import io.nats4j.server.auth.ServerKey;
import io.nats4j.server.auth.XKey;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.tls.TlsConnectionState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The auth callout (nats-server's {@code processClientOrLeafCallout}): for a client's CONNECT it publishes an
 * authorization request JWT, signed with the server's nkey, on {@value AuthCalloutOptions#SUBJECT} in the
 * callout account with a reply subject of its own, and waits up to the auth timeout for the service's answer,
 * which {@link AuthCalloutResponse} checks. The callout account is the configured one (configuration mode) or,
 * in operator mode, the account of the client's user JWT when that account's JWT enables the callout
 * ({@code nats.authorization}); its {@code xkey} then encrypts the request.
 *
 * <p>Threading: the client's event loop only hands the request over; building and signing the request,
 * publishing it (through this service's {@link InternalClient}), checking the response and the timeout all
 * run on this service's single thread. The outcome goes back through the callback, which the connection
 * moves onto its own loop. Each request ends exactly once: answer, timeout or shutdown.
 */
public final class AuthCalloutService {

    /** nats-server's request audience. */
    static final String REQUEST_AUDIENCE = "nats-authorization-request";
    static final String REQUEST_TYPE = "authorization_request";
    /** Jackson, made on first use (an ObjectMapper costs a fresh JVM about 100 ms). */
    private static final class Lazy {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    /** One request waiting for its answer. Service thread only, except {@code done} which is set once. */
    private final class Pending implements InternalSubscriber {
        final long id = -2_000_000_000L - ids.incrementAndGet();
        final ClientConnection client;
        final String userNkey;
        final Consumer<Accounts.AuthResult> callback;
        /** Operator mode: the callout account (the client's user JWT's); null in configuration mode. */
        final Account operatorAccount;
        Subscription sub;
        Account account;
        /** The service's xkey the request was encrypted to (the answer may be encrypted back), or null. */
        String serviceXkey;
        ScheduledFuture<?> timer;
        boolean done;

        Pending(ClientConnection client, String userNkey, Account operatorAccount, Consumer<Accounts.AuthResult> callback) {
            this.client = client;
            this.userNkey = userNkey;
            this.operatorAccount = operatorAccount;
            this.callback = callback;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public void deliverInternal(Subscription s, ClientConnection from, String subject, String reply,
                byte[] headers, byte[] payload) {
            // on the responder's loop: the checks (signatures) run on the service thread
            submit(() -> answered(this, payload));
        }
    }

    private final NatsServer server;
    private final ServerKey key;
    /** The server's curve key for encrypted requests (nats-server's {@code s.xkp}). */
    private final XKey xkey = XKey.generate();
    private final ServerLogger log;
    private final ScheduledExecutorService exec;
    private final InternalClient client;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    /** Reply subjects: {@code $SYS._INBOX.<random>.<n>}, unique to this server. */
    private final String inboxPrefix;
    private volatile boolean stopped;

    public AuthCalloutService(NatsServer server, ServerKey key) {
        this.server = server;
        this.key = key;
        this.log = server.logger();
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nats4j-auth-callout-" + server.serverName());
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        this.exec = e;
        this.client = new InternalClient(server.statistics());
        this.inboxPrefix = "$SYS._INBOX." + Nuid.next() + ".";
    }

    /**
     * Asks the callout service about {@code c}'s CONNECT (called on the client's loop, after CONNECT was
     * parsed). {@code operatorAccount} is, in operator mode, the account of the client's user JWT whose
     * account JWT enables the callout (the request goes there); null in configuration mode. {@code done} gets
     * the authorization, or null when the client is not authorized; it runs on this service's thread. False
     * when the service is stopped (nothing will be called).
     */
    public boolean request(ClientConnection c, Account operatorAccount, Consumer<Accounts.AuthResult> done) {
        if (stopped) {
            return false;
        }
        try {
            exec.execute(() -> send(c, operatorAccount, done));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void submit(Runnable r) {
        try {
            exec.execute(r);
        } catch (RejectedExecutionException e) {
            // stopped: shutdown() has ended every request
        }
    }

    private void send(ClientConnection c, Account operatorAccount, Consumer<Accounts.AuthResult> done) {
        byte[] raw = new byte[32];
        io.nats4j.server.auth.RandomBytes.secure().nextBytes(raw);
        // the user nkey the answer must be issued to: fresh per request, so an answer cannot be replayed
        Pending p = new Pending(c, NKeys.encodePublic(NKeys.PREFIX_USER, raw), operatorAccount, done);
        Accounts accounts = server.accounts();
        Account acc;
        String issuer;
        String serviceXkey;
        if (operatorAccount != null) {
            // operator mode: the request goes to the client's own account, whose JWT names the service's xkey
            JwtClaims.ExternalAuth ea = operatorCallout(accounts, operatorAccount);
            acc = ea == null ? null : operatorAccount;
            issuer = operatorAccount.name();
            serviceXkey = ea == null ? null : ea.xkey();
        } else {
            AuthCalloutOptions cfg = accounts.callout();
            acc = cfg == null ? null : accounts.calloutAccount();
            issuer = cfg == null ? null : cfg.issuer();
            serviceXkey = cfg == null ? null : cfg.xkey();
        }
        if (stopped || acc == null) {
            done.accept(null);
            return;
        }
        p.account = acc;
        p.serviceXkey = serviceXkey;
        String reply = inboxPrefix + (-p.id);
        p.sub = new Subscription(p, reply, null, Long.toString(-p.id).getBytes(StandardCharsets.US_ASCII));
        acc.subscribe(p.sub);
        pending.put(p.id, p);
        long timeoutNanos = server.options().authTimeout.toNanos();
        p.timer = exec.schedule(() -> timedOut(p), timeoutNanos, TimeUnit.NANOSECONDS);
        try {
            String jwt = requestJwt(issuer, serviceXkey, c, p.userNkey, operatorAccount != null, timeoutNanos);
            byte[] payload = jwt.getBytes(StandardCharsets.US_ASCII);
            byte[] headers = null;
            if (serviceXkey != null) {
                payload = xkey.seal(payload, serviceXkey);
                headers = ("NATS/1.0\r\n" + AuthCalloutOptions.XKEY_HEADER + ": " + xkey.publicKey() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
            }
            client.publish(acc, AuthCalloutOptions.SUBJECT, reply, headers, payload);
        } catch (RuntimeException e) {
            log.warn("Error sending authorization request: " + e.getMessage());
            finish(p, null);
        }
    }

    /** The enabled auth callout of an operator-mode account's current JWT, or null. */
    private static JwtClaims.ExternalAuth operatorCallout(Accounts accounts, Account a) {
        OperatorMode om = accounts.operatorMode();
        JwtClaims.Account ac = om == null ? null : om.claims(a.name());
        JwtClaims.ExternalAuth ea = ac == null ? null : ac.authorization();
        return ea != null && ea.enabled() ? ea : null;
    }

    /**
     * nats-io/jwt's AuthorizationRequestClaims, as nats-server fills them; {@code issuer} is the subject (the
     * configured issuer, or the callout account in operator mode).
     */
    private String requestJwt(String issuer, String serviceXkey, ClientConnection c, String userNkey, boolean jwtUser,
            long timeoutNanos) {
        long now = System.currentTimeMillis() / 1000;
        ObjectNode claims = Lazy.JSON.createObjectNode();
        claims.put("aud", REQUEST_AUDIENCE);
        claims.put("exp", now + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(timeoutNanos + 999_999_999L)));
        claims.put("iat", now);
        claims.put("sub", issuer);
        ObjectNode nats = claims.putObject("nats");
        ObjectNode sid = nats.putObject("server_id");
        sid.put("name", server.serverName());
        sid.put("host", server.infoHost());
        sid.put("id", server.serverId());
        sid.put("version", Version.NATS_SERVER);
        if (serviceXkey != null) {
            sid.put("xkey", xkey.publicKey());
        }
        nats.put("user_nkey", userNkey);
        ConnectOptions co = c.connectOptions();
        ObjectNode ci = nats.putObject("client_info");
        putIfSet(ci, "host", c.remoteIp());
        ci.put("id", c.id());
        putIfSet(ci, "user", rawUser(co, jwtUser ? jwtSubject(co.jwt) : null));
        putIfSet(ci, "name", co.name);
        ci.put("kind", "Client");
        ci.put("type", "nats");
        if (co.sig != null && !co.sig.isEmpty()) {
            putIfSet(ci, "nonce", c.nonce());
        }
        ObjectNode opts = nats.putObject("connect_opts");
        putIfSet(opts, "jwt", co.jwt);
        putIfSet(opts, "nkey", co.nkey);
        putIfSet(opts, "sig", co.sig);
        putIfSet(opts, "auth_token", co.authToken);
        putIfSet(opts, "user", co.user);
        putIfSet(opts, "pass", co.pass);
        putIfSet(opts, "name", co.name);
        putIfSet(opts, "lang", co.lang);
        putIfSet(opts, "version", co.version);
        opts.put("protocol", co.protocol);
        TlsConnectionState tls = c.tlsState();
        if (tls != null) {
            ObjectNode ct = nats.putObject("client_tls");
            putIfSet(ct, "version", tls.version());
            putIfSet(ct, "cipher", tls.cipherSuite());
            List<String> certs = c.tlsPeerCertificatesPem();
            if (!certs.isEmpty()) {
                if (tls.peer() != null && server.options().tls != null && server.options().tls.verify) {
                    // the handshake verified the chain the client sent: nats-server lists it as a verified chain
                    ArrayNode chain = ct.putArray("verified_chains").addArray();
                    certs.forEach(chain::add);
                } else {
                    ArrayNode list = ct.putArray("certs");
                    certs.forEach(list::add);
                }
            }
        }
        nats.put("type", REQUEST_TYPE);
        nats.put("version", 2);
        return Jwt.encode(claims, key);
    }

    /**
     * nats-server's getRawAuthUser: the nkey, else the user name, else (operator mode) the public key of the
     * user JWT the client authenticated with ({@code jwtUser}), else the token.
     */
    static String rawUser(ConnectOptions co, String jwtUser) {
        if (co.nkey != null && !co.nkey.isEmpty()) {
            return co.nkey;
        }
        if (co.user != null && !co.user.isEmpty()) {
            return co.user;
        }
        if (co.jwt != null && !co.jwt.isEmpty()) {
            return jwtUser;
        }
        return co.authToken != null && !co.authToken.isEmpty() ? co.authToken : null;
    }

    /** The subject of a user JWT already verified at CONNECT (operator mode); null if it cannot be read. */
    private static String jwtSubject(String jwt) {
        try {
            return jwt == null ? null : Jwt.decode(jwt).subject();
        } catch (Jwt.JwtException | RuntimeException e) {
            return null;
        }
    }

    private static void putIfSet(ObjectNode n, String field, String value) {
        if (value != null && !value.isEmpty()) {
            n.put(field, value);
        }
    }

    private void answered(Pending p, byte[] payload) {
        if (p.done) {
            return;
        }
        Accounts accounts = server.accounts();
        String accName = p.account.name();
        Accounts.AuthResult r;
        try {
            OperatorMode om = accounts.operatorMode();
            if (p.operatorAccount != null ? om == null : accounts.callout() == null) {
                throw new AuthCalloutResponse.Rejected("Auth callout no longer configured on account \"" + accName + "\"");
            }
            ConnectOptions co = p.client.connectOptions();
            String serviceXkey = p.operatorAccount != null ? p.serviceXkey : accounts.callout().xkey();
            if (serviceXkey != null && payload != null && payload.length > 0 && !startsWithJwt(payload)) {
                // an encrypted answer (a plain JWT is accepted too, as nats-server does)
                payload = xkey.open(payload, serviceXkey);
                if (payload == null) {
                    throw new AuthCalloutResponse.Rejected("Error decrypting auth callout response on account \""
                            + accName + "\": nkeys: could not decrypt message");
                }
            }
            String rawUser = co.user != null && !co.user.isEmpty() ? co.user : co.nkey;
            long now = System.currentTimeMillis() / 1000;
            r = p.operatorAccount != null
                    ? AuthCalloutResponse.checkOperator(payload, p.userNkey, server.serverId(), om, accName, rawUser, now)
                    : AuthCalloutResponse.check(payload, p.userNkey, server.serverId(), accounts, rawUser, now);
        } catch (AuthCalloutResponse.Rejected e) {
            log.warn(e.getMessage());
            r = null;
        } catch (RuntimeException e) {
            // a malformed answer must never take the server down
            log.warn("Auth callout response on account \"" + accName + "\" could not be read: " + e);
            r = null;
        }
        finish(p, r);
    }

    /** nats-server's test for a plain answer: a JWT starts with {@code eyJ} (base64 of {@code {"}). */
    private static boolean startsWithJwt(byte[] b) {
        return b.length >= 3 && b[0] == 'e' && b[1] == 'y' && b[2] == 'J';
    }

    private void timedOut(Pending p) {
        if (p.done) {
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("Authorization callout response not received in time on account \"" + p.account.name() + "\"");
        }
        finish(p, null);
    }

    private void finish(Pending p, Accounts.AuthResult r) {
        if (p.done) {
            return;
        }
        p.done = true;
        pending.remove(p.id);
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        if (p.sub != null) {
            p.sub.closed = true;
            p.account.unsubscribe(p.sub);
        }
        try {
            p.callback.accept(r);
        } catch (RuntimeException e) {
            log.error("Auth callout: error handing the result to the client: " + e);
        }
    }

    /** Ends every waiting request (the clients are not authorized) and stops the thread. */
    public void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            exec.submit(() -> {
                for (Pending p : List.copyOf(pending.values())) {
                    finish(p, null);
                }
            }).get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: the clients are being closed anyway
        }
        exec.shutdownNow();
    }
}
