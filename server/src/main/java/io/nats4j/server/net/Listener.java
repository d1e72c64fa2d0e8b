package io.nats4j.server.net;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/** A bound listener: its spec, its listening channel and the port it got. */
public final class Listener {

    private final ListenerSpec spec;
    private final Channel channel;
    @SuppressWarnings("unused") // keeps an adopted socket's JDK owner reachable: see PreboundSocket
    private final Object socketOwner;

    Listener(ListenerSpec spec, Channel channel, Object socketOwner) {
        this.spec = spec;
        this.channel = channel;
        this.socketOwner = socketOwner;
    }

    public ListenerSpec spec() {
        return spec;
    }

    /** The bound port (the real one when the spec asked for a free port). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Starts accepting connections on a listener opened paused (see {@link Listeners#open}); idempotent. */
    public void startAccepting() {
        channel.config().setAutoRead(true);
    }

    /** Stops accepting; connections already accepted stay. Idempotent. */
    public void close() {
        channel.close().syncUninterruptibly();
    }

    @Override
    public String toString() {
        return spec.name() + " listener on " + channel.localAddress();
    }
}
