package io.nats4j.server.monitor;

/** A bad monitoring request: HTTP 400 with nats-server's message as the plain-text body. */
public final class MonitorException extends Exception {

    private static final long serialVersionUID = 1L;

    public MonitorException(String message) {
        super(message);
    }
}
