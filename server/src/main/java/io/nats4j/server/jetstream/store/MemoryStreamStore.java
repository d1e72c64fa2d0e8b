package io.nats4j.server.jetstream.store;

import io.nats4j.server.jetstream.store.StreamIndex.Entry;
import java.util.function.LongSupplier;

/** A stream in memory: the index entries hold the bytes; flush has nothing to do. */
final class MemoryStreamStore extends AbstractStreamStore {

    MemoryStreamStore(String name, StreamLimits limits, LongSupplier clockNanos) {
        super(name, limits, clockNanos);
    }

    /** nats-server's {@code memStoreMsgSize}: subject, header, payload and 16 bytes (seq, time). */
    @Override
    protected long messageSize(String subject, int headerLength, int payloadLength) {
        return (long) subject.length() + headerLength + payloadLength + 16;
    }

    @Override
    protected void persistAppend(long seq, Entry entry) {
    }

    @Override
    protected void persistRemove(long seq, Entry entry, boolean erase) {
    }

    @Override
    protected void persistRemoveAll(long fromSeq, long toSeq) {
    }

    @Override
    protected void persistFlush() {
    }

    @Override
    protected StoredMessage read(long seq, Entry e) {
        return new StoredMessage(seq, e.subject, e.header.clone(), e.payload.clone(), e.timestampNanos);
    }

    @Override
    protected ConsumerStore openConsumer(String consumerName, AckPolicy ackPolicy) {
        return new AbstractConsumerStore(consumerName, ackPolicy, null) {
            @Override
            protected void persist(ConsumerState state) {
            }

            @Override
            protected void erasePersisted() {
                consumerDeleted(consumerName);
            }
        };
    }
}
