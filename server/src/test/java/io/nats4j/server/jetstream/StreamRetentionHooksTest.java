package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seams consumers use: stored() after the flush, needs()/acknowledged() for interest and work-queue retention. */
class StreamRetentionHooksTest {

    @TempDir
    Path dir;

    @Test
    void acknowledgedMessagesLeaveAnInterestStreamWhenNoListenerNeedsThem() throws Exception {
        ServerOptions o = new ServerOptions();
        o.host = "127.0.0.1";
        o.port = 0;
        o.jetStream.enabled = true;
        o.jetStream.storeDir = dir;
        try (NatsServer server = new NatsServer(o)) {
            server.start();
            try (Connection nc = Nats.connect(server.clientUrl())) {
                nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("I").subjects("i.*")
                        .storageType(StorageType.File).retentionPolicy(RetentionPolicy.Interest).build());
                Stream stream = server.jetStream().account(server.globalAccount()).stream("I");
                Set<Long> unacked = ConcurrentHashMap.newKeySet();
                Set<Long> heard = ConcurrentHashMap.newKeySet();
                stream.addListener(new StreamListener() {
                    @Override
                    public void stored(Stream s, long first, long last) {
                        for (long q = first; q <= last; q++) {
                            heard.add(q);
                            // durable before it is heard: the store has it
                            assertTrue(s.store().load(q) != null);
                            if (s.store().load(q).subject().equals("i.mine")) {
                                unacked.add(q);
                            }
                        }
                    }

                    @Override
                    public boolean needs(Stream s, long seq, String subject) {
                        return unacked.contains(seq);
                    }
                });
                for (int i = 0; i < 3; i++) {
                    nc.jetStream().publish("i.mine", new byte[1]);
                }
                nc.jetStream().publish("i.other", new byte[1]);
                stream.onWriter(() -> null).get(5, TimeUnit.SECONDS); // the listeners hear a batch after its acks
                assertEquals(Set.of(1L, 2L, 3L, 4L), heard);
                assertEquals(3, stream.store().state().msgs(), "i.other is needed by nobody");
                unacked.remove(2L);
                stream.acknowledged(2);
                stream.onWriter(() -> null).get(5, TimeUnit.SECONDS);
                assertEquals(2, stream.store().state().msgs());
                assertTrue(stream.store().load(2) == null);
                unacked.clear();
                stream.recheckInterest();
                stream.onWriter(() -> null).get(5, TimeUnit.SECONDS);
                assertEquals(0, stream.store().state().msgs());
            }
        }
    }
}
