package io.nats4j.server.config;

import java.util.List;

/**
 * A config file or command line that cannot be used. The message is what the server prints: one
 * {@code file:line:col: reason} line per problem found (nats-server reports all problems of a file
 * at once, and so do we).
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    public ConfigException(String message) {
        super(message);
        this.errors = List.of(message);
    }

    public ConfigException(Position at, String reason) {
        this(at + ": " + reason);
    }

    public ConfigException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    /** Each problem on its own, in the order found. */
    public List<String> errors() {
        return errors;
    }
}
