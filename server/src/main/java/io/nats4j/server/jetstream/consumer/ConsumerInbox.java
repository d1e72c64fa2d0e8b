package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.subject.Subscription;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An internal subscription of a consumer (acks, pull requests, flow-control replies): the message arrives copied
 * on the publisher's thread (a client's event loop) and the handler only queues work on the consumer's thread.
 */
final class ConsumerInbox implements InternalSubscriber {

    @FunctionalInterface
    interface Handler {
        void onMessage(String subject, String reply, byte[] payload);
    }

    private static final AtomicLong IDS = new AtomicLong(1L << 40);
    private final long id = IDS.incrementAndGet();
    private final Handler handler;

    ConsumerInbox(Handler handler) {
        this.handler = handler;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public ConnectionKind kind() {
        return ConnectionKind.JETSTREAM;
    }

    @Override
    public void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply, byte[] headers,
            byte[] payload) {
        handler.onMessage(subject, reply, payload);
    }
}
