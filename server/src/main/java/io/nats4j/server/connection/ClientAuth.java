package io.nats4j.server.connection;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.ClientPermissions;
import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.protocol.ProtocolParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A client's CONNECT and authentication: the options it announces, the credentials checked against the
 * accounts (or handed to the auth callout, or waiting for a remote account resolver, with the parser paused and
 * later input held), the account, permissions and limits it gets, the auth timeout and the expiry of a user JWT.
 * Everything runs on the connection's event loop; the state it decides lives in the connection, where the
 * message path reads it.
 */
final class ClientAuth {

    private final ClientConnection c;

    ClientAuth(ClientConnection c) {
        this.c = c;
    }

    void onConnect(ProtocolParser p, int off, int len) {
        if (c.log.isTraceEnabled()) {
            c.log.trace(c.prefix() + "<<- [CONNECT " + redactPass(new String(p.line(), off, len, StandardCharsets.UTF_8)) + "]");
        }
        ConnectOptions co;
        try {
            co = ConnectOptions.parse(p.line(), off, len, c.connectOptions); // a second CONNECT amends the first
        } catch (IllegalArgumentException e) {
            c.log.error(c.prefix() + "Client parser ERROR: " + e.getMessage());
            c.closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
            c.parser.close();
            return;
        }
        c.connectOptions = co;
        c.verbose = co.verbose;
        c.pedantic = co.pedantic;
        c.echo = co.echo;
        c.fanOut.echo(c.echo);
        c.headers = co.headers && !c.opts().noHeaderSupport();
        c.parser.headersAllowed(c.headers);
        c.noResponders = co.noResponders;
        c.name = co.name;
        c.lang = co.lang;
        c.version = co.version;
        c.clientTag = tagOf(co);
        long protocol = co.protocol;
        c.connectReceived = true;
        if (c.awaitingAuth) {
            if (c.server.accounts().needsCallout(co)) {
                startCallout(null);
                return;
            }
            String fetch = c.server.accounts().accountToFetch(co);
            if (fetch != null) {
                startAccountFetch(fetch);
                return;
            }
            Accounts.AuthResult r = c.server.accounts().authenticate(co, c.nonce, c.tlsIdentity(), c.remoteIp);
            Account calloutAccount = c.server.accounts().operatorCallout(r);
            if (calloutAccount != null) {
                // operator mode: the user JWT is valid, and its account hands its users to an auth callout
                startCallout(calloutAccount);
                return;
            }
            if (!applyAuth(co, r)) {
                return;
            }
        }
        connectAccepted(protocol);
    }

    /** CONNECT passed authentication: the protocol checks, +OK, the connect event. */
    void connectAccepted(long protocol) {
        if (protocol < 0 || protocol > 1) {
            c.sendErrAndClose("invalid client protocol", ClosedState.BAD_CLIENT_PROTOCOL_VERSION);
            return;
        }
        if (c.noResponders && !c.headers) {
            c.sendErrAndClose("no responders requires headers support", ClosedState.NO_RESPONDERS_REQUIRES_HEADERS);
            return;
        }
        c.queueOk();
        if (!c.authenticated) {
            c.authenticated = true;
            c.server.clientConnected(c);
        }
    }

    /**
     * Hands CONNECT to the auth callout and stops reading until it answers: the parser pauses after CONNECT
     * and what the client sent after it waits in {@link #heldInput}. As nats-server clears the auth timer
     * once CONNECT arrived, the wait is bounded by the callout's own timeout (the auth timeout).
     * {@code operatorAccount}: in operator mode the account whose JWT enables the callout; null for the
     * configured one.
     */
    void startCallout(Account operatorAccount) {
        if (c.authTimer != null) {
            c.authTimer.cancel(false);
            c.authTimer = null;
        }
        c.calloutPending = true;
        c.parser.pause();
        c.channel.config().setAutoRead(false);
        EventLoop l = c.loop;
        boolean sent = c.server.authCallout(c, operatorAccount, r -> l.execute(() -> calloutDone(r)));
        if (!sent) {
            c.calloutPending = false;
            applyAuth(c.connectOptions, null);
        }
    }

    /**
     * The user JWT's account is not loaded and comes from a remote resolver: CONNECT waits (parser paused, input
     * held, as for the callout) while a resolver thread fetches it, so that no event loop waits on the network.
     * The auth timer keeps running: a fetch that outlasts it closes the connection as an auth timeout would.
     */
    void startAccountFetch(String accountKey) {
        c.calloutPending = true;
        c.parser.pause();
        c.channel.config().setAutoRead(false);
        EventLoop l = c.loop;
        c.server.fetchAccount(accountKey, () -> l.execute(() -> {
            if (!c.closed && c.calloutPending) {
                Accounts.AuthResult r = c.server.accounts().authenticateFetched(c.connectOptions, c.nonce, c.tlsIdentity(),
                        c.remoteIp);
                Account calloutAccount = c.server.accounts().operatorCallout(r);
                if (calloutAccount != null) {
                    c.calloutPending = false;
                    startCallout(calloutAccount); // parser and reading stay paused
                    return;
                }
                authDecided(r, false);
            }
        }));
    }

    /** Input read while the callout decides: kept, in order, for when it answered. */
    void holdInput(ByteBuf in) {
        if (!in.isReadable()) {
            return;
        }
        if (c.heldInput == null) {
            c.heldInput = c.alloc.buffer(in.readableBytes());
        }
        c.heldInput.writeBytes(in);
    }

    /** The auth callout answered (or not in time): on c loop. */
    void calloutDone(Accounts.AuthResult r) {
        if (c.closed || !c.calloutPending) {
            return;
        }
        authDecided(r, true);
    }

    /** CONNECT on hold (callout, account fetch) was decided: on c loop; reading resumes if authorized. */
    void authDecided(Accounts.AuthResult r, boolean byCallout) {
        c.calloutPending = false;
        ConnectOptions co = c.connectOptions;
        if (!applyAuth(co, r)) {
            c.flushPending();
            return;
        }
        c.calloutAuthorized = byCallout;
        connectAccepted(co.protocol);
        c.parser.resume();
        ByteBuf held = c.heldInput;
        c.heldInput = null;
        if (held != null) {
            try {
                if (!c.closed) {
                    c.parser.parse(held);
                    if (c.parser.isPaused()) {
                        holdInput(held);
                    }
                }
            } finally {
                held.release();
            }
        }
        c.flushPending();
        if (c.closed || c.parser.isPaused()) {
            return;
        }
        if (c.flow.holdingBack()) {
            c.flow.stall(); // turns reading back on once the receiver drained
        } else {
            c.channel.config().setAutoRead(true);
        }
    }

    /**
     * Binds the connection to the outcome of authentication: its account, permissions and limits; on a
     * failure (null or failed {@code r}) an Authorization Violation. False when the connection was closed.
     */
    boolean applyAuth(ConnectOptions co, Accounts.AuthResult r) {
        if (r == null || r.failed()) {
            if (r != null && r.error() != null) {
                // operator mode: nats-server logs the reason at debug and a bare "authentication error"
                if (c.log.isDebugEnabled()) {
                    c.log.debug(c.prefix() + r.error());
                }
                c.log.error(c.prefix() + "authentication error");
            } else {
                logAuthError(c.server.accounts(), co);
            }
            authViolation();
            return false;
        }
        if (c.authTimer != null) {
            c.authTimer.cancel(false);
            c.authTimer = null;
        }
        c.awaitingAuth = false;
        c.parser.connectRequired(false);
        c.userName = r.user() == null ? null : r.user().displayName();
        if (r.permissions() != null) {
            c.perms = new ClientPermissions(r.permissions());
        }
        Account a = r.account();
        if (a != c.account) {
            if (!a.tryAddConnection()) {
                c.log.error(c.prefix() + "maximum account active connections exceeded");
                c.sendErrAndClose("maximum account active connections exceeded", ClosedState.MAX_ACCOUNT_CONNECTIONS_EXCEEDED);
                return false;
            }
            if (c.registered) {
                c.account.removeConnection();
            }
            c.account = a;
            c.sublist = a.sublist();
            c.matchCache.clear();
            if (a.maxSubscriptions() > 0 && (c.subscriptions.maxSubs <= 0 || a.maxSubscriptions() < c.subscriptions.maxSubs)) {
                c.subscriptions.maxSubs = a.maxSubscriptions();
            }
            if (a.maxPayload() > 0 && a.maxPayload() < c.opts().maxPayload()) {
                c.parser.maxPayload(a.maxPayload());
            }
        }
        if (r.limits() != null) {
            applyJwtLimits(r.limits());
        }
        if (c.log.isDebugEnabled() && c.userName != null) {
            c.log.debug(c.prefix() + "Client authenticated as \"" + c.userName + "\" in account \"" + c.account.name() + "\"");
        }
        return true;
    }

    /** The server's limits combined with the account's (at CONNECT and after a reload). */
    void limitsFor(Account a) {
        c.subscriptions.maxSubs = c.opts().maxSubscriptions();
        if (a.maxSubscriptions() > 0 && (c.subscriptions.maxSubs <= 0 || a.maxSubscriptions() < c.subscriptions.maxSubs)) {
            c.subscriptions.maxSubs = a.maxSubscriptions();
        }
        int mp = c.opts().maxPayload();
        if (a.maxPayload() > 0 && a.maxPayload() < mp) {
            mp = a.maxPayload();
        }
        c.parser.maxPayload(mp);
    }

    /** The subscription and payload limits of a user JWT: the tighter of it and the server's wins. */
    void applySubsAndPayload(Accounts.ConnectionLimits l) {
        if (l.maxSubscriptions() > 0 && (c.subscriptions.maxSubs <= 0 || l.maxSubscriptions() < c.subscriptions.maxSubs)) {
            c.subscriptions.maxSubs = l.maxSubscriptions();
        }
        // nats-io/jwt: a limit the JWT leaves out is 0, and 0 allows no subscriptions (here maxSubs 0 = none)
        c.subscriptions.noSubscriptions = l.maxSubscriptions() == 0;
        if (l.maxPayload() > 0 && l.maxPayload() < c.opts().maxPayload()) {
            c.parser.maxPayload(l.maxPayload());
        } else if (l.maxPayload() == 0) {
            // nats-io/jwt: a payload limit of 0 (also a JWT that leaves it out) allows empty messages only;
            // the parser reads 0 as "unlimited" and has MIN_VALUE for this
            c.parser.maxPayload(Integer.MIN_VALUE);
        }
    }

    /** Limits and expiry of a user JWT (operator mode): the tighter limit wins; expiry closes the client. */
    void applyJwtLimits(Accounts.ConnectionLimits l) {
        applySubsAndPayload(l);
        if (l.expiresAtMillis() > 0) {
            long delayMillis = Math.max(0, l.expiresAtMillis() - System.currentTimeMillis());
            String text = l.expiredError();
            c.expiryTimer = c.loop.schedule(() -> {
                if (!c.closed) {
                    if (c.log.isDebugEnabled()) {
                        c.log.debug(c.prefix() + text);
                    }
                    c.sendErrAndClose(text, ClosedState.AUTHENTICATION_EXPIRED);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    void authViolation() {
        if (!c.closed) {
            c.server.clientAuthError(c);
        }
        c.sendErrAndClose("Authorization Violation", ClosedState.AUTHENTICATION_VIOLATION);
    }

    void authTimeout() {
        c.authTimer = null;
        if (c.closed || !c.awaitingAuth) {
            return;
        }
        if (c.log.isDebugEnabled()) {
            c.log.debug(c.prefix() + "Authentication Timeout");
        }
        c.sendErrAndClose("Authentication Timeout", ClosedState.AUTHENTICATION_TIMEOUT);
    }

    private static String redactPass(String json) {
        return json.replaceAll("(\"(?:pass|auth_token|sig)\"\\s*:\\s*\")[^\"]*\"", "$1[REDACTED]\"");
    }

    /**
     * nats-server names the client in its log lines once CONNECT arrived: {@code "v<version>:<lang>:<name>"}
     * (Go-quoted, absent parts left out, nothing when all three are empty), e.g. {@code "v2.22.0:java"}.
     */
    private static String tagOf(ConnectOptions co) {
        StringBuilder sb = new StringBuilder();
        if (!co.version.isEmpty()) {
            sb.append('v').append(co.version);
        }
        for (String part : new String[] {co.lang, co.name}) {
            if (!part.isEmpty()) {
                (sb.isEmpty() ? sb : sb.append(':')).append(part);
            }
        }
        return sb.isEmpty() ? "" : Accounts.goQuote(sb.toString()) + " - ";
    }

    /** nats-server's authViolation log line: its detail depends on the server's auth configuration. */
    void logAuthError(Accounts accounts, ConnectOptions co) {
        c.log.error(c.prefix() + "authentication error" + accounts.authErrorDetail(co));
    }

    /** What /connz shows as {@code authorized_user}: see {@link ClientConnection#rawAuthUser()}. */
    String rawAuthUser() {
        ConnectOptions co = c.connectOptions;
        if (co == null) {
            return "";
        }
        if (co.nkey != null && !co.nkey.isEmpty()) {
            return co.nkey;
        }
        if (co.user != null && !co.user.isEmpty()) {
            return co.user;
        }
        if (co.jwt != null && !co.jwt.isEmpty() && c.userName != null) {
            return c.userName;
        }
        return "";
    }
}
