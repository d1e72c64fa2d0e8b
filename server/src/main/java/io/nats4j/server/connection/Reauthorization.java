package io.nats4j.server.connection;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.ClientPermissions;
import io.nats4j.server.protocol.ConnectOptions;
import io.netty.channel.EventLoop;

/**
 * Re-authorization of a connected client when its configuration changes under it: a config reload (new users,
 * accounts, permissions and limits) and, in operator mode, new account JWT limits. Runs on the connection's
 * event loop (called from any thread, it moves there).
 */
final class Reauthorization {

    /** Limits of an account update not applied yet ({@link #jwtLimitsChanged}); null when none. */
    private volatile io.nats4j.server.auth.Accounts.ConnectionLimits pendingLimits;

    private final ClientConnection c;

    Reauthorization(ClientConnection c) {
        this.c = c;
    }

    /**
     * A config reload happened: the new settings are published ({@code settings()}), {@code next} holds the
     * new accounts and users.
     * Re-checks this client on its own loop as nats-server's reloadAuthorization does: a client whose user is
     * gone or now belongs to another account is closed (Client Closed), one whose credentials no longer pass
     * gets an Authorization Violation, the others move to the new account object (same sublist) with their
     * new permissions; subscriptions the new permissions deny are removed. Any thread.
     */
    java.util.concurrent.Future<?> reloaded(Accounts next) {
        EventLoop l = c.loop;
        if (l == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        if (l.inEventLoop()) {
            applyReload(next);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        return l.submit(() -> applyReload(next));
    }

    private void applyReload(Accounts next) {
        if (c.closed || c.parser == null) {
            return;
        }
        c.maxPending = c.opts().maxPending();
        c.parser.maxControlLine(c.opts().maxControlLine());
        if (!c.connectReceived || c.awaitingAuth) {
            // CONNECT has not been accepted yet: it will be checked against the new accounts
            if (next.authRequired() && !c.awaitingAuth) {
                c.awaitingAuth = true;
                c.parser.connectRequired(true);
            }
            c.auth.limitsFor(c.account);
            return;
        }
        ConnectOptions co = c.connectOptions;
        if (c.calloutAuthorized) {
            // authorized by the callout service, not by the configuration: keep the account (the object of
            // the same name after the reload) and the permissions it granted
            // (operator mode: the account as the rebuilt operator mode loads it, as for JWT clients below)
            Account a = next.operatorMode() != null ? next.operatorMode().lookup(c.account.name())
                    : next.get(c.account.name());
            if (a == null || (next.callout() == null && next.operatorMode() == null)) {
                if (c.log.isDebugEnabled()) {
                    c.log.debug(c.prefix() + "Closing client: auth callout or its account removed by a config reload");
                }
                c.closeNow(ClosedState.CLIENT_CLOSED);
                return;
            }
            if (a != c.account) {
                a.addConnection();
                c.account.removeConnection();
                c.account = a;
                c.sublist = a.sublist();
                c.matchCache.clear();
            }
            return;
        }
        String accName = next.accountOfUser(co);
        if (accName == null || (!accName.isEmpty() && !accName.equals(c.account.name()))) {
            if (c.log.isDebugEnabled()) {
                c.log.debug(c.prefix() + "Closing client: user removed or moved to another account by a config reload");
            }
            c.closeNow(ClosedState.CLIENT_CLOSED);
            return;
        }
        Accounts.AuthResult r = next.authenticate(co, c.nonce, c.tlsIdentity(), c.remoteIp);
        if (r == null || !r.account().name().equals(c.account.name())) {
            c.auth.logAuthError(next, co);
            c.auth.authViolation();
            c.flushOutbound();
            return;
        }
        Account a = r.account();
        if (a != c.account) {
            a.addConnection();
            c.account.removeConnection();
            c.account = a;
            c.sublist = a.sublist();
            c.matchCache.clear();
        }
        c.userName = r.user() == null ? null : r.user().displayName();
        ClientPermissions np = r.permissions() == null ? null : new ClientPermissions(r.permissions());
        c.perms = np;
        c.auth.limitsFor(a);
        if (np != null) {
            c.subscriptions.dropDenied(np);
        }
    }

    /**
     * Operator mode: the account's JWT changed; the server's and account's limits are applied again with the
     * user's new {@code limits} (subscriptions, payload) on top, as nats-server's applyAccountLimits. Any thread:
     * recorded at once and applied on the client's loop before it reads anything more (a read already waiting
     * when the task is queued runs first on a Netty loop, and nats-server applies them before it answers the
     * update), or by the task queued here if no read comes.
     */
    void jwtLimitsChanged(io.nats4j.server.auth.Accounts.ConnectionLimits limits) {
        EventLoop l = c.loop;
        if (l == null || limits == null) {
            return;
        }
        pendingLimits = limits;
        l.execute(this::applyPendingLimits);
    }

    /** True when {@link #jwtLimitsChanged} left limits to apply (one volatile read; the client's loop). */
    boolean limitsPending() {
        return pendingLimits != null;
    }

    /** Applies the limits {@link #jwtLimitsChanged} recorded, if any. On the client's loop. */
    void applyPendingLimits() {
        io.nats4j.server.auth.Accounts.ConnectionLimits limits = pendingLimits;
        if (limits == null) {
            return;
        }
        pendingLimits = null;
        if (c.closed || c.parser == null) {
            return;
        }
        c.auth.limitsFor(c.account);
        c.auth.applySubsAndPayload(limits);
        // nats-server's subsAtLimit after applyAccountLimits: at or over the new limit closes the client
        if (c.subscriptions.atLimit()) {
            c.log.error(c.prefix() + "maximum subscriptions exceeded");
            c.sendErrAndClose("maximum subscriptions exceeded", ClosedState.MAX_SUBSCRIPTIONS_EXCEEDED);
        }
    }
}
