package io.nats4j.server;

/** The standalone server's entry point (bin/nats4j). */
public final class Main {

    public static void main(String[] args) throws Exception {
        throw new UnsupportedOperationException("being built");
    }

    private Main() {
    }
}
