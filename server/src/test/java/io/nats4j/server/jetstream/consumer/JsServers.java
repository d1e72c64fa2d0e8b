package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.nio.file.Path;

/** Starts a JetStream-enabled test server (nats4j or nats-server -js, as the run chooses) on {@code storeDir}. */
final class JsServers {

    private JsServers() {
    }

    static TestServer start(Path storeDir) throws IOException {
        ServerOptions o = TestServer.defaultOptions();
        if (TestServer.isGoServer()) {
            return TestServer.start(o, "jetstream { store_dir: \"" + storeDir.toAbsolutePath() + "\" }");
        }
        o.jetStream.enabled = true;
        o.jetStream.storeDir = storeDir;
        return TestServer.start(o);
    }
}
