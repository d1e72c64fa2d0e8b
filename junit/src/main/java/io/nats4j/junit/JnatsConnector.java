package io.nats4j.junit;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import org.junit.jupiter.api.extension.ParameterResolutionException;

/**
 * The only class that touches jnats: loaded when a test asks for a {@code Connection}, so the extension works
 * without jnats on the class path otherwise.
 */
final class JnatsConnector {

    private JnatsConnector() {
    }

    static Connection connect(RunningServer running, String userName) {
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
        Options.Builder b = Options.builder()
                .server(running.server.clientUrl())
                .connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(0)
                .connectionName("nats4j-junit");
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
                    + running.server.clientUrl() + (user == null ? "" : " as " + user.name()) + ": " + e, e);
        }
    }
}
