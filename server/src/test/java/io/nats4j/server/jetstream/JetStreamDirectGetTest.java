package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code $JS.API.DIRECT.GET}: served only for streams with {@code allow_direct}; any other request finds no
 * responder (a 503 status at once, not a timeout), as with nats-server. Runs against nats-server -js too.
 */
class JetStreamDirectGetTest {

    @TempDir
    Path dir;
    private TestServer server;
    private Connection nc;
    private JetStreamManagement jsm;
    private JetStream js;
    private Subscription inbox;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.defaultOptions(), "jetstream { store_dir: \"" + dir.toAbsolutePath() + "\" }");
        nc = Nats.connect(server.url());
        jsm = nc.jetStreamManagement();
        js = nc.jetStream();
        inbox = nc.subscribe("my.inbox");
    }

    @AfterEach
    void stop() throws Exception {
        nc.close();
        server.close();
    }

    /** Publishes a request with reply my.inbox and returns the one answer (or fails after 2 s). */
    private Message ask(String subject, String body) throws Exception {
        long start = System.nanoTime();
        nc.publish(subject, "my.inbox", body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        Message m = inbox.nextMessage(Duration.ofSeconds(2));
        assertNotNull(m, "no answer (not even no-responders) to " + subject + " after "
                + (System.nanoTime() - start) / 1_000_000 + " ms");
        return m;
    }

    private static void assertStatus(Message m, int code, String text) {
        assertTrue(m.isStatusMessage(), "a status message: " + m);
        assertEquals(code, m.getStatus().getCode(), m.toString());
        if (text != null) {
            assertEquals(text, m.getStatus().getMessage(), m.toString());
        }
    }

    /**
     * A request nobody serves fails at once with the client's no-responders error (the server's 503 status), not
     * a timeout. nats-server 2.10 answers so (its JetStream API import does not take direct gets, so only a
     * stream with allow_direct is a responder); the 2.9.10 reference binary here lets the request time out, so
     * the check is nats4j's only.
     */
    private void noResponders(String subject, String body) throws Exception {
        if (TestServer.isGoServer()) {
            return;
        }
        long start = System.nanoTime();
        java.util.concurrent.CompletableFuture<Message> f = nc.request(subject,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> f.get(5, java.util.concurrent.TimeUnit.SECONDS), subject);
        assertFalse(e instanceof java.util.concurrent.TimeoutException, "no-responders, not a timeout: " + subject);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 2000, "failed fast: " + ms + " ms");
    }

    @Test
    void streamWithoutAllowDirectHasNoResponder() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("S").subjects("s.>").storageType(StorageType.Memory).build());
        js.publish("s.a", "x".getBytes());
        noResponders("$JS.API.DIRECT.GET.S", "{\"seq\":1}");
        noResponders("$JS.API.DIRECT.GET.S.s.a", null);
        noResponders("$JS.API.DIRECT.GET.NOPE", "{\"seq\":1}");
        assertNull(inbox.nextMessage(Duration.ofMillis(200)), "nothing on the inbox");
    }

    @Test
    void allowDirectServesAndFollowsUpdatesAndDelete() throws Exception {
        StreamConfiguration.Builder b = StreamConfiguration.builder().name("D").subjects("d.>")
                .storageType(StorageType.Memory);
        jsm.addStream(b.allowDirect(true).build());
        js.publish("d.a", "one".getBytes());
        js.publish(io.nats.client.impl.NatsMessage.builder().subject("d.b").headers(new Headers().add("K", "v"))
                .data("two".getBytes()).build());
        js.publish("d.a", "three".getBytes());

        Message bySeq = ask("$JS.API.DIRECT.GET.D", "{\"seq\":2}");
        assertEquals("two", new String(bySeq.getData(), StandardCharsets.UTF_8));
        assertEquals("D", bySeq.getHeaders().getFirst("Nats-Stream"));
        assertEquals("d.b", bySeq.getHeaders().getFirst("Nats-Subject"));
        assertEquals("2", bySeq.getHeaders().getFirst("Nats-Sequence"));
        assertEquals("v", bySeq.getHeaders().getFirst("K"));
        assertNotNull(bySeq.getHeaders().getFirst("Nats-Time-Stamp"));

        Message last = ask("$JS.API.DIRECT.GET.D.d.a", null);
        assertEquals("three", new String(last.getData(), StandardCharsets.UTF_8));
        assertEquals("3", last.getHeaders().getFirst("Nats-Sequence"));
        Message next = ask("$JS.API.DIRECT.GET.D", "{\"seq\":2,\"next_by_subj\":\"d.a\"}");
        assertEquals("3", next.getHeaders().getFirst("Nats-Sequence"));
        Message lastBy = ask("$JS.API.DIRECT.GET.D", "{\"last_by_subj\":\"d.b\"}");
        assertEquals("2", lastBy.getHeaders().getFirst("Nats-Sequence"));

        assertStatus(ask("$JS.API.DIRECT.GET.D", "{\"seq\":99}"), 404, "Message Not Found");
        assertStatus(ask("$JS.API.DIRECT.GET.D.d.zzz", null), 404, "Message Not Found");
        assertStatus(ask("$JS.API.DIRECT.GET.D", null), 408, "Empty Request");
        assertStatus(ask("$JS.API.DIRECT.GET.D", "{}"), 408, "Empty Request");
        assertStatus(ask("$JS.API.DIRECT.GET.D", "{\"seq\":1,\"last_by_subj\":\"d.a\"}"), 408, "Bad Request");
        assertStatus(ask("$JS.API.DIRECT.GET.D", "{nope"), 408, "Malformed Request");
        assertStatus(ask("$JS.API.DIRECT.GET.D.d.a", "body"), 408, "Bad Request");

        // turned off by an update: no responder; on again: served
        jsm.updateStream(b.allowDirect(false).build());
        noResponders("$JS.API.DIRECT.GET.D", "{\"seq\":1}");
        jsm.updateStream(b.allowDirect(true).build());
        assertEquals("one", new String(ask("$JS.API.DIRECT.GET.D", "{\"seq\":1}").getData(), StandardCharsets.UTF_8));

        jsm.deleteStream("D");
        noResponders("$JS.API.DIRECT.GET.D", "{\"seq\":1}");
        noResponders("$JS.API.DIRECT.GET.D.d.a", null);
    }
}
