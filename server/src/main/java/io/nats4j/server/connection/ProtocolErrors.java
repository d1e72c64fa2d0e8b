package io.nats4j.server.connection;

import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.protocol.ProtocolError;
import io.nats4j.server.protocol.ProtocolParser;
import java.nio.charset.StandardCharsets;

/**
 * What a client connection does with input it cannot take: a client's INFO that is not JSON, {@code -ERR} from a
 * client, the parser's protocol errors (each with nats-server's log line, {@code -ERR} and close reason), and
 * exceptions this server did not expect (a bug). On the connection's loop.
 */
final class ProtocolErrors {

    private ProtocolErrors() {
    }

    /** Frames of an unexpected exception's stack put in its log line: enough to find the bug from a log. */
    private static final int UNEXPECTED_FRAMES_LOGGED = 8;

    /**
     * Input this server could not process (a bug, not a client error nats-server would name): the client gets
     * nats-server's answer to input it cannot parse, {@code -ERR 'Unknown Protocol Operation'}, and is closed;
     * the log line has the exception with its client bytes escaped.
     */
    static void unexpected(ClientConnection c, Throwable cause) {
        StringBuilder at = new StringBuilder();
        StackTraceElement[] frames = cause.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, UNEXPECTED_FRAMES_LOGGED); i++) {
            at.append(i == 0 ? " at " : " < ").append(frames[i]);
        }
        c.log.error(c.prefix() + "Unexpected error, closing: " + cause + at);
        if (!c.closed && c.channel != null) {
            c.sendErrAndClose(ProtocolError.UNKNOWN_OPERATION.clientText(), ClosedState.PROTOCOL_VIOLATION);
        } else {
            c.closeNow(ClosedState.PROTOCOL_VIOLATION);
        }
    }

    static void onInfo(ClientConnection c, ProtocolParser p, int off, int len) {
        // nats-server decodes a client's INFO and ignores it, but closes the client when it is not JSON
        try {
            ConnectOptions.validateJson(p.line(), off, len);
        } catch (IllegalArgumentException e) {
            c.log.error(c.prefix() + "Client parser ERROR: " + e.getMessage());
            c.parser.close();
            c.closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
        }
    }

    static void onClientError(ClientConnection c, ProtocolParser p, int off, int len) {
        // as nats-server: logged, and the client closed (Parse Error), without an -ERR back
        c.log.error(c.prefix() + "Client Error " + new String(p.line(), off, len, StandardCharsets.UTF_8));
        c.parser.close();
        c.closeAfterFlush(ClosedState.PARSE_ERROR);
    }

    static void onProtocolError(ClientConnection c, ProtocolError error, String detail) {
        switch (error) {
            case MAX_PAYLOAD -> {
                c.log.error(c.prefix() + detail);
                c.sendErrAndClose(error.clientText(), ClosedState.MAX_PAYLOAD_EXCEEDED);
            }
            case MAX_CONTROL_LINE -> {
                c.log.error(c.prefix() + "Client parser ERROR: " + detail);
                c.sendErrAndClose(error.clientText(), ClosedState.MAX_CONTROL_LINE_EXCEEDED);
            }
            case UNKNOWN_OPERATION -> {
                c.log.error(c.prefix() + "Client parser ERROR: " + detail);
                c.sendErrAndClose(error.clientText(), ClosedState.PROTOCOL_VIOLATION);
            }
            case AUTH_VIOLATION -> {
                c.auth.logAuthError(c.server.accounts(), null);
                c.auth.authViolation();
            }
            case BAD_ARGUMENTS -> {
                c.log.error(c.prefix() + "Client parser ERROR: " + detail);
                c.closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
            }
        }
    }
}
