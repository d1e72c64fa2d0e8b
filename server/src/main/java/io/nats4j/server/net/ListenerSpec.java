package io.nats4j.server.net;

import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.tls.ServerTls;
import java.util.function.Supplier;

/**
 * Everything one listener is: which kind of connection it accepts, where it binds, where TLS goes, and the
 * pipeline factory of its kind. {@link Listeners#open} turns it into a bound {@link Listener}.
 *
 * @param name      for logs and errors ("client", "route", ...)
 * @param kind      the kind of the connections it accepts
 * @param host      interface to bind
 * @param port      port to bind; 0 = a free port
 * @param placement where TLS goes in the pipeline
 * @param tls       the listener's current TLS (read at every accept, so a reload applies to new connections);
 *                  returns null while TLS is off
 * @param pipeline  the kind's handlers
 */
public record ListenerSpec(String name, ConnectionKind kind, String host, int port, TlsPlacement placement,
        Supplier<ServerTls> tls, PipelineFactory pipeline) {

    /** A listener without TLS. */
    public static ListenerSpec plain(String name, ConnectionKind kind, String host, int port, PipelineFactory pipeline) {
        return new ListenerSpec(name, kind, host, port, TlsPlacement.NONE, () -> null, pipeline);
    }
}
