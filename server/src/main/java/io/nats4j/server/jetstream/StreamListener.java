package io.nats4j.server.jetstream;

/**
 * What a stream tells the parties that read it (consumers): a message was stored, messages went, the stream
 * is gone. Added with {@link Stream#addListener}.
 *
 * <p>Threading: every callback runs on the stream's writer thread (never an event loop), after the store work
 * it reports is durable, in sequence order. A callback must be quick and must not block: it notes the news and
 * moves any delivery work to the consumer's own thread. It may read the stream's store (loads are safe on any
 * thread) and may call {@link Stream#acknowledged}; it must not call the store's mutating methods.
 */
public interface StreamListener {

    /**
     * Messages {@code firstSeq..lastSeq} were stored and flushed (one group-commit batch; sequences in between
     * that a refusal skipped are not in the store). Called before interest/work-queue retention looks at them.
     */
    void stored(Stream stream, long firstSeq, long lastSeq);

    /**
     * Interest and work-queue retention: does this consumer still need message {@code seq} (it matches its
     * filter and is not acknowledged yet)? A message nobody needs is removed. Limits retention never asks.
     */
    default boolean needs(Stream stream, long seq, String subject) {
        return false;
    }

    /**
     * Messages were removed by a purge, a compaction, a rollup or a message delete: the stream's first sequence
     * is now {@code firstSeq}; {@code seq} is the one removed message, or 0 when several went.
     */
    default void removed(Stream stream, long seq, long firstSeq) {
    }

    /** The stream's configuration changed (update). */
    default void configChanged(Stream stream, StreamConfig config) {
    }

    /** The stream is being deleted (its store is deleted after this returns) or the server stops. */
    default void closed(Stream stream, boolean deleted) {
    }
}
