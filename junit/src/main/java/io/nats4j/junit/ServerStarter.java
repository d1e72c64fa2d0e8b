package io.nats4j.junit;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** Turns a {@link NatsTest} into server options (through the public embedding API only) and starts the server. */
final class ServerStarter {

    private ServerStarter() {
    }

    /** How long a cluster may take to form its full mesh of routes before the start counts as failed. */
    static final Duration CLUSTER_FORM_TIMEOUT = Duration.ofSeconds(30);

    static RunningServer start(NatsTest a, Class<?> testClass, String where) {
        if (a.cluster() != 0) {
            return startCluster(a, testClass, where);
        }
        Path dir = null;
        NatsServer server = null;
        try {
            dir = Files.createTempDirectory("nats4j-junit-");
            ServerOptions options = options(a, testClass, dir, where);
            server = new NatsServer(options);
            server.start();
            return new RunningServer(List.of(server), null, a, dir);
        } catch (Exception | Error e) {
            if (server != null) {
                server.close();
            }
            RunningServer.deleteTree(dir);
            throw startFailure(e, where);
        }
    }

    /**
     * {@link NatsTest#cluster()} servers, each in a directory of its own under one temporary directory, started in
     * order with routes to every server started before it, then awaited until each has a route to every other.
     * On any failure the servers already started are stopped and the directory deleted before the error is thrown.
     */
    private static RunningServer startCluster(NatsTest a, Class<?> testClass, String where) {
        int n = a.cluster();
        if (n < 0) {
            throw new ExtensionConfigurationException("@NatsTest(cluster = " + n + ") on " + where
                    + ": the number of servers cannot be negative");
        }
        if (a.jetStream()) {
            // checked here so the test says why; the server itself refuses it too (StartupChecks)
            throw new ExtensionConfigurationException("@NatsTest(cluster = " + n + ", jetStream = true) on " + where
                    + ": nats4j does not support JetStream in a cluster (a server with both cluster and jetstream "
                    + "refuses to start); use a single server for JetStream tests");
        }
        if (a.port() != NatsTest.FREE_PORT) {
            throw new ExtensionConfigurationException("@NatsTest(cluster = " + n + ", port = " + a.port() + ") on "
                    + where + ": the servers of a cluster need a port each; leave port to FREE_PORT");
        }
        String name = "nats4j-junit-" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = null;
        List<NatsServer> servers = new ArrayList<>();
        try {
            dir = Files.createTempDirectory("nats4j-junit-cluster-");
            List<String> routes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path own = Files.createDirectory(dir.resolve("server-" + i));
                ServerOptions o = options(a, testClass, own, where);
                o.serverName = name + "-" + i;
                o.cluster.name = name;
                o.cluster.host = a.host();
                o.cluster.port = -1; // free
                o.cluster.routes = new ArrayList<>(routes);
                NatsServer s = new NatsServer(o);
                servers.add(s);
                s.start();
                routes.add("nats-route://" + hostForUrl(a.host()) + ":" + s.cluster().port());
            }
            NatsCluster cluster = new NatsCluster(name, servers);
            cluster.awaitRoutes(CLUSTER_FORM_TIMEOUT);
            return new RunningServer(servers, cluster, a, dir);
        } catch (Exception | Error e) {
            try {
                RunningServer.closeAll(servers);
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            } finally {
                RunningServer.deleteTree(dir);
            }
            throw startFailure(e, where);
        }
    }

    private static String hostForUrl(String host) {
        if (host.isEmpty() || host.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        if (host.equals("::")) {
            return "[::1]";
        }
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static RuntimeException startFailure(Throwable e, String where) {
        if (e instanceof ExtensionConfigurationException x) {
            return x;
        }
        return new ExtensionConfigurationException("@NatsTest on " + where + ": the server did not start: "
                + e.getMessage(), e);
    }

    static ServerOptions options(NatsTest a, Class<?> testClass, Path dir, String where) throws Exception {
        String text = configText(a, testClass, dir, where);
        ServerOptions o;
        if (text.isEmpty()) {
            o = new ServerOptions();
        } else {
            Path file = dir.resolve("nats4j-junit.conf");
            Files.writeString(file, text);
            o = ServerOptions.fromConfigFile(file);
        }
        o.host = a.host();
        o.port = a.port();
        if (a.jetStream()) {
            o.jetStream.enabled = true;
            o.jetStream.storeDir = dir.resolve("jetstream");
        }
        return o;
    }

    /** The config file the annotation describes: an include of its class-path file, then users and accounts. */
    static String configText(NatsTest a, Class<?> testClass, Path dir, String where) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (!a.config().isEmpty()) {
            sb.append("include ").append(quote(configFile(a.config(), testClass, dir, where).toString())).append('\n');
        }
        List<NatsUser> global = new ArrayList<>();
        Map<String, List<NatsUser>> accounts = new LinkedHashMap<>();
        for (String account : a.accounts()) {
            accounts.computeIfAbsent(account, k -> new ArrayList<>());
        }
        for (NatsUser u : a.users()) {
            if (u.account().isEmpty()) {
                global.add(u);
            } else {
                accounts.computeIfAbsent(u.account(), k -> new ArrayList<>()).add(u);
            }
        }
        if (!global.isEmpty()) {
            sb.append("authorization { users = ").append(users(global)).append(" }\n");
        }
        if (!accounts.isEmpty()) {
            sb.append("accounts {\n");
            // with JetStream, every account of the annotation has it (nats-server enables it per account)
            String js = a.jetStream() ? ", jetstream: enabled" : "";
            accounts.forEach((name, list) -> sb.append("  ").append(quote(name)).append(": { users = ")
                    .append(users(list)).append(js).append(" }\n"));
            sb.append("}\n");
        }
        return sb.toString();
    }

    private static String users(List<NatsUser> list) {
        StringBuilder sb = new StringBuilder("[");
        for (NatsUser u : list) {
            sb.append(" { user: ").append(quote(u.name())).append(", password: ").append(quote(u.password()))
                    .append(" }");
        }
        return sb.append(" ]").toString();
    }

    /** A double-quoted config string (the lexer decodes \" and \\). */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** The class-path file as a path: in place when it is a plain file, else copied into {@code dir}. */
    private static Path configFile(String name, Class<?> testClass, Path dir, String where) throws IOException {
        URL url = testClass.getResource(name);
        if (url == null && !name.startsWith("/")) {
            ClassLoader loader = testClass.getClassLoader();
            url = loader == null ? ClassLoader.getSystemResource(name) : loader.getResource(name);
        }
        if (url == null) {
            throw new ExtensionConfigurationException("@NatsTest(config = \"" + name + "\") on " + where
                    + ": no such resource on the class path (looked next to " + testClass.getName()
                    + " and at the class path root)");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                // fall through to the copy
            }
        }
        String fileName = name.substring(name.lastIndexOf('/') + 1);
        Path copy = dir.resolve(fileName.isEmpty() ? "included.conf" : fileName);
        try (InputStream in = url.openStream()) {
            Files.copy(in, copy);
        }
        return copy;
    }
}
