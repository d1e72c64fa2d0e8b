package io.nats4j.server.jetstream.store;

/**
 * A store refused or failed an operation. {@link #kind()} says why; the texts of the refusals are
 * nats-server's ({@code server/store.go}), so the layer above can map them to its API errors.
 */
public final class StoreException extends RuntimeException {

    /** Why a store operation failed. */
    public enum Kind {
        /** Discard new and {@code max_msgs} reached. */
        MAX_MSGS("maximum messages exceeded"),
        /** Discard new and {@code max_bytes} reached. */
        MAX_BYTES("maximum bytes exceeded"),
        /** Discard new per subject and {@code max_msgs_per_subject} reached. */
        MAX_MSGS_PER_SUBJECT("maximum messages per subject exceeded"),
        /** Header plus payload larger than {@code max_msg_size}. */
        MSG_TOO_LARGE("message to large"),
        /** Purge with both a sequence above 1 and keep. */
        PURGE_ARG_MISMATCH("sequence > 1 && keep > 0 not allowed"),
        /** Acks on a consumer whose ack policy is none. */
        NO_ACK_POLICY("ack policy is none"),
        /** Ack of a sequence that is not pending. */
        NOT_FOUND("no message found"),
        /** The store (or its database) was closed. */
        CLOSED("store is closed"),
        /** A store directory written in a format this version cannot read. */
        FORMAT("unsupported store format"),
        /** The disk or the database failed. */
        IO("store i/o error"),
        /** Called from a Netty event loop. */
        WRONG_THREAD("store called on an event loop");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /** nats-server's error text for this kind. */
        public String text() {
            return text;
        }
    }

    private final Kind kind;

    public StoreException(Kind kind) {
        super(kind.text());
        this.kind = kind;
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
