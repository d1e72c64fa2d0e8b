package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.Http;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import org.junit.jupiter.api.Test;

/** /connz?auth=1 names the user each connection authenticated as (nats-server's authorized_user). */
class ConnzAuthorizedUserTest {

    @Test
    void authOneShowsTheAuthorizedUserOfOpenAndClosedConnections() throws Exception {
        ServerOptions o = TestServer.defaultOptions();
        o.httpPort = -1;
        String config = "authorization { users = [ {user: alice, password: secret1}, {user: bob, password: secret2} ] }";
        try (TestServer server = TestServer.start(o, config)) {
            try (RawClient alice = RawClient.open(server)) {
                alice.connect("{\"verbose\":false,\"user\":\"alice\",\"pass\":\"secret1\"}").sync();
                try (RawClient bob = RawClient.open(server)) {
                    bob.connect("{\"verbose\":false,\"user\":\"bob\",\"pass\":\"secret2\"}").sync();
                }
                JsonNode open = Http.json(server.monitorUrl() + "/connz?auth=1");
                assertEquals(1, open.get("num_connections").asInt(), open.toString());
                assertEquals("alice", open.get("connections").get(0).path("authorized_user").asText(), open.toString());
                assertFalse(open.toString().contains("secret"), "no password: " + open);
                JsonNode plain = Http.json(server.monitorUrl() + "/connz");
                assertFalse(plain.get("connections").get(0).has("authorized_user"), "only with auth=1: " + plain);
                JsonNode closed = awaitClosed(server);
                boolean bob = false;
                for (JsonNode c : closed.get("connections")) {
                    bob |= c.path("authorized_user").asText().equals("bob");
                }
                assertTrue(bob, "the closed connection keeps its user: " + closed);
            }
        }
    }

    private static JsonNode awaitClosed(TestServer server) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        JsonNode n;
        do {
            n = Http.json(server.monitorUrl() + "/connz?auth=1&state=closed");
            if (n.toString().contains("\"bob\"")) {
                return n;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return n;
    }
}
