package io.nats4j.server.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.testsupport.RawClient;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's own publisher goes through the same fan-out as a client's publish, without a text round trip. */
class InternalClientTest {

    private NatsServer server;

    @BeforeEach
    void start() throws Exception {
        server = new NatsServer(TestServer.defaultOptions());
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anInternalPublishReachesClientsInternalSubscribersAndCountsAsOutMessages() throws Exception {
        Account global = server.globalAccount();
        List<String> internal = new CopyOnWriteArrayList<>();
        global.subscribe(new Subscription(new InternalSubscriber() {
            @Override
            public long id() {
                return -77;
            }

            @Override
            public void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply,
                    byte[] headers, byte[] payload) {
                internal.add(subject + " " + reply + " " + (headers == null ? "-" : new String(headers, StandardCharsets.US_ASCII).strip())
                        + " " + new String(payload, StandardCharsets.UTF_8) + " " + (from == null ? "server" : "client"));
            }
        }, "i.>", null, new byte[] {'1'}));
        try (RawClient withHeaders = RawClient.open(server.port(), 0);
                RawClient without = RawClient.open(server.port(), 0)) {
            withHeaders.connect("{\"verbose\":false,\"pedantic\":false,\"headers\":true}").send("SUB i.x 5\r\n").sync();
            without.connect("{\"verbose\":false,\"pedantic\":false}").send("SUB i.* 6\r\n").sync();
            long outBefore = server.statistics().outMsgs.sum();
            byte[] hdr = "NATS/1.0\r\nK: v\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            InternalClient ic = new InternalClient(server.statistics());
            assertEquals(3, ic.publish(global, "i.x", "the.reply", hdr, "body".getBytes(StandardCharsets.UTF_8)));
            withHeaders.expect("HMSG i.x 5 the.reply " + hdr.length + " " + (hdr.length + 4) + "\r\nNATS/1.0\r\nK: v\r\n\r\nbody\r\n",
                    Duration.ofSeconds(3));
            without.expect("MSG i.x 6 the.reply 4\r\nbody\r\n", Duration.ofSeconds(3));
            assertEquals(List.of("i.x the.reply NATS/1.0\r\nK: v body server"), internal);
            assertEquals(outBefore + 2, server.statistics().outMsgs.sum(), "the two clients' copies");

            assertEquals(2, ic.publish(global, "i.y", null, null, null));
            without.expect("MSG i.y 6 0\r\n\r\n", Duration.ofSeconds(3));
            withHeaders.expectNothing(Duration.ofMillis(100));
        }
    }
}
