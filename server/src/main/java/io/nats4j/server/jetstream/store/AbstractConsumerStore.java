package io.nats4j.server.jetstream.store;

import java.util.Map;

/**
 * The consumer state rules shared by both storages (nats-server's {@code UpdateDelivered} and
 * {@code UpdateAcks} semantics); a subclass only persists the state after each change.
 * Guarded by {@code this}: the consumer's writer updates, any thread may read {@link #state()}.
 */
abstract class AbstractConsumerStore implements ConsumerStore {

    private final String name;
    private final AckPolicy ackPolicy;
    protected ConsumerState state;
    protected boolean deleted;

    AbstractConsumerStore(String name, AckPolicy ackPolicy, ConsumerState recovered) {
        this.name = name;
        this.ackPolicy = ackPolicy;
        this.state = recovered == null ? ConsumerState.empty() : recovered;
    }

    /** Writes the current state durably. Called with {@code this} locked. */
    protected abstract void persist(ConsumerState state);

    /** Removes the persisted state. Called with {@code this} locked. */
    protected abstract void erasePersisted();

    @Override
    public String name() {
        return name;
    }

    @Override
    public AckPolicy ackPolicy() {
        return ackPolicy;
    }

    private void checkOpen() {
        ThreadGuard.checkNotEventLoop();
        if (deleted) {
            throw new StoreException(StoreException.Kind.CLOSED);
        }
    }

    @Override
    public synchronized void setStarting(long streamSeq) {
        checkOpen();
        long s = Math.max(0, streamSeq - 1);
        state = new ConsumerState(state.deliveredConsumer(), s, state.ackFloorConsumer(), s,
                state.pending(), state.redelivered());
        persist(state);
    }

    @Override
    public synchronized void updateDelivered(long consumerSeq, long streamSeq, long deliveryCount, long timestampNanos) {
        checkOpen();
        if (deliveryCount != 1 && ackPolicy == AckPolicy.NONE) {
            throw new StoreException(StoreException.Kind.NO_ACK_POLICY);
        }
        if (consumerSeq <= state.ackFloorConsumer()) {
            return; // an old delivery replayed: already acknowledged
        }
        if (ackPolicy == AckPolicy.NONE) {
            state = new ConsumerState(consumerSeq, streamSeq, consumerSeq, streamSeq, state.pending(), state.redelivered());
        } else {
            if (streamSeq <= state.deliveredStream()) {
                // a redelivery: the pending entry (if still pending) takes the new delivery
                if (state.pending().containsKey(streamSeq)) {
                    state.pending().put(streamSeq, new ConsumerState.Pending(consumerSeq, timestampNanos));
                }
            } else {
                state.pending().put(streamSeq, new ConsumerState.Pending(consumerSeq, timestampNanos));
            }
            if (deliveryCount > 1) {
                state.redelivered().put(streamSeq, deliveryCount - 1);
            }
            state = state.withDelivered(Math.max(consumerSeq, state.deliveredConsumer()),
                    Math.max(streamSeq, state.deliveredStream()));
        }
        persist(state);
    }

    @Override
    public synchronized void updateAcks(long consumerSeq, long streamSeq) {
        checkOpen();
        if (ackPolicy == AckPolicy.NONE) {
            throw new StoreException(StoreException.Kind.NO_ACK_POLICY);
        }
        if (!state.pending().containsKey(streamSeq)) {
            throw new StoreException(StoreException.Kind.NOT_FOUND);
        }
        if (consumerSeq <= state.ackFloorConsumer()) {
            return;
        }
        if (ackPolicy == AckPolicy.ALL) {
            state.pending().headMap(streamSeq, true).clear();
            state.redelivered().headMap(streamSeq, true).clear();
            state = state.withAckFloor(consumerSeq, streamSeq);
        } else {
            state.pending().remove(streamSeq);
            state.redelivered().remove(streamSeq);
            if (state.pending().isEmpty()) {
                state = state.withAckFloor(state.deliveredConsumer(), state.deliveredStream());
            } else if (streamSeq < state.pending().firstKey()) {
                // the lowest pending message was acked: everything below the next pending one is acked
                Map.Entry<Long, ConsumerState.Pending> next = state.pending().firstEntry();
                state = state.withAckFloor(Math.max(next.getValue().consumerSeq() - 1, state.ackFloorConsumer()),
                        Math.max(next.getKey() - 1, state.ackFloorStream()));
            }
        }
        persist(state);
    }

    @Override
    public synchronized void update(ConsumerState newState) {
        checkOpen();
        state = newState.copy();
        persist(state);
    }

    @Override
    public synchronized ConsumerState state() {
        return state.copy();
    }

    @Override
    public synchronized void delete() {
        ThreadGuard.checkNotEventLoop();
        if (!deleted) {
            deleted = true;
            erasePersisted();
        }
    }
}
