package io.nats4j.server.jetstream.store;

/**
 * nats-server's {@code SimpleState}: the messages stored on a subject or a filter.
 *
 * @param msgs  {@code messages}
 * @param first {@code first_seq}, 0 when none
 * @param last  {@code last_seq}, 0 when none
 */
public record SubjectState(long msgs, long first, long last) {

    /** Nothing stored. */
    public static final SubjectState EMPTY = new SubjectState(0, 0, 0);
}
