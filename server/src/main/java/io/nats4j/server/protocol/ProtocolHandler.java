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

    /** A client sent INFO, +OK or -ERR: accepted and ignored, as nats-server does for clients. */
    default void onIgnoredOp() {
    }

    /**
     * The input broke the protocol. {@code clientError} is the text for {@code -ERR '...'} or null when
     * nats-server closes without sending one; {@code detail} goes to the log. The parser discards all
     * further input.
     */
    void onProtocolError(ProtocolError error, String detail);
}
