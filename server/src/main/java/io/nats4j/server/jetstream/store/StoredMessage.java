package io.nats4j.server.jetstream.store;

/**
 * A message as a store returns it: a copy the caller owns.
 *
 * @param seq             the stream sequence
 * @param subject         the subject it was published on
 * @param header          the NATS header block ({@code NATS/1.0...}), empty when none
 * @param payload         the payload
 * @param timestampNanos  when it was stored, nanoseconds since the epoch
 */
public record StoredMessage(long seq, String subject, byte[] header, byte[] payload, long timestampNanos) {
}
