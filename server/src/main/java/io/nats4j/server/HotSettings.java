package io.nats4j.server;

import java.time.Duration;

/**
 * The settings event loops read while the server runs, as one immutable value. The server publishes a new
 * one atomically (a volatile reference) when a config reload changes any of them, so a connection never
 * sees half of a reload: it reads {@code max_payload}, {@code max_pending} and the rest from the same
 * snapshot, and nothing it holds changes under it.
 *
 * <p>{@link ServerOptions} stays the mutable builder an embedding application fills in; the server keeps a
 * private copy of it and derives this from that copy at start and at every reload.
 *
 * @param maxPayload          {@code max_payload}
 * @param maxControlLine      {@code max_control_line}
 * @param maxConnections      {@code max_connections} (client connections)
 * @param maxSubscriptions    {@code max_subscriptions} per connection, 0 = unlimited
 * @param maxPending          {@code max_pending} bytes per receiver before it is a slow consumer
 * @param writeDeadline       {@code write_deadline}
 * @param pingInterval        {@code ping_interval}
 * @param pingMax             {@code ping_max}
 * @param authTimeout         {@code authorization { timeout }}
 * @param maxTracedMsgLen     {@code max_traced_msg_len}, 0 = unlimited
 * @param noHeaderSupport     {@code no_header_support} (not reloadable, read at CONNECT)
 * @param lameDuckDuration    {@code lame_duck_duration}
 * @param lameDuckGracePeriod {@code lame_duck_grace_period}
 */
public record HotSettings(int maxPayload, int maxControlLine, int maxConnections, int maxSubscriptions,
        long maxPending, Duration writeDeadline, Duration pingInterval, int pingMax, Duration authTimeout,
        int maxTracedMsgLen, boolean noHeaderSupport, Duration lameDuckDuration, Duration lameDuckGracePeriod) {

    /** The hot settings of {@code o} (read once; later changes to {@code o} do not show here). */
    public static HotSettings of(ServerOptions o) {
        return new HotSettings(o.maxPayload, o.maxControlLine, o.maxConnections, o.maxSubscriptions, o.maxPending,
                o.writeDeadline, o.pingInterval, o.pingMax, o.authTimeout, o.maxTracedMsgLen, o.noHeaderSupport,
                o.lameDuckDuration, o.lameDuckGracePeriod);
    }
}
