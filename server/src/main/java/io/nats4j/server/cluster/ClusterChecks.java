package io.nats4j.server.cluster;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.options.ClusterOptions;
import java.io.IOException;
import java.net.URI;

/** Start-up checks of the {@code cluster} options (shared with {@code -t} through StartupChecks). */
public final class ClusterChecks {

    private ClusterChecks() {
    }

    public static void check(ServerOptions o) throws IOException {
        ClusterOptions c = o.cluster;
        if (c.name != null && c.name.contains(" ")) {
            throw new IOException("cluster name cannot contain spaces or new lines");
        }
        if (c.port == 0 && !c.routes.isEmpty()) {
            // nats-server solicits routes only with a route listener too
            throw new IOException("solicited routes require cluster capabilities, e.g. --cluster");
        }
        for (String r : c.routes) {
            try {
                URI u = new URI(r);
                if (u.getHost() == null || u.getPort() < 0) {
                    throw new IOException("error parsing route url [\"" + r + "\"]");
                }
            } catch (java.net.URISyntaxException e) {
                throw new IOException("error parsing route url [\"" + r + "\"]", e);
            }
        }
        if (c.username != null && !c.username.isEmpty() && (c.password == null || c.password.isEmpty())) {
            // nats-server accepts it; routes would then authenticate with an empty password
            return;
        }
    }
}
