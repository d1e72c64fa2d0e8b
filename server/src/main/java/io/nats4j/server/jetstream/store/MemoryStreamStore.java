package io.nats4j.server.jetstream.store;

import java.util.function.LongSupplier;

/** A stream in memory: the index entries hold the bytes; flush has nothing to do. */
final class MemoryStreamStore extends AbstractStreamStore {

    MemoryStreamStore(String name, StreamLimits limits, LongSupplier clockNanos) {
        super(name, limits, clockNanos, true);
    }

    /** nats-server's {@code memStoreMsgSize}: subject, header, payload and 16 bytes (seq, time). */
    @Override
    protected long messageSize(String subject, int headerLength, int payloadLength) {
        return (long) subject.length() + headerLength + payloadLength + 16;
    }

    @Override
    protected boolean keepsBytes() {
        return true;
    }

    @Override
    protected void persistAppend(long seq, String subject, long timestampNanos, byte[] header, byte[] payload) {
    }

    @Override
    protected void persistRemove(long seq, String subject, boolean erase) {
    }

    @Override
    protected void persistRemoveAll(long fromSeq, long toSeq) {
    }

    @Override
    protected void persistFlush() {
    }

    @Override
    protected StoredMessage read(long seq, int slot) {
        return new StoredMessage(seq, index.subjectAt(slot), index.headerAt(slot).clone(), index.payloadAt(slot).clone(),
                index.timeAt(slot));
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
