package io.nats4j.server.protocol;


/**
 * Receives what {@link ProtocolParser} decodes. Called on the connection's event loop only.
 *
 * <p>Arguments are not copied: the handler reads them from the parser's control-line buffer through
 * {@link ProtocolParser#line()}, {@link ProtocolParser#argOffset(int)} and
 * {@link ProtocolParser#argLength(int)}, valid until the callback returns (for a message, until
 * {@link #onMessage} returns).
 */
public interface ProtocolHandler {

    void onConnect(ProtocolParser p, int jsonOffset, int jsonLength);

    void onPing();

    void onPong();

    /**
     * A whole PUB or HPUB message, as the parser's {@link Message} (refilled for the next message: valid only
     * during the call). The handler must not move the reader index of {@link Message#data()}.
     */
    void onMessage(ProtocolParser p, Message message);

    void onSub(ProtocolParser p);

    void onUnsub(ProtocolParser p);

    /** A client sent +OK (or INFO / -ERR to a handler that does not override those): ignored. */
    default void onIgnoredOp() {
    }

    /** A client sent INFO with this argument (nats-server closes the client when it is not valid JSON). */
    default void onInfo(ProtocolParser p, int off, int len) {
        onIgnoredOp();
    }

    /** A client sent -ERR with this argument (nats-server logs it and closes the client). */
    default void onClientError(ProtocolParser p, int off, int len) {
        onIgnoredOp();
    }

    /**
     * The input broke the protocol. {@code clientError} is the text for {@code -ERR '...'} or null when
     * nats-server closes without sending one; {@code detail} goes to the log. The parser discards all
     * further input.
     */
    void onProtocolError(ProtocolError error, String detail);
}
