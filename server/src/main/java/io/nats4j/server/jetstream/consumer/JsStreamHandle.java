package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.Stream;
import io.nats4j.server.jetstream.StreamConfig;
import io.nats4j.server.jetstream.StreamListener;
import io.nats4j.server.jetstream.store.StreamStore;
import java.util.List;
import java.util.Map;

/**
 * A real stream ({@link Stream}) seen from the consumer package: the {@link StreamHandle} its consumers use, and
 * the one {@link StreamListener} through which the stream's writer tells all of them what it stored and removed.
 */
final class JsStreamHandle implements StreamHandle, StreamListener,
        io.nats4j.server.jetstream.StreamConsumerDefinitions {

    private final Stream stream;
    private final ConsumerService service;
    private final ConsumerFiles files;
    volatile StreamConsumers consumers;

    JsStreamHandle(Stream stream, ConsumerService service, ConsumerFiles files) {
        this.stream = stream;
        this.service = service;
        this.files = files;
    }

    Stream stream() {
        return stream;
    }

    @Override
    public String name() {
        return stream.name();
    }

    @Override
    public Account account() {
        return stream.account().account();
    }

    @Override
    public StreamStore store() {
        return stream.store();
    }

    @Override
    public Retention retention() {
        return switch (stream.config().retention()) {
            case LIMITS -> Retention.LIMITS;
            case INTEREST -> Retention.INTEREST;
            case WORKQUEUE -> Retention.WORKQUEUE;
        };
    }

    @Override
    public long maxMessageBytes() {
        long m = stream.config().maxMsgSize();
        if (m > 0) {
            return m;
        }
        int acc = stream.account().account().maxPayload();
        return acc > 0 ? acc : stream.account().jetStream().server().settings().maxPayload();
    }

    @Override
    public io.nats4j.server.jetstream.events.JsAdvisories advisories() {
        return stream.account().jetStream().advisories();
    }

    @Override
    public List<String> subjects() {
        List<String> s = stream.config().subjects();
        return s == null ? List.of() : s;
    }

    @Override
    public int replicas() {
        return Math.max(1, stream.config().replicas());
    }

    @Override
    public int maxConsumers() {
        // the stream's max_consumers, or the account's limit when that is lower (nats-server compares either with
        // the stream's own consumer count)
        long maxc = stream.config().maxConsumers();
        int acc = stream.account().limits().maxConsumers();
        if (maxc <= 0 || (acc > 0 && acc < maxc)) {
            maxc = acc;
        }
        return (int) Math.min(Integer.MAX_VALUE, maxc);
    }

    @Override
    public long defaultMaxAckPending() {
        return stream.config().consumerMaxAckPending();
    }

    @Override
    public long accountMaxAckPending() {
        return stream.account().limits().maxAckPending();
    }

    @Override
    public long defaultInactiveThresholdNanos() {
        return stream.config().consumerInactiveThresholdNanos();
    }

    @Override
    public void removeAcknowledged(long seq) {
        stream.acknowledged(seq);
    }

    @Override
    public void recheckInterest() {
        stream.recheckInterest();
    }

    @Override
    public String serverName() {
        return stream.jetStream().server().serverName();
    }

    @Override
    public String domain() {
        String d = stream.jetStream().domain();
        return d == null ? "" : d;
    }

    private boolean persistent() {
        return stream.config().storage() == StreamConfig.StorageType.FILE;
    }

    @Override
    public void saveConsumer(String name, byte[] definitionJson) {
        if (persistent()) {
            files.save(stream.account().name(), stream.name(), name, definitionJson);
        }
    }

    @Override
    public void forgetConsumer(String name) {
        if (persistent()) {
            files.delete(stream.account().name(), stream.name(), name);
        }
    }

    @Override
    public Map<String, byte[]> savedConsumers() {
        Map<String, byte[]> restored = stream.jetStream().takeRestoredConsumers(stream.account().name(), stream.name());
        if (restored != null) {
            restored.forEach(this::saveConsumer);
            return restored;
        }
        return persistent() ? files.load(stream.account().name(), stream.name()) : Map.of();
    }

    @Override
    public Map<String, byte[]> consumerDefinitions() {
        StreamConsumers c = consumers;
        return c == null ? Map.of() : c.definitions();
    }

    // ------------------------------------------------------------------ StreamListener (the stream's writer)

    @Override
    public void stored(Stream s, long firstSeq, long lastSeq) {
        StreamConsumers c = consumers;
        if (c != null) {
            c.storedRange(firstSeq, lastSeq);
        }
    }

    @Override
    public boolean needs(Stream s, long seq, String subject) {
        StreamConsumers c = consumers;
        return c != null && c.interestIn(seq, subject);
    }

    @Override
    public void removed(Stream s, long seq, long firstSeq) {
        StreamConsumers c = consumers;
        if (c != null) {
            c.removed(seq, firstSeq);
        }
    }

    @Override
    public void closed(Stream s, boolean deleted) {
        service.streamClosed(this, deleted);
    }
}
