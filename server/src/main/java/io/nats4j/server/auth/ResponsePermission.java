package io.nats4j.server.auth;

import java.time.Duration;

/**
 * {@code allow_responses}: a client may publish to the reply subject of a message it received, at most
 * {@code maxMsgs} times (0 = unlimited) within {@code expires} (zero = forever) of receiving it.
 */
public record ResponsePermission(int maxMsgs, Duration expires) {

    /** nats-server's defaults for {@code allow_responses: true}. */
    public static final int DEFAULT_MAX_MSGS = 1;
    public static final Duration DEFAULT_EXPIRES = Duration.ofMinutes(2);

    public static ResponsePermission defaults() {
        return new ResponsePermission(DEFAULT_MAX_MSGS, DEFAULT_EXPIRES);
    }
}
