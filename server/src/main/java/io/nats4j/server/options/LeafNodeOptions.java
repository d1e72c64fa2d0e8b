package io.nats4j.server.options;

import java.util.ArrayList;
import java.util.List;

/**
 * nats-server's {@code leafnodes {}} block: the leaf node listener (hub side) and the remotes to connect to
 * (spoke side). Not built yet: a server with any of these set refuses to start.
 */
public final class LeafNodeOptions {

    /** {@code leafnodes { host }}; null = not listening. */
    public String host;
    /** {@code leafnodes { port }}; 0 = not listening. */
    public int port;
    /** {@code leafnodes { remotes [ { url } ] }}: URLs of the hubs to connect to. */
    public List<String> remotes = new ArrayList<>();

    public boolean configured() {
        return host != null || port != 0 || !remotes.isEmpty();
    }

    public LeafNodeOptions copy() {
        LeafNodeOptions c = new LeafNodeOptions();
        c.host = host;
        c.port = port;
        c.remotes = new ArrayList<>(remotes);
        return c;
    }
}
