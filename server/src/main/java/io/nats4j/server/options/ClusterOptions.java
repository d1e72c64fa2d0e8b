package io.nats4j.server.options;

import java.util.ArrayList;
import java.util.List;

/**
 * nats-server's {@code cluster {}} block and {@code --cluster*}/{@code --routes} flags: the route listener and
 * the routes to solicit. Not built yet: a server with any of these set refuses to start.
 */
public final class ClusterOptions {

    /** {@code cluster { name }}; null = generated. */
    public String name;
    /** {@code cluster { host }} (or the host of {@code listen}/{@code --cluster}); null = not listening. */
    public String host;
    /** {@code cluster { port }}; 0 = not listening. */
    public int port;
    /** {@code cluster { advertise }}. */
    public String advertise;
    /** {@code cluster { routes }} / {@code --routes}: URLs of the servers to connect to. */
    public List<String> routes = new ArrayList<>();

    /** True when anything here asks for clustering. */
    public boolean configured() {
        return name != null || host != null || port != 0 || advertise != null || !routes.isEmpty();
    }

    public ClusterOptions copy() {
        ClusterOptions c = new ClusterOptions();
        c.name = name;
        c.host = host;
        c.port = port;
        c.advertise = advertise;
        c.routes = new ArrayList<>(routes);
        return c;
    }
}
