package com.example.greeter;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.nio.charset.StandardCharsets;

/** The application code under test: a service that answers requests on "greet" with "Hello, <name>!". */
public final class Greeter implements AutoCloseable {

    private final Dispatcher dispatcher;

    public Greeter(Connection nc) {
        dispatcher = nc.createDispatcher(msg -> {
            String name = new String(msg.getData(), StandardCharsets.UTF_8);
            nc.publish(msg.getReplyTo(), ("Hello, " + name + "!").getBytes(StandardCharsets.UTF_8));
        });
        dispatcher.subscribe("greet", "greeters");
    }

    @Override
    public void close() {
        dispatcher.unsubscribe("greet");
    }
}
