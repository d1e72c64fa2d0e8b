package io.nats4j.server;

/** Version strings. */
public final class Version {

    /**
     * The nats-server release whose client-visible behaviour nats4j implements. Sent as {@code version}
     * in INFO (clients switch features on it) and printed by {@code --version} as nats-server does.
     */
    public static final String NATS_SERVER = "2.10.22";

    /** nats4j's own version, shown after the nats-server line, in the log and in monitoring. */
    public static final String NATS4J = "0.1.0";

    /** Client protocol version sent in INFO. */
    public static final int PROTO = 1;

    private Version() {
    }
}
