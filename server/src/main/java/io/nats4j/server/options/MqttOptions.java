package io.nats4j.server.options;

/**
 * nats-server's {@code mqtt {}} block: an MQTT 3.1.1 listener (needs JetStream). Not built yet: a server with
 * any of these set refuses to start.
 */
public final class MqttOptions {

    public String host;
    /** 0 = not listening. */
    public int port;

    public boolean configured() {
        return host != null || port != 0;
    }

    public MqttOptions copy() {
        MqttOptions c = new MqttOptions();
        c.host = host;
        c.port = port;
        return c;
    }
}
