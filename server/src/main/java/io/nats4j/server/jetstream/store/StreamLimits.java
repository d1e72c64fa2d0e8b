package io.nats4j.server.jetstream.store;

/**
 * The limits a stream store applies itself on every store (nats-server applies the same in its
 * stores): counts and sizes at or below zero mean unlimited.
 *
 * @param maxMsgs              {@code max_msgs}
 * @param maxBytes             {@code max_bytes}, counted as the store counts a message's bytes
 * @param maxAgeNanos          {@code max_age}: messages older than this expire
 * @param maxMsgsPerSubject    {@code max_msgs_per_subject}: the oldest message of the subject goes
 * @param discardNew           {@code discard: new}: refuse a message instead of removing old ones
 * @param discardNewPerSubject {@code discard_new_per_subject} (with discard new)
 * @param maxMsgSize           {@code max_msg_size}: header plus payload
 */
public record StreamLimits(long maxMsgs, long maxBytes, long maxAgeNanos, long maxMsgsPerSubject,
                           boolean discardNew, boolean discardNewPerSubject, int maxMsgSize) {

    /** No limit at all. */
    public static final StreamLimits NONE = new StreamLimits(0, 0, 0, 0, false, false, 0);

    public StreamLimits withMaxMsgs(long v) {
        return new StreamLimits(v, maxBytes, maxAgeNanos, maxMsgsPerSubject, discardNew, discardNewPerSubject, maxMsgSize);
    }

    public StreamLimits withMaxBytes(long v) {
        return new StreamLimits(maxMsgs, v, maxAgeNanos, maxMsgsPerSubject, discardNew, discardNewPerSubject, maxMsgSize);
    }

    public StreamLimits withMaxAgeNanos(long v) {
        return new StreamLimits(maxMsgs, maxBytes, v, maxMsgsPerSubject, discardNew, discardNewPerSubject, maxMsgSize);
    }

    public StreamLimits withMaxMsgsPerSubject(long v) {
        return new StreamLimits(maxMsgs, maxBytes, maxAgeNanos, v, discardNew, discardNewPerSubject, maxMsgSize);
    }

    public StreamLimits withDiscardNew(boolean v, boolean perSubject) {
        return new StreamLimits(maxMsgs, maxBytes, maxAgeNanos, maxMsgsPerSubject, v, perSubject, maxMsgSize);
    }

    public StreamLimits withMaxMsgSize(int v) {
        return new StreamLimits(maxMsgs, maxBytes, maxAgeNanos, maxMsgsPerSubject, discardNew, discardNewPerSubject, v);
    }
}
