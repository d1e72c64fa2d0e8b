package io.nats4j.server.connection;

import io.nats4j.server.subject.Subscription;
import io.nats4j.server.subject.SubscriptionOwner;

/**
 * The owner of a subscription held by the server itself (system account services, per-account system
 * imports): no socket, messages are handed over as arrays. Called on the publisher's thread (a client's
 * event loop, or the system account's own thread): an implementation copies nothing more, must not block,
 * and moves any real work to its own executor.
 */
public interface InternalSubscriber extends SubscriptionOwner {

    /**
     * A message matched {@code sub}.
     *
     * @param from the client that published it, or null when the server did
     * @param headers the raw header block ({@code NATS/1.0...}), or null when the message has none
     */
    void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply, byte[] headers,
            byte[] payload);
}
