package io.nats4j.server.connection;

import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.ResponseKey;
import java.nio.charset.StandardCharsets;

/**
 * The owner of an internal subscription that carries messages across accounts (nats-server's import
 * model): a stream import listens in the exporting account and re-publishes into the importer; a service
 * import listens in the importer and re-publishes into the exporter with a mapped reply subject; a
 * response listener in the exporter carries answers back. The publisher's {@link FanOut} does the delivery:
 * it asks the relay where the message goes ({@link #relay}) and fans the message out in that account.
 * (Named for imports: "route" means a cluster route.)
 *
 * <p>Routing works on bytes, as the parser holds them: no {@code String} and, except for the bookkeeping of
 * a service request (its pending response), no allocation per message. The new subject and reply are
 * written into a {@link Destination} owned by the caller.
 */
public abstract non-sealed class ImportRelay implements SubscriptionOwner {

    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
    private final long id = -IDS.incrementAndGet();

    @Override
    public long id() {
        return id;
    }

    /** nats-server carries imports through its account clients (kind ACCOUNT). */
    @Override
    public ConnectionKind kind() {
        return ConnectionKind.ACCOUNT;
    }

    /**
     * Where the message published on {@code subj[subjOff, subjOff + subjLen)} with the reply
     * {@code reply[replyOff, replyOff + replyLen)} ({@code replyLen} -1 when none) goes: fills {@code out} and
     * returns true, or returns false to drop it. {@code out}'s subject or reply may point into the arrays
     * passed in, so they must stay unchanged while {@code out} is used. Called on the publisher's thread;
     * must not block.
     */
    public abstract boolean relay(byte[] subj, int subjOff, int subjLen, byte[] reply, int replyOff, int replyLen,
            Destination out);

    /**
     * Where a relayed message goes: the account, its new subject and reply. Filled by {@link #relay}; reused
     * by its owner for message after message (one per thread and relay depth), so it is not thread-safe and
     * its arrays are only valid until the next {@code relay} into it. The subject and reply are
     * {@code array[offset, offset + length)}, either this object's own buffers or the caller's input.
     */
    public static final class Destination {

        private Account target;
        private byte[] subject;
        private int subjectOffset;
        private int subjectLength;
        private byte[] reply;
        private int replyOffset;
        private int replyLength = -1;
        private byte[] subjectBuffer = new byte[64];
        private byte[] replyBuffer = new byte[64];
        /** A reusable lookup key for pending service responses (see {@link Account}). */
        private final ResponseKey probe = new ResponseKey();

        public ResponseKey probe() {
            return probe;
        }

        public Account target() {
            return target;
        }

        public byte[] subject() {
            return subject;
        }

        public int subjectOffset() {
            return subjectOffset;
        }

        public int subjectLength() {
            return subjectLength;
        }

        /** The reply's array; meaningless when {@link #replyLength()} is -1. */
        public byte[] reply() {
            return reply;
        }

        public int replyOffset() {
            return replyOffset;
        }

        /** -1 when the message has no reply subject. */
        public int replyLength() {
            return replyLength;
        }

        /** The subject as a String (tests, logs; not for the message path). */
        public String subjectString() {
            return new String(subject, subjectOffset, subjectLength, StandardCharsets.UTF_8);
        }

        public void target(Account account) {
            target = account;
        }

        public void subject(byte[] a, int off, int len) {
            subject = a;
            subjectOffset = off;
            subjectLength = len;
        }

        /** This object's subject buffer with room for {@code capacity} bytes; set the length afterwards. */
        public byte[] subjectBuffer(int capacity) {
            if (subjectBuffer.length < capacity) {
                subjectBuffer = new byte[Math.max(capacity, subjectBuffer.length * 2)];
            }
            subject = subjectBuffer;
            subjectOffset = 0;
            return subjectBuffer;
        }

        public void subjectLength(int len) {
            subjectLength = len;
        }

        public void reply(byte[] a, int off, int len) {
            reply = a;
            replyOffset = off;
            replyLength = len;
        }

        /** This object's reply buffer with room for {@code capacity} bytes; set the length afterwards. */
        public byte[] replyBuffer(int capacity) {
            if (replyBuffer.length < capacity) {
                replyBuffer = new byte[Math.max(capacity, replyBuffer.length * 2)];
            }
            reply = replyBuffer;
            replyOffset = 0;
            return replyBuffer;
        }

        public void replyLength(int len) {
            replyLength = len;
        }

        public void noReply() {
            reply = null;
            replyOffset = 0;
            replyLength = -1;
        }
    }
}
