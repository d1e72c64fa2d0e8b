package io.nats4j.junit;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** Turns a {@link NatsTest} into server options (through the public embedding API only) and starts the server. */
final class ServerStarter {

    private ServerStarter() {
    }

    static RunningServer start(NatsTest a, Class<?> testClass, String where) {
        Path dir = null;
        NatsServer server = null;
        try {
            dir = Files.createTempDirectory("nats4j-junit-");
            ServerOptions options = options(a, testClass, dir, where);
            server = new NatsServer(options);
            server.start();
            return new RunningServer(server, a, dir);
        } catch (Exception | Error e) {
            if (server != null) {
                server.close();
            }
            RunningServer.deleteTree(dir);
            if (e instanceof ExtensionConfigurationException x) {
                throw x;
            }
            throw new ExtensionConfigurationException("@NatsTest on " + where + ": the server did not start: "
                    + e.getMessage(), e);
        }
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
