package io.nats4j.server.it;

import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A variable defined inside a block ({@code authorization { ENC = {...}, users: [{..., permissions: $ENC}] }})
 * works as nats-server has it (issue #11): the server starts and the permissions it names are enforced. Runs
 * against nats4j and nats-server.
 */
class BlockVariablesTest {

    private static final Duration WAIT = Duration.ofSeconds(3);

    @Test
    void permissionsFromAVariableDefinedInTheAuthorizationBlockAreEnforced() throws Exception {
        String config = """
                authorization {
                  ENC = { publish: "a.>", subscribe: "a.>" }
                  users: [ {user: u, password: p, permissions: $ENC} ]
                }
                """;
        try (TestServer server = TestServer.start(TestServer.defaultOptions(), config);
                RawClient c = RawClient.open(server)) {
            c.connect("{\"verbose\":false,\"user\":\"u\",\"pass\":\"p\"}").send("SUB a.x 1\r\nPUB a.x 1\r\nm\r\nPING\r\n");
            c.expect("MSG a.x 1 1\r\nm\r\n", WAIT).expect("PONG\r\n", WAIT);
            c.send("PUB b.x 1\r\nm\r\nPING\r\n");
            c.expect("-ERR 'Permissions Violation for Publish to \"b.x\"'\r\n", WAIT).expect("PONG\r\n", WAIT);
        }
    }
}
