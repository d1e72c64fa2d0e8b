package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.jetstream.api.JsError;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.sys.InternalClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PubAcks of a batch: nats-server's JSON, each body whole although one array is reused for all of them. */
class PubAcksTest {

    private final Account account = new Account("A");
    private final List<String> got = new ArrayList<>();

    private void subscribe(String subject) {
        InternalSubscriber s = new InternalSubscriber() {
            @Override
            public long id() {
                return -7;
            }

            @Override
            public void deliverInternal(Subscription sub, ClientConnection from, String subj, String reply,
                    byte[] headers, byte[] payload) {
                got.add(subj + " " + new String(payload, StandardCharsets.UTF_8));
            }
        };
        account.subscribe(new Subscription(s, subject, null, new byte[] {'1'}));
    }

    @Test
    void batchOfAcksEachWithItsOwnSequence() {
        subscribe("in.>");
        PubAcks acks = new PubAcks("ORDERS", null, new InternalClient(null));
        acks.ok("in.1", 9, false);
        acks.ok("in.1", 10, false);
        acks.ok("in.2", 1234567890123L, true);
        acks.error("in.2", JsError.STREAM_SEALED.error());
        acks.ok("in.1", 7, false);
        acks.send(account);
        assertEquals(List.of(
                "in.1 {\"stream\":\"ORDERS\", \"seq\":9}",
                "in.1 {\"stream\":\"ORDERS\", \"seq\":10}",
                "in.2 {\"stream\":\"ORDERS\", \"seq\":1234567890123,\"duplicate\": true}",
                "in.2 {\"error\":{\"code\":400,\"err_code\":10109,\"description\":\"invalid operation on sealed stream\"},"
                        + "\"stream\":\"ORDERS\",\"seq\":0}",
                "in.1 {\"stream\":\"ORDERS\", \"seq\":7}"), got);
        got.clear();
        acks.send(account);
        assertEquals(List.of(), got, "sent acks are forgotten");
    }

    @Test
    void domainAndFailedBatch() {
        subscribe("in.>");
        PubAcks acks = new PubAcks("S", "hub", new InternalClient(null));
        acks.ok("in.1", 3, false);
        acks.send(account);
        acks.ok("in.1", 4, false);
        acks.ok("in.2", 5, false);
        acks.failAll(account, JsError.STREAM_SEALED.error());
        String err = "{\"error\":{\"code\":400,\"err_code\":10109,\"description\":\"invalid operation on sealed stream\"},"
                + "\"stream\":\"S\",\"seq\":0,\"domain\":\"hub\"}";
        assertEquals(List.of("in.1 {\"stream\":\"S\", \"domain\":\"hub\", \"seq\":3}", "in.1 " + err, "in.2 " + err), got);
    }
}
