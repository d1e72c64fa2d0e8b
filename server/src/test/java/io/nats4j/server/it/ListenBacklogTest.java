package io.nats4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nats4j.server.testsupport.ListenBacklog;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client port's accept queue is as long as nats-server's: the kernel's maximum (somaxconn, 4096 on current
 * Linux). With 1024, a burst of 5,000 connects overflowed it thousands of times and clients waited a second or
 * more for a SYN retry.
 */
@ExtendWith(TestServerExtension.class)
class ListenBacklogTest {

    @Test
    void clientPortBacklogIsTheKernelMaximumAsInNatsServer(TestServer server) throws Exception {
        assumeTrue(ListenBacklog.available(), "needs Linux with ss");
        assertEquals(ListenBacklog.somaxconn(), ListenBacklog.of(server.port()));
    }
}
