package io.nats4j.server.jetstream.store;

/**
 * A stream's state, the fields of nats-server's {@code StreamState} (JSON names in comments).
 *
 * @param msgs           {@code messages}
 * @param bytes          {@code bytes}
 * @param firstSeq       {@code first_seq}: the first stored message, or last + 1 when empty
 * @param firstTimeNanos {@code first_ts}, 0 when empty
 * @param lastSeq        {@code last_seq}: the last sequence ever assigned (survives purges)
 * @param lastTimeNanos  {@code last_ts}
 * @param numDeleted     {@code num_deleted}: sequences between first and last no longer stored
 * @param numSubjects    {@code num_subjects}
 * @param consumers      {@code consumer_count}
 */
public record StreamState(long msgs, long bytes, long firstSeq, long firstTimeNanos, long lastSeq,
                          long lastTimeNanos, long numDeleted, int numSubjects, int consumers) {
}
