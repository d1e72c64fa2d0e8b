package com.example.greeter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats4j.junit.NatsTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@NatsTest // a NATS server in this JVM for this class, on a free port; stopped after the class
class GreeterTest {

    @Test
    void answersRequests(Connection nc) throws Exception { // connected to that server, closed after the test
        try (Greeter greeter = new Greeter(nc)) {
            nc.flush(Duration.ofSeconds(2));
            Message reply = nc.request("greet", "NATS".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));
            assertEquals("Hello, NATS!", new String(reply.getData(), StandardCharsets.UTF_8));
        }
    }
}
