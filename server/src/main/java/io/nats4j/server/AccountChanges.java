package io.nats4j.server;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.JwtClaims;
import io.nats4j.server.auth.OperatorMode;
import io.nats4j.server.auth.UserRecheck;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.log.ServerLogger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the server does to live clients when an operator-mode account changes under them (nats-server's
 * updateAccountClaims and the full resolver's delete): a JWT update re-checks every client of the account, a
 * delete disconnects them. Listens to the {@link OperatorMode} of the accounts in use (again after a reload).
 */
final class AccountChanges implements OperatorMode.AccountListener {

    private final NatsServer server;
    private final ServerLogger log;

    private AccountChanges(NatsServer server) {
        this.server = server;
        this.log = server.logger();
    }

    /** Listens to the operator mode of {@code accounts}; nothing in configuration mode. */
    static void listen(NatsServer server, Accounts accounts) {
        OperatorMode om = accounts.operatorMode();
        if (om != null) {
            om.accountListener(new AccountChanges(server));
        }
    }

    @Override
    public void accountUpdated(Account account, JwtClaims.Account old, JwtClaims.Account neu) {
        claimsChanged(account, old, neu);
    }

    @Override
    public void accountDeleted(Account account) {
        log.debug("Disable account " + account.name() + " due to remove");
        for (ClientConnection c : clientsOf(account)) {
            c.closeWithError(OperatorMode.ACCOUNT_EXPIRED, ClosedState.AUTHENTICATION_EXPIRED);
        }
    }

    /** The connected clients of an account, newest first. */
    private List<ClientConnection> clientsOf(Account account) {
        List<ClientConnection> list = new ArrayList<>();
        for (ClientConnection c : server.clientRegistry().connections()) {
            if (c.account() == account && !c.isClosed()) {
                list.add(c);
            }
        }
        list.sort(Comparator.comparingLong(ClientConnection::startMillis).thenComparingLong(ClientConnection::id)
                .reversed());
        return list;
    }

    /**
     * nats-server's updateAccountClaims for the live clients: with a lower connection limit the newest clients
     * up to it stay and the older ones are closed ("maximum account active connections exceeded"); the
     * others are checked against the new revocations, bearer rule and signing keys, and keep running with
     * the new limits. Called with the operator mode's lock held: only schedules work on the client loops.
     */
    private void claimsChanged(Account account, JwtClaims.Account old, JwtClaims.Account neu) {
        int max = account.maxConnections();
        int i = 0;
        for (ClientConnection c : clientsOf(account)) {
            if (max >= 0 && i++ >= max) {
                log.error(c + " - maximum account active connections exceeded");
                c.closeWithError("maximum account active connections exceeded", ClosedState.MAX_ACCOUNT_CONNECTIONS_EXCEEDED);
                continue;
            }
            if (c.isCalloutAuthorized()) {
                // authorized by an auth callout: its CONNECT JWT is the sentinel's, not the user it became
                continue;
            }
            UserRecheck.Recheck r = UserRecheck.recheck(c.connectOptions(), old, neu);
            switch (r.verdict()) {
                case REVOKED -> {
                    log.debug(c + " - User Authentication Revoked");
                    c.closeWithError("User Authentication Revoked", ClosedState.REVOCATION);
                }
                case BEARER_REFUSED -> c.closeWithError("Authorization Violation", ClosedState.AUTHENTICATION_VIOLATION);
                case SIGNER_CHANGED -> c.close(ClosedState.AUTHENTICATION_VIOLATION);
                case KEEP -> c.jwtLimitsChanged(r.limits());
            }
        }
    }
}
