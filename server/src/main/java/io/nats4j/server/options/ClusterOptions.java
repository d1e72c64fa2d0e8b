package io.nats4j.server.options;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * nats-server's {@code cluster {}} block and {@code --cluster*}/{@code --routes} flags: the route listener and
 * the routes to solicit (package {@code io.nats4j.server.cluster}, docs/CLUSTERING.md).
 */
public final class ClusterOptions {

    /** nats-server's default auth timeout of a route's CONNECT (seconds), as for clients. */
    public static final double DEFAULT_AUTH_TIMEOUT_SECONDS = 2;

    /** {@code cluster { name }}; null = generated (dynamic, negotiated with the peers). */
    public String name;
    /** {@code cluster { host }} (or the host of {@code listen}/{@code --cluster}); null = the default host. */
    public String host;
    /** {@code cluster { port }}; 0 = not listening, -1 = a free port. */
    public int port;
    /** {@code cluster { advertise }}: the host:port other servers are told to connect to. */
    public String advertise;
    /** {@code cluster { no_advertise }}: do not tell clients about the other servers of the cluster. */
    public boolean noAdvertise;
    /** {@code cluster { routes }} / {@code --routes}: URLs of the servers to connect to (explicit routes). */
    public List<String> routes = new ArrayList<>();
    /** {@code cluster { authorization { user } }}: the user routes must present (and ours present, from the URL). */
    public String username;
    /** {@code cluster { authorization { password } }}. */
    public String password;
    /** {@code cluster { authorization { timeout } }} in seconds; 0 = the default. */
    public double authTimeoutSeconds;
    /** {@code cluster { connect_retries }}: attempts for implicit routes (explicit ones retry for ever). */
    public int connectRetries;
    /** {@code cluster { ping_interval }}; null = the server's ping_interval. */
    public Duration pingInterval;
    /** {@code cluster { ping_max }}; 0 = the server's ping_max. */
    public int pingMax;

    /** {@code cluster { tls {} }}: TLS between servers; null = plain routes. */
    public io.nats4j.server.tls.TlsOptions tls;

    /** True when anything here asks for clustering. */
    public boolean configured() {
        return name != null || host != null || port != 0 || advertise != null || !routes.isEmpty();
    }

    /** True when the server runs a route listener (nats-server clusters only with a cluster port). */
    public boolean listening() {
        return port != 0;
    }

    /** Every setting but the password as one line (config reload compares them). */
    public String describe() {
        return "{name:" + name + " host:" + host + " port:" + port + " advertise:" + advertise + " no_advertise:"
                + noAdvertise + " routes:" + routes + " user:" + username + " timeout:"
                + authTimeoutSeconds + " connect_retries:" + connectRetries + " ping_interval:" + pingInterval
                + " ping_max:" + pingMax + " tls:" + (tls == null ? "<nil>" : tls.certFile + "," + tls.keyFile + ","
                        + tls.caFile + "," + tls.verify) + "}";
    }

    public ClusterOptions copy() {
        ClusterOptions c = new ClusterOptions();
        c.name = name;
        c.host = host;
        c.port = port;
        c.advertise = advertise;
        c.noAdvertise = noAdvertise;
        c.routes = new ArrayList<>(routes);
        c.username = username;
        c.password = password;
        c.authTimeoutSeconds = authTimeoutSeconds;
        c.connectRetries = connectRetries;
        c.pingInterval = pingInterval;
        c.pingMax = pingMax;
        c.tls = tls == null ? null : tls.copy();
        return c;
    }
}
