package io.nats4j.server.protocol;

/** The ways input can break the client protocol, with nats-server's error text where it sends one. */
public enum ProtocolError {
    /** Unknown verb or bytes out of place: {@code -ERR 'Unknown Protocol Operation'} and close. */
    UNKNOWN_OPERATION("Unknown Protocol Operation"),
    /** A control line longer than max_control_line. */
    MAX_CONTROL_LINE("maximum control line exceeded"),
    /** PUB/HPUB larger than max_payload. */
    MAX_PAYLOAD("Maximum Payload Violation"),
    /** An operation other than CONNECT before CONNECT while authentication is required: close. */
    AUTH_VIOLATION("Authorization Violation"),
    /** Malformed arguments (wrong count, bad sizes): nats-server closes without an -ERR. */
    BAD_ARGUMENTS(null);

    private final String clientText;

    ProtocolError(String clientText) {
        this.clientText = clientText;
    }

    /** The text inside {@code -ERR '...'}, or null when none is sent. */
    public String clientText() {
        return clientText;
    }
}
