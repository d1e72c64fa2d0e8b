package io.nats4j.server;

import io.nats4j.server.auth.ServerKey;
import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.options.JetStreamOptions;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.monitor.Monitor;
import io.nats4j.server.monitor.MonitorHttpServer;
import io.nats4j.server.sys.AuthCalloutService;
import io.nats4j.server.sys.SystemAccountService;
import io.nats4j.server.tls.ServerTls;
import java.io.IOException;

/**
 * The server's internal services and their lifecycle, split out of {@link NatsServer}: the monitoring HTTP
 * listener, the system account's services ($SYS), JetStream and the auth callout (made on the first client that
 * needs it). {@link NatsServer#start()} starts them in its order; {@link #stop()} stops $SYS and the callout.
 */
final class ServerServices {

    private final NatsServer server;
    /** The server's signing nkey; null when no auth callout can be configured (then no callout service is made). */
    private final ServerKey serverKey;
    /** System account events and services; null with no_system_account or before start. */
    private volatile SystemAccountService sys;
    /** The auth callout (configuration mode); null without one. */
    private volatile AuthCalloutService authCallout;
    /** Guards making {@link #authCallout} (not the server's monitor: reload holds that while clients work). */
    private final Object calloutLock = new Object();
    /** JetStream, when enabled; made by start(). */
    private volatile JetStream jetStream;
    private volatile MonitorHttpServer httpServer;

    ServerServices(NatsServer server, ServerKey serverKey) {
        this.server = server;
        this.serverKey = serverKey;
    }

    // ---------------------------------------------------------------- monitoring

    void startMonitoring(ServerOptions o, String clientHost, Monitor monitor, ServerTls tls, ServerLogger log)
            throws IOException {
        String httpHost = o.httpHost == null || o.httpHost.isEmpty() ? clientHost : o.httpHost;
        MonitorHttpServer http = new MonitorHttpServer(server, monitor, log);
        boolean secure = o.httpsPort != 0;
        http.start(httpHost, secure ? o.httpsPort : o.httpPort, secure ? tls : null);
        httpServer = http;
        log.notice("Starting " + (secure ? "https" : "http") + " monitor on " + ServerFiles.hostPort(httpHost, http.port()));
    }

    void stopMonitoring() {
        MonitorHttpServer h = httpServer;
        if (h != null) {
            h.close();
        }
    }

    /** The bound monitoring port, or 0 when monitoring is off. */
    int monitorPort() {
        MonitorHttpServer h = httpServer;
        return h == null ? 0 : h.port();
    }

    // ---------------------------------------------------------------- $SYS

    void startSystemAccount() {
        SystemAccountService s = new SystemAccountService(server);
        s.start();
        sys = s;
    }

    SystemAccountService systemAccount() {
        return sys;
    }

    /** A start that failed: the system account service (already shut down by {@link #stop()}) is forgotten. */
    void forgetSystemAccount() {
        sys = null;
    }

    // ---------------------------------------------------------------- JetStream

    /** Starts JetStream (recovering its streams); on failure closes what it opened and throws nats-server's text. */
    void startJetStream(JetStreamOptions options) throws IOException {
        JetStream j = new JetStream(server, options);
        try {
            j.start();
        } catch (IOException | RuntimeException e) {
            j.close();
            throw new IOException("Could not start JetStream: " + e.getMessage(), e);
        }
        jetStream = j;
    }

    JetStream jetStream() {
        return jetStream;
    }

    void closeJetStream() {
        JetStream j = jetStream;
        if (j != null) {
            j.close();
        }
    }

    // ---------------------------------------------------------------- auth callout

    /**
     * The auth callout service, made on the first client that needs it (its thread and JSON stay out of the
     * start-up); null when no callout is configured or the server is shutting down.
     */
    AuthCalloutService calloutService() {
        AuthCalloutService s = authCallout;
        if (s != null || serverKey == null) {
            return s;
        }
        synchronized (calloutLock) {
            if (authCallout == null && !server.isShuttingDown()
                    && (server.accounts().callout() != null || server.accounts().operatorMode() != null)) {
                authCallout = new AuthCalloutService(server, serverKey);
            }
            return authCallout;
        }
    }

    // ---------------------------------------------------------------- stop

    /** Stops $SYS (its SHUTDOWN event reaches listeners first) and the callout. */
    void stop() {
        SystemAccountService s = sys;
        if (s != null) {
            s.shutdown();
        }
        AuthCalloutService ac;
        synchronized (calloutLock) {
            ac = authCallout; // shuttingDown is set: no callout service is made after this
        }
        if (ac != null) {
            ac.shutdown();
        }
    }
}
