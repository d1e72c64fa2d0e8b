package io.nats4j.server;

import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * nats-server's lame duck drain, on its own thread ({@code nats4j-lame-duck}) once the client listener is
 * closed: every client that understands async INFO hears {@code "ldm":true}, the server waits
 * {@code lame_duck_grace_period}, closes the clients spread over the rest of {@code lame_duck_duration}
 * (in batches when there are more clients than nanoseconds), then shuts down.
 */
final class LameDuck implements Runnable {

    private final NatsServer server;

    LameDuck(NatsServer server) {
        this.server = server;
    }

    @Override
    public void run() {
        List<ClientConnection> list = new ArrayList<>(server.clientRegistry().connections());
        if (list.isEmpty()) {
            server.close();
            return;
        }
        HotSettings s = server.settings();
        long grace = Math.abs(s.lameDuckGracePeriod().toNanos());
        long dur = s.lameDuckDuration().toNanos() - grace;
        if (dur <= 0) {
            dur = TimeUnit.SECONDS.toNanos(1);
        }
        int n = list.size();
        long interval = dur / n;
        int batch = 1;
        if (interval < 1) {
            interval = 1;
            batch = (int) Math.max(1, n / dur);
        } else if (interval > TimeUnit.SECONDS.toNanos(1)) {
            interval = TimeUnit.SECONDS.toNanos(1);
        }
        for (ClientConnection c : list) {
            if (c.clientProtocol() >= 1) {
                c.sendAsyncInfo(server.info().lameDuckForClient(c));
            }
        }
        if (server.waitForShutdown(grace)) {
            return;
        }
        server.logger().notice("Closing existing clients");
        for (int i = 0; i < n; i++) {
            list.get(i).close(ClosedState.SERVER_SHUTDOWN);
            if (i == n - 1) {
                break;
            }
            if (batch == 1 || i % batch == 0) {
                long wait = Math.max(interval / 2, ThreadLocalRandom.current().nextLong(interval));
                if (server.waitForShutdown(wait)) {
                    return;
                }
            }
        }
        server.close();
    }
}
