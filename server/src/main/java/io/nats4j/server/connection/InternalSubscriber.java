package io.nats4j.server.connection;

import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;

/**
 * The owner of a subscription held by the server itself (system account services, the auth callout, per-account
 * system imports; JetStream next): no socket. Called on the publisher's thread (a client's event loop, or an
 * internal service's thread): an implementation copies what it keeps, must not block, and moves any real work to
 * its own executor.
 *
 * <p>Two ways to receive: {@link #deliver} gets the {@link Message} itself (nothing copied; valid only during the
 * call), the way for a subscriber on a hot path; its default copies the message into {@link #deliverInternal}'s
 * Strings and arrays, the way for control traffic.
 */
public non-sealed interface InternalSubscriber extends SubscriptionOwner {

    /** nats-server's internal clients are of kind SYSTEM. */
    @Override
    default ConnectionKind kind() {
        return ConnectionKind.SYSTEM;
    }

    /**
     * A message matched {@code sub}: {@code msg} is valid only during the call. Returns false when it was not
     * taken (it then counts as not delivered, e.g. for no-responders).
     *
     * @param from the client that published it, or null when the server did
     */
    default boolean deliver(Subscription sub, ClientConnection from, Message msg) {
        deliverInternal(sub, from, msg.subjectString(), msg.replyString(), msg.headerSize() > 0 ? msg.headerBytes() : null,
                msg.bodyBytes());
        return true;
    }

    /**
     * A message matched {@code sub}, copied.
     *
     * @param from the client that published it, or null when the server did
     * @param headers the raw header block ({@code NATS/1.0...}), or null when the message has none
     */
    void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply, byte[] headers,
            byte[] payload);
}
