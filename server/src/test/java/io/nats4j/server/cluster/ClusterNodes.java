package io.nats4j.server.cluster;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.GoTestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Starts nats4j and nats-server nodes of one cluster on loopback, and waits for conditions (never sleeps blind). */
final class ClusterNodes implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> started = new ArrayList<>();
    final String name;

    ClusterNodes(String name) {
        this.name = name;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Options of a nats4j node: client port free, route port {@code routePort} (-1: free), routes to the URLs. */
    ServerOptions options(int routePort, String... routes) {
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        o.cluster.name = name;
        o.cluster.host = "127.0.0.1";
        o.cluster.port = routePort;
        o.cluster.routes = new ArrayList<>(List.of(routes));
        return o;
    }

    NatsServer nats4j(int routePort, String... routes) throws IOException {
        return nats4j(options(routePort, routes));
    }

    NatsServer nats4j(ServerOptions o) throws IOException {
        return nats4j(o, null);
    }

    NatsServer nats4j(ServerOptions o, io.nats4j.server.log.ServerLogger log) throws IOException {
        NatsServer s = new NatsServer(o, log);
        s.start();
        started.add(s);
        return s;
    }

    /** A nats-server node of this cluster; {@code extra} goes inside its cluster block. */
    GoTestServer go(int routePort, String extra, String... routes) throws IOException {
        return goWith("", routePort, extra, routes);
    }

    /** Same, with {@code topLevel} config text (accounts, ...) before the cluster block. */
    GoTestServer goWith(String topLevel, int routePort, String extra, String... routes) throws IOException {
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        o.httpPort = -1; // its /routez and /varz, to compare with ours
        StringBuilder conf = new StringBuilder("\n" + topLevel + "\ncluster {\n  name: \"" + name + "\"\n  listen: \"127.0.0.1:" + routePort
                + "\"\n");
        if (routes.length > 0) {
            conf.append("  routes: [");
            for (int i = 0; i < routes.length; i++) {
                conf.append(i == 0 ? "" : ", ").append('"').append(routes[i]).append('"');
            }
            conf.append("]\n");
        }
        conf.append(extra == null ? "" : extra).append("}\n");
        GoTestServer g = new GoTestServer(o, conf.toString());
        g.start();
        started.add(g);
        return g;
    }

    static String routeUrl(int port) {
        return "nats-route://127.0.0.1:" + port;
    }

    static void waitFor(BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void waitForRoutes(NatsServer s, int n) {
        waitFor(() -> s.cluster() != null && s.cluster().routes().size() == n,
                s.serverName() + " to have " + n + " route(s)");
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }
}
