package io.nats4j.server.jetstream.store;

import java.util.Map;

/**
 * The messages of one stream, in memory or on disk (nats-server's {@code StreamStore}).
 *
 * <h2>Threading</h2>
 * Store work blocks (disk, fsync) and never runs on a Netty event loop: the mutating methods and
 * {@link #flush()} throw {@link StoreException.Kind#WRONG_THREAD} when called on one. Each stream
 * has <b>one writer</b> (its own executor or virtual thread) that calls every mutating method
 * ({@code append}, {@code store}, {@code flush}, {@code remove}, {@code erase}, {@code purge*},
 * {@code compact}, {@code expire}, {@code updateLimits}). Readers ({@code load*}, {@code state},
 * {@code subjectState*}) may run on any other non-event-loop thread at the same time: the store
 * holds a read/write lock, so a reader sees each write whole, never half of it.
 *
 * <h2>Durability</h2>
 * {@link #store} returns once the message is durable (in file storage: synced to disk, or
 * handed to the periodic sync when the storage runs with a sync interval). For group commit, the
 * writer calls {@link #append} for each message of a batch, then {@link #flush()} once: one
 * write and one fsync cover the whole batch, and only then may the batch be acknowledged.
 * Appended messages are visible to loads and state before the flush; after a crash only flushed
 * ones are guaranteed to be there. Removals, purges and compactions are durable when they return.
 *
 * <h2>Limits</h2>
 * The {@link StreamLimits} apply at every append: too-large messages and discard-new refusals
 * throw {@link StoreException} and change nothing; otherwise the oldest messages of the subject
 * ({@code max_msgs_per_subject}) and of the stream ({@code max_msgs}, {@code max_bytes}) go, and
 * expired messages ({@code max_age}, against the store's clock) go at every append and at
 * {@link #expire()}, which the writer calls on a timer.
 */
public interface StreamStore extends AutoCloseable {

    /** The stream's name. */
    String name();

    /**
     * Stores a message and makes it durable: {@link #append} then {@link #flush()}.
     *
     * @return its sequence
     */
    default long store(String subject, byte[] header, byte[] payload) {
        long seq = append(subject, header, payload, 0);
        flush();
        return seq;
    }

    /**
     * Adds a message to the current batch, applying the limits.
     *
     * @param header         the header block, or {@code null}/empty for none
     * @param timestampNanos the time to record, nanoseconds since the epoch; 0 for the store's clock
     * @return its sequence
     */
    long append(String subject, byte[] header, byte[] payload, long timestampNanos);

    /**
     * {@link #append}, except that the store may keep {@code header} and {@code payload} as they are: the caller
     * gives them up and never changes them (the stream's writer hands over the copies it made off the event loop).
     */
    default long appendOwned(String subject, byte[] header, byte[] payload, long timestampNanos) {
        return append(subject, header, payload, timestampNanos);
    }

    /** Makes everything appended so far durable: one write and one sync for the batch. */
    void flush();

    /**
     * After a failed {@link #flush}: drops what was appended (and removed by limits) since the last successful
     * flush, so that the store is again what its last flush left (loads, state, sequences). Writer only. Stores
     * whose flush cannot fail (memory) have nothing to drop.
     */
    default void discardUnflushed() {
    }

    /**
     * Restore (nats-server's {@code StoreRawMsg}): adds a message at {@code seq}, above the last sequence, with its
     * recorded time, to the current batch without applying the limits (a snapshot holds what the limits left).
     * Writer only; {@link #flush()} makes it durable.
     */
    default void appendAt(long seq, String subject, byte[] header, byte[] payload, long timestampNanos) {
        throw new UnsupportedOperationException("appendAt");
    }

    /**
     * Restore: the stream's last sequence and time become {@code seq} and {@code timestampNanos} when {@code seq}
     * is above the last sequence (sequences whose messages were removed before the snapshot), durably. Writer only.
     */
    default void restoreLast(long seq, long timestampNanos) {
        throw new UnsupportedOperationException("restoreLast");
    }

    /** The message at {@code seq}, or {@code null} when there is none (never stored or removed). */
    StoredMessage load(long seq);

    /** The last message whose subject matches {@code filter} (wildcards allowed), or {@code null}. */
    StoredMessage loadLast(String filter);

    /**
     * The first message at or after {@code startSeq} whose subject matches {@code filter}
     * ({@code null}, empty or {@code >} match all), or {@code null} when there is none.
     */
    StoredMessage loadNext(String filter, long startSeq);

    /** Removes one message; false when it was not stored. */
    boolean remove(long seq);

    /** Removes one message and overwrites its bytes where the store can (nats-server's erase). */
    boolean erase(long seq);

    /** Removes every message; the first sequence becomes last + 1. @return how many went */
    long purge();

    /**
     * nats-server's {@code PurgeEx}: removes messages matching {@code subject} ({@code null},
     * empty or {@code >} for all) below {@code seq} (when above 0), keeping the last {@code keep}
     * (when above 0). {@code seq > 1} together with {@code keep > 0} is refused.
     *
     * @return how many went
     */
    long purge(String subject, long seq, long keep);

    /**
     * Removes every message below {@code seq}; with {@code seq} past the last sequence the stream
     * is empty and continues at {@code seq}. @return how many went
     */
    long compact(long seq);

    /** Removes the messages older than {@code max_age}; @return how many went */
    long expire();

    /** Replaces the limits and applies them now. */
    void updateLimits(StreamLimits limits);

    StreamLimits limits();

    StreamState state();

    /**
     * The sequences of the stored messages that have a header and a time at or after {@code sinceNanos}, in
     * order, from the index alone: at recovery only these can hold a {@code Nats-Msg-Id} of the duplicate window.
     */
    long[] seqsWithHeaderSince(long sinceNanos);

    /** Messages, first and last sequence of the messages whose subject matches {@code filter}. */
    SubjectState filteredState(String filter);

    /** Per subject matching {@code filter}: its messages, first and last sequence. */
    Map<String, SubjectState> subjectsState(String filter);

    /**
     * The consumer store named {@code name}, created empty when new and recovered otherwise; it
     * counts in {@link StreamState#consumers()} until deleted.
     */
    ConsumerStore consumer(String name, AckPolicy ackPolicy);

    /** Names of this stream's consumer stores. */
    java.util.Set<String> consumerNames();

    /** Closes the store; its data stays. */
    @Override
    void close();
}
