package io.nats4j.server.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CoreSmokeTest {

    @Test
    void pubSubAndRequestReplyWithJnats() throws Exception {
        ServerOptions o = new ServerOptions();
        o.port = 0;
        o.host = "127.0.0.1";
        try (NatsServer s = new NatsServer(o)) {
            s.start();
            try (Connection a = Nats.connect(s.clientUrl()); Connection b = Nats.connect(s.clientUrl())) {
                Subscription sub = a.subscribe("foo.*");
                a.flush(Duration.ofSeconds(2));
                b.publish("foo.bar", "hello".getBytes(StandardCharsets.UTF_8));
                Message m = sub.nextMessage(Duration.ofSeconds(2));
                assertNotNull(m);
                assertEquals("hello", new String(m.getData(), StandardCharsets.UTF_8));
                a.createDispatcher(msg -> a.publish(msg.getReplyTo(), msg.getData())).subscribe("echo");
                a.flush(Duration.ofSeconds(2));
                Message r = b.request("echo", "ping".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));
                assertEquals("ping", new String(r.getData(), StandardCharsets.UTF_8));
            }
        }
    }
}
