package io.nats4j.server.options;

import java.util.ArrayList;
import java.util.List;

/**
 * nats-server's {@code gateway {}} block: this cluster's name, the gateway listener and the other clusters'
 * gateways. Not built yet: a server with any of these set refuses to start.
 */
public final class GatewayOptions {

    /** {@code gateway { name }}: the name of this server's cluster among gateways. */
    public String name;
    public String host;
    /** 0 = not listening. */
    public int port;
    /** {@code gateway { gateways [ { name, urls } ] }}, as "name=url,url". */
    public List<String> gateways = new ArrayList<>();

    public boolean configured() {
        return name != null || host != null || port != 0 || !gateways.isEmpty();
    }

    public GatewayOptions copy() {
        GatewayOptions c = new GatewayOptions();
        c.name = name;
        c.host = host;
        c.port = port;
        c.gateways = new ArrayList<>(gateways);
        return c;
    }
}
