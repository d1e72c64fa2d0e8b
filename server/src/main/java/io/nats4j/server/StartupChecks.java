package io.nats4j.server;

import io.nats4j.server.auth.Accounts;
import io.nats4j.server.tls.ServerTls;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every check start-up makes on the options before it binds a port, in one place: {@link NatsServer#start()}
 * takes its accounts and TLS context from {@link #run}, and {@code -t} runs the same method, so a
 * configuration that {@code -t} accepts cannot be refused at start-up for a reason it could have seen.
 * What is left to start-up alone depends on the machine at that moment (ports in use, the log file).
 */
public final class StartupChecks {

    /** Options the checks refuse; the message is what the server prints after {@code nats-server: }. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What the checks built, for start-up to use: the accounts and users, and the client port's TLS (or null). */
    public record Prepared(Accounts accounts, ServerTls tls) {
    }

    private StartupChecks() {
    }

    /**
     * Runs the checks; the message of the exception is what the server prints (one problem per line).
     * Builds the accounts (an operator's resolver directory is created, as start-up does) and loads the TLS
     * certificate and key.
     */
    public static Prepared run(ServerOptions o) throws Refused {
        try {
            return check(o);
        } catch (IOException e) {
            throw e instanceof Refused r ? r : new Refused(e.getMessage(), e);
        }
    }

    private static Prepared check(ServerOptions o) throws IOException {
        refuseUnsupported(o);
        if (o.httpPort != 0 && o.httpsPort != 0) {
            throw new IOException("Can't start monitoring: can't specify both HTTP (" + o.httpPort
                    + ") and HTTPs (" + o.httpsPort + ") ports");
        }
        if (o.httpsPort != 0 && o.tls == null) {
            throw new IOException("Can't start monitoring: TLS cert and key required for HTTPS");
        }
        Accounts accounts;
        try {
            accounts = Accounts.build(o);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        // reads the certificate and key files: here, before any event loop exists
        ServerTls tls = o.tls != null ? ServerTls.load(o.tls) : null;
        return new Prepared(accounts, tls);
    }

    /** Options whose capability is not built yet: refused, never silently ignored. */
    private static void refuseUnsupported(ServerOptions o) throws IOException {
        if (o.cluster.listening() && o.jetStream.configured()) {
            // nats-server runs a meta group for every clustered JetStream (even R1 streams): nats4j must not fake one
            throw new IOException("JetStream in a cluster (replicated JetStream, its meta group) is not built yet by "
                    + "nats4j: configure either cluster or jetstream, not both");
        }
        if (o.cluster.configured()) {
            io.nats4j.server.cluster.ClusterChecks.check(o);
        }
        List<String> unsupported = new ArrayList<>();
        if (o.gateway.configured()) {
            unsupported.add("gateways");
        }
        if (o.leafNodes.configured()) {
            unsupported.add("leaf nodes");
        }
        if (o.webSocket.configured()) {
            unsupported.add("WebSocket");
        }
        if (o.mqtt.configured()) {
            unsupported.add("MQTT");
        }
        if (!unsupported.isEmpty()) {
            throw new IOException(String.join(", ", unsupported) + " not supported yet by nats4j");
        }
    }
}
