package com.example.greeter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats4j.junit.ClusterNode;
import io.nats4j.junit.NatsCluster;
import io.nats4j.junit.NatsTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@NatsTest(cluster = 3) // three NATS servers in this JVM, joined by routes; stopped after the class
class GreeterClusterTest {

    @Test
    void answersRequestsFromAnotherServer(NatsCluster cluster, @ClusterNode(2) Connection service,
            @ClusterNode(0) Connection client) throws Exception {
        try (Greeter greeter = new Greeter(service)) {
            service.flush(Duration.ofSeconds(2));
            cluster.awaitInterest("greet"); // the greeter's subscription has reached every server
            Message reply = client.request("greet", "cluster".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));
            assertEquals("Hello, cluster!", new String(reply.getData(), StandardCharsets.UTF_8));
        }
    }
}
