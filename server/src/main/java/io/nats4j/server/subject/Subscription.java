package io.nats4j.server.subject;

import io.nats4j.server.connection.SubscriptionOwner;
import java.nio.charset.StandardCharsets;

/**
 * One interest in a subject, as created by {@code SUB <subject> [queue] <sid>}.
 *
 * <p>The subject index ({@link Sublist}) reads only {@link #subject} and {@link #queue}. The other
 * fields belong to the delivery path: the owner's kind (a sealed type) decides how the fan-out delivers.
 */
public final class Subscription {

    public final SubscriptionOwner owner;
    /** The subject as subscribed, possibly with {@code *} and {@code >} wildcards. */
    public final String subject;
    /** The queue group, or null for a plain subscription. */
    public final String queue;
    /** The subscription id exactly as the client sent it, reused in every MSG line. */
    public final byte[] sid;

    /**
     * Auto-unsubscribe after this many deliveries ({@code UNSUB <sid> <max>}); 0 = unlimited.
     * Guarded by the owner's lock, as is {@link #delivered}.
     */
    public long maxMsgs;
    /** Messages delivered so far. Guarded by the owner's lock. */
    public long delivered;
    /** Set once the subscription has been removed; deliveries after that are dropped. */
    public volatile boolean closed;

    public Subscription(SubscriptionOwner owner, String subject, String queue, byte[] sid) {
        this.owner = owner;
        this.subject = subject;
        this.queue = queue;
        this.sid = sid;
    }

    public String sidString() {
        return new String(sid, StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "Subscription{" + subject + (queue == null ? "" : " " + queue) + " sid=" + sidString()
                + " owner=" + owner.id() + "}";
    }
}
