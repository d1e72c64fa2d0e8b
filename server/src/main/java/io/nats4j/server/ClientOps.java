package io.nats4j.server;

import io.nats4j.server.auth.Accounts;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.net.KindRegistry;
import io.nats4j.server.protocol.ConnectOptions;

/**
 * What the server does to all or one of its open client connections, split out of {@link NatsServer}: the
 * periodic write-deadline check, asynchronous INFOs when the cluster changes, and the $SYS/monitoring actions
 * on one client by id (kick, lame duck).
 */
final class ClientOps {

    private final KindRegistry<ClientConnection> clients;
    private final ServerInfo info;

    ClientOps(KindRegistry<ClientConnection> clients, ServerInfo info) {
        this.clients = clients;
        this.info = info;
    }

    /** Every {@code HOUSEKEEPING_INTERVAL_MS}: write deadlines, then expired service-import responses. */
    void housekeeping(HotSettings settings, Accounts accounts) {
        long now = System.nanoTime();
        long deadline = settings.writeDeadline().toNanos();
        for (ClientConnection c : clients.connections()) {
            c.checkWriteDeadline(now, deadline);
        }
        accounts.expireResponses(now);
    }

    /** nats-server's sendAsyncInfoToClients: an INFO to every client that takes asynchronous INFOs. */
    void sendAsyncInfo() {
        for (ClientConnection c : clients.connections()) {
            ConnectOptions co = c.connectOptions();
            if (co != null && co.protocol >= 1 && !c.isClosed()) {
                c.sendAsyncInfo(info.forClient(c));
            }
        }
    }

    boolean kick(long cid) {
        ClientConnection c = clients.get(cid);
        if (c == null) {
            return false;
        }
        c.close(ClosedState.KICKED);
        return true;
    }

    boolean lameDuck(long cid) {
        ClientConnection c = clients.get(cid);
        if (c == null) {
            return false;
        }
        c.sendAsyncInfo(info.lameDuckForClient(c));
        return true;
    }
}
