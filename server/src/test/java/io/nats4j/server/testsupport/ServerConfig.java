package io.nats4j.server.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits for the server {@link TestServerExtension} starts for a test (method annotation wins over class
 * annotation). A negative value keeps the nats-server default.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface ServerConfig {
    int maxPayload() default -1;

    int maxControlLine() default -1;

    int maxConnections() default -1;

    /** 0 is nats-server's "unlimited". */
    int maxSubscriptions() default -1;

    long maxPendingBytes() default -1;

    long writeDeadlineMillis() default -1;

    long pingIntervalMillis() default -1;

    int pingMax() default -1;

    boolean noHeaderSupport() default false;

    /**
     * Config-file text (nats-server syntax) applied on top: written into the Go server's config file and read
     * by nats4j's config loader, so both servers get the same authorization, accounts, ... blocks.
     */
    String config() default "";
}
