package io.nats4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On an {@code io.nats.client.Connection} parameter: log in as this user of {@link NatsTest#users()}
 * (its password is taken from there) instead of the first one.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface ConnectAs {

    /** A {@link NatsUser#name()} of the server's annotation. */
    String value();
}
