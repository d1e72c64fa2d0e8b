package io.nats4j.server.jetstream;

import java.util.Map;

/**
 * The consumers of a stream as a snapshot takes them: the consumer package's {@link StreamListener} of each stream
 * implements it, so the snapshot finds it among {@link Stream#listeners()}.
 */
public interface StreamConsumerDefinitions {

    /** By consumer name, each consumer's definition now: JSON {@code {"created": ns, "config": {...}}}. */
    Map<String, byte[]> consumerDefinitions();
}
