package io.nats4j.server.config;

/**
 * Where a token starts in a config file: file name as given, 1-based line and column.
 * {@link #toString()} gives the {@code file:line:col} prefix used in every error.
 */
public record Position(String file, int line, int column) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
