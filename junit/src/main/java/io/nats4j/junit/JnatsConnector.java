package io.nats4j.junit;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats4j.server.NatsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ParameterResolutionException;

/**
 * The only class that touches jnats: loaded when a test asks for a {@code Connection}, so the extension works
 * without jnats on the class path otherwise.
 */
final class JnatsConnector {

    private JnatsConnector() {
    }

    /**
     * A connection to server {@code node}; in a cluster, the other servers follow it as the reconnect list (in
     * order, not shuffled), so a test that stops a server sees its clients move on as they would in production.
     */
    static Connection connect(RunningServer running, int node, String userName) {
        NatsUser user = null;
        NatsUser[] users = running.annotation.users();
        if (userName != null) {
            for (NatsUser u : users) {
                if (u.name().equals(userName)) {
                    user = u;
                    break;
                }
            }
            if (user == null) {
                throw new ParameterResolutionException("@ConnectAs(\"" + userName
                        + "\"): no such user in the server's @NatsTest(users = ...)");
            }
        } else if (users.length > 0) {
            user = users[0];
        }
        NatsServer first = running.servers.get(node);
        Options.Builder b = Options.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .connectionName("nats4j-junit");
        if (running.cluster == null) {
            b.server(first.clientUrl()).maxReconnects(0);
        } else {
            List<String> urls = new ArrayList<>();
            urls.add(first.clientUrl());
            for (NatsServer s : running.servers) {
                if (s != first) {
                    urls.add(s.clientUrl());
                }
            }
            b.servers(urls.toArray(String[]::new)).noRandomize().reconnectWait(Duration.ofMillis(100))
                    .maxReconnects(50);
        }
        if (user != null) {
            b.userInfo(user.name(), user.password());
        }
        try {
            return Nats.connect(b.build());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ParameterResolutionException("could not connect to the nats4j server at "
                    + first.clientUrl() + (user == null ? "" : " as " + user.name()) + ": " + e, e);
        }
    }
}
