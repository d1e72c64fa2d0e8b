package io.nats4j.server.it;

import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import io.nats4j.server.testsupport.TestServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A subscriber that did not announce header support gets HPUB messages as MSG without the headers. */
@ExtendWith(TestServerExtension.class)
class HeaderStrippingTest {

    @Test
    void headersAreStrippedForClientsWithoutHeaderSupport(TestServer server) throws Exception {
        try (RawClient plain = RawClient.open(server); RawClient modern = RawClient.open(server);
                RawClient pub = RawClient.open(server)) {
            plain.connect("{\"verbose\":false,\"headers\":false}").send("SUB foo 1\r\n").sync();
            modern.connect("{\"verbose\":false,\"headers\":true}").send("SUB foo 7\r\n").sync();
            pub.connect("{\"verbose\":false,\"headers\":true}")
                    .send("HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nHPUB foo reply 12 12\r\nNATS/1.0\r\n\r\n\r\n").sync();
            plain.expect("MSG foo 1 2\r\nhi\r\nMSG foo 1 reply 0\r\n\r\n");
            modern.expect("HMSG foo 7 12 14\r\nNATS/1.0\r\n\r\nhi\r\nHMSG foo 7 reply 12 12\r\nNATS/1.0\r\n\r\n\r\n");
        }
    }

    @Test
    void anEmptyHeaderBlockIsDeliveredAsAPlainMessage(TestServer server) throws Exception {
        // nats-server 2.9.10: HPUB with a header size of 0 is no header message: MSG for every subscriber
        try (RawClient plain = RawClient.open(server); RawClient modern = RawClient.open(server);
                RawClient pub = RawClient.open(server)) {
            plain.connect("{\"verbose\":false,\"headers\":false}").send("SUB x 1\r\n").sync();
            modern.connect("{\"verbose\":false,\"headers\":true}").send("SUB x 7\r\n").sync();
            pub.connect("{\"verbose\":false,\"headers\":true}").send("HPUB x 0 2\r\nhi\r\nHPUB x r 0 0\r\n\r\n").sync();
            plain.expect("MSG x 1 2\r\nhi\r\nMSG x 1 r 0\r\n\r\n");
            modern.expect("MSG x 7 2\r\nhi\r\nMSG x 7 r 0\r\n\r\n");
        }
    }
}
