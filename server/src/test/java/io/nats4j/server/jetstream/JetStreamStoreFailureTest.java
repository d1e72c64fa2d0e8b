package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.Subscription;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats4j.server.jetstream.store.ConsumerStore;
import io.nats4j.server.jetstream.store.RocksStorage;
import io.nats4j.server.jetstream.store.Storage;
import io.nats4j.server.jetstream.store.StoreException;
import io.nats4j.server.jetstream.store.StoredMessage;
import io.nats4j.server.jetstream.store.StreamLimits;
import io.nats4j.server.jetstream.store.StreamState;
import io.nats4j.server.jetstream.store.StreamStore;
import io.nats4j.server.jetstream.store.SubjectState;
import io.nats4j.server.testsupport.EmbeddedTestServer;
import io.nats4j.server.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failing store (a full disk: every write refused) behind the store contract: publishes get nats-server's
 * "stream store failed" error (503/10077) with the store's text, nothing acknowledged before is lost (also across a
 * restart), nothing refused shows up later, and the server keeps serving (core NATS, the API, memory streams,
 * consumers, and the same stream again once the store recovers). nats4j only: the fault is injected through
 * {@link JetStream#wrapStorage}.
 */
class JetStreamStoreFailureTest {

    static final String DISK_FULL = "write rocksdb/000012.log: no space left on device";

    @TempDir
    Path dir;
    private EmbeddedTestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Connection connect() throws Exception {
        return Nats.connect(new io.nats.client.Options.Builder().server(server.url())
                .connectionTimeout(Duration.ofSeconds(10)).build());
    }

    private EmbeddedTestServer start() throws Exception {
        var o = TestServer.defaultOptions();
        o.jetStream.enabled = true;
        o.jetStream.storeDir = dir;
        EmbeddedTestServer s = new EmbeddedTestServer(o);
        s.start();
        return s;
    }

    @Test
    void fullDiskRefusesPublishesAndLosesNothingAcknowledged() throws Exception {
        server = start();
        AtomicBoolean full = new AtomicBoolean();
        server.server().jetStream().wrapStorage(s -> s instanceof RocksStorage ? new FaultyStorage(s, full) : s);
        try (Connection nc = connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            JetStream js = nc.jetStream();
            jsm.addStream(StreamConfiguration.builder().name("F").subjects("f.>").storageType(StorageType.File).build());
            jsm.addStream(StreamConfiguration.builder().name("M").subjects("m.>").storageType(StorageType.Memory).build());
            jsm.addOrUpdateConsumer("F", ConsumerConfiguration.builder().durable("C").ackPolicy(AckPolicy.Explicit).build());
            for (int i = 1; i <= 50; i++) {
                assertEquals(i, js.publish("f.x", ("ok-" + i).getBytes(StandardCharsets.UTF_8)).getSeqno());
            }

            full.set(true);
            for (int i = 0; i < 10; i++) {
                JetStreamApiException e = assertThrows(JetStreamApiException.class,
                        () -> js.publish("f.x", "refused".getBytes(StandardCharsets.UTF_8)));
                assertEquals(503, e.getErrorCode());
                assertEquals(10077, e.getApiErrorCode());
                assertEquals(DISK_FULL, e.getErrorDescription());
            }
            // the server keeps serving: the API, a memory stream, core NATS
            assertEquals(50, jsm.getStreamInfo("F").getStreamState().getMsgCount());
            assertEquals(50, jsm.getStreamInfo("F").getStreamState().getLastSequence());
            assertEquals(1, js.publish("m.x", "mem".getBytes(StandardCharsets.UTF_8)).getSeqno());
            Subscription core = nc.subscribe("core");
            nc.publish("core", "hi".getBytes(StandardCharsets.UTF_8));
            assertEquals("hi", new String(core.nextMessage(Duration.ofSeconds(2)).getData(), StandardCharsets.UTF_8));

            full.set(false);
            assertEquals(51, js.publish("f.x", "ok-51".getBytes(StandardCharsets.UTF_8)).getSeqno(),
                    "no refused message took a sequence");
            JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("F", "C"));
            int seen = 0;
            while (seen < 51) {
                List<Message> batch = sub.fetch(51 - seen, Duration.ofSeconds(3));
                assertTrue(!batch.isEmpty(), "fetched " + seen + " of 51");
                for (Message m : batch) {
                    seen++;
                    assertEquals("ok-" + seen, new String(m.getData(), StandardCharsets.UTF_8));
                    m.ackSync(Duration.ofSeconds(2));
                }
            }
        }

        server.close();
        server = start();
        try (Connection nc = connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            assertEquals(51, jsm.getStreamInfo("F").getStreamState().getMsgCount());
            for (long seq = 1; seq <= 51; seq++) {
                assertEquals("ok-" + seq, new String(jsm.getMessage("F", seq).getData(), StandardCharsets.UTF_8));
            }
            assertEquals(51, jsm.getConsumerInfo("F", "C").getAckFloor().getStreamSequence());
        }
    }

    /**
     * The write of a whole batch fails (appends accepted, the flush refused): the refused messages leave no trace
     * (not in the stream, no sequence taken, their Nats-Msg-Id not remembered), acknowledged ones stay.
     */
    @Test
    void failedBatchWriteLeavesNoTraceOfRefusedMessages() throws Exception {
        server = start();
        AtomicBoolean full = new AtomicBoolean();
        server.server().jetStream().wrapStorage(s -> s instanceof RocksStorage ? new FaultyStorage(s, full, true) : s);
        try (Connection nc = connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            JetStream js = nc.jetStream();
            jsm.addStream(StreamConfiguration.builder().name("F").subjects("f.>").storageType(StorageType.File)
                    .maxMessages(40).build());
            for (int i = 1; i <= 50; i++) {
                js.publish("f.x", ("ok-" + i).getBytes(StandardCharsets.UTF_8)); // limits drop the first 10
            }
            full.set(true);
            for (int i = 0; i < 5; i++) {
                io.nats.client.impl.NatsMessage m = io.nats.client.impl.NatsMessage.builder().subject("f.x")
                        .headers(new io.nats.client.impl.Headers().add("Nats-Msg-Id", "retry-" + i))
                        .data("refused".getBytes(StandardCharsets.UTF_8)).build();
                JetStreamApiException e = assertThrows(JetStreamApiException.class, () -> js.publish(m));
                assertEquals(10077, e.getApiErrorCode());
            }
            var state = jsm.getStreamInfo("F").getStreamState();
            assertEquals(40, state.getMsgCount(), "refused messages are not in the stream");
            assertEquals(11, state.getFirstSequence(), "nor did their limits remove anything");
            assertEquals(50, state.getLastSequence());
            full.set(false);
            io.nats.client.impl.NatsMessage retry = io.nats.client.impl.NatsMessage.builder().subject("f.x")
                    .headers(new io.nats.client.impl.Headers().add("Nats-Msg-Id", "retry-0"))
                    .data("ok-51".getBytes(StandardCharsets.UTF_8)).build();
            var ack = js.publish(retry);
            assertEquals(51, ack.getSeqno());
            assertTrue(!ack.isDuplicate(), "the refused message's id was not remembered");
            for (long seq = 12; seq <= 51; seq++) { // max_msgs 40: storing 51 dropped 11
                assertEquals("ok-" + seq, new String(jsm.getMessage("F", seq).getData(), StandardCharsets.UTF_8));
            }
        }
        server.close();
        server = start();
        try (Connection nc = connect()) {
            var state = nc.jetStreamManagement().getStreamInfo("F").getStreamState();
            assertEquals(40, state.getMsgCount());
            assertEquals(51, state.getLastSequence());
        }
    }

    /** A storage whose streams refuse every write while {@code full} is set, as a full disk would. */
    static final class FaultyStorage implements Storage {
        private final Storage real;
        private final AtomicBoolean full;
        private final boolean failFlush;

        FaultyStorage(Storage real, AtomicBoolean full) {
            this(real, full, false);
        }

        /** {@code failFlush}: the appends are taken and the batch's write fails (else the appends fail). */
        FaultyStorage(Storage real, AtomicBoolean full, boolean failFlush) {
            this.real = real;
            this.full = full;
            this.failFlush = failFlush;
        }

        @Override
        public StreamStore createStream(String name, StreamLimits limits) {
            return new FaultyStreamStore(real.createStream(name, limits), full, failFlush);
        }

        @Override
        public StreamStore stream(String name) {
            StreamStore s = real.stream(name);
            return s == null ? null : new FaultyStreamStore(s, full, failFlush);
        }

        @Override
        public Set<String> streamNames() {
            return real.streamNames();
        }

        @Override
        public void deleteStream(String name) {
            real.deleteStream(name);
        }

        @Override
        public void close() {
            real.close();
        }
    }

    /** Delegates to a real store; appends fail with an i/o error while the disk is "full". */
    static final class FaultyStreamStore implements StreamStore {
        private final StreamStore real;
        private final AtomicBoolean full;
        private final boolean failFlush;

        FaultyStreamStore(StreamStore real, AtomicBoolean full, boolean failFlush) {
            this.real = real;
            this.full = full;
            this.failFlush = failFlush;
        }

        private void check() {
            if (full.get()) {
                throw new StoreException(StoreException.Kind.IO, DISK_FULL, null);
            }
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public long append(String subject, byte[] header, byte[] payload, long timestampNanos) {
            if (!failFlush) {
                check();
            }
            return real.append(subject, header, payload, timestampNanos);
        }

        @Override
        public void flush() {
            check();
            real.flush();
        }

        @Override
        public void discardUnflushed() {
            real.discardUnflushed();
        }

        @Override
        public StoredMessage load(long seq) {
            return real.load(seq);
        }

        @Override
        public StoredMessage loadLast(String filter) {
            return real.loadLast(filter);
        }

        @Override
        public StoredMessage loadNext(String filter, long startSeq) {
            return real.loadNext(filter, startSeq);
        }

        @Override
        public boolean remove(long seq) {
            check();
            return real.remove(seq);
        }

        @Override
        public boolean erase(long seq) {
            check();
            return real.erase(seq);
        }

        @Override
        public long purge() {
            check();
            return real.purge();
        }

        @Override
        public long purge(String subject, long seq, long keep) {
            check();
            return real.purge(subject, seq, keep);
        }

        @Override
        public long compact(long seq) {
            check();
            return real.compact(seq);
        }

        @Override
        public long expire() {
            return real.expire();
        }

        @Override
        public void updateLimits(StreamLimits limits) {
            real.updateLimits(limits);
        }

        @Override
        public StreamLimits limits() {
            return real.limits();
        }

        @Override
        public StreamState state() {
            return real.state();
        }

        @Override
        public long[] seqsWithHeaderSince(long sinceNanos) {
            return real.seqsWithHeaderSince(sinceNanos);
        }

        @Override
        public SubjectState filteredState(String filter) {
            return real.filteredState(filter);
        }

        @Override
        public Map<String, SubjectState> subjectsState(String filter) {
            return real.subjectsState(filter);
        }

        @Override
        public ConsumerStore consumer(String name, io.nats4j.server.jetstream.store.AckPolicy ackPolicy) {
            return real.consumer(name, ackPolicy);
        }

        @Override
        public Set<String> consumerNames() {
            return real.consumerNames();
        }

        @Override
        public void close() {
            real.close();
        }
    }
}
