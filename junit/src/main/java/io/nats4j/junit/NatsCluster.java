package io.nats4j.junit;

import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The servers of a {@link NatsTest#cluster()} test, injected as a parameter of this type: N nats4j servers in
 * the test JVM, each with a free client port and a free route port on loopback, joined into one full mesh of
 * routes before the first test runs (every server has a route to every other).
 *
 * <pre>{@code
 * @NatsTest(cluster = 3)
 * class FailoverTest {
 *     @Test
 *     void reachesEveryServer(NatsCluster cluster, @ClusterNode(2) Connection sub, @ClusterNode(0) Connection pub)
 *             throws Exception {
 *         Subscription s = sub.subscribe("orders");
 *         sub.flush(Duration.ofSeconds(1));
 *         cluster.awaitInterest("orders");      // the subscription has crossed the routes
 *         pub.publish("orders", "1".getBytes());
 *         assertNotNull(s.nextMessage(Duration.ofSeconds(2)));
 *     }
 * }
 * }</pre>
 *
 * <p>A test may stop a server ({@code cluster.server(1).close()}) to see what clients and the others do; the
 * extension stops the rest and deletes every temporary directory after the test or class, passed or failed.
 */
public final class NatsCluster {

    /** How long {@link #awaitInterest} and {@link #awaitRoutes} wait by default. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final String name;
    private final List<NatsServer> servers;

    NatsCluster(String name, List<NatsServer> servers) {
        this.name = name;
        this.servers = List.copyOf(servers);
    }

    /** The cluster's name ({@code cluster { name }}), unique per test run so parallel clusters never meet. */
    public String name() {
        return name;
    }

    /** How many servers the cluster was started with. */
    public int size() {
        return servers.size();
    }

    /** Server {@code index} (0 to {@code size() - 1}, in start order). */
    public NatsServer server(int index) {
        if (index < 0 || index >= servers.size()) {
            throw new IndexOutOfBoundsException("server " + index + " of a cluster of " + servers.size());
        }
        return servers.get(index);
    }

    /** The servers in start order (also those a test stopped). */
    public List<NatsServer> servers() {
        return servers;
    }

    /** Each server's client URL, {@code nats://127.0.0.1:<port>}, in start order. */
    public List<String> clientUrls() {
        List<String> urls = new ArrayList<>(servers.size());
        for (NatsServer s : servers) {
            urls.add(s.clientUrl());
        }
        return urls;
    }

    /**
     * Every server's client URL, comma-separated: what jnats's {@code Nats.connect(String)} and
     * {@code Options.Builder.server(String)} take to know the whole cluster.
     */
    public String connectUrl() {
        return String.join(",", clientUrls());
    }

    /** Waits until every running server has a route to every other running server (e.g. after a restart). */
    public void awaitRoutes(Duration timeout) {
        waitFor(() -> {
            int running = 0;
            for (NatsServer s : servers) {
                running += s.isRunning() ? 1 : 0;
            }
            for (NatsServer s : servers) {
                if (s.isRunning() && (s.cluster() == null || s.cluster().routes().size() != running - 1)) {
                    return false;
                }
            }
            return true;
        }, timeout, "a full mesh of routes in cluster " + name);
    }

    /**
     * Waits until every running server knows of a subscriber to {@code subject} in the global account (its own
     * or one on another server, learnt over a route): from then on a message published on any server reaches it.
     * Interest crosses routes asynchronously, so a test that subscribes on one server and publishes on another
     * calls this in between (after flushing the subscribing connection).
     */
    public void awaitInterest(String subject) {
        awaitInterest(Account.GLOBAL, subject, DEFAULT_WAIT);
    }

    /** {@link #awaitInterest(String)} in a named account, with a time limit. */
    public void awaitInterest(String account, String subject, Duration timeout) {
        waitFor(() -> {
            for (NatsServer s : servers) {
                if (!s.isRunning()) {
                    continue;
                }
                Account a = s.accounts().get(account);
                if (a == null || a.match(subject).isEmpty()) {
                    return false;
                }
            }
            return true;
        }, timeout, "interest in \"" + subject + "\" (account " + account + ") on every server of cluster " + name);
    }

    static void waitFor(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
