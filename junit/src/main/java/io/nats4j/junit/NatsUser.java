package io.nats4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A user of a {@link NatsTest} server: the config file's {@code {user: ..., password: ...}} entry. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({})
public @interface NatsUser {

    String name();

    String password();

    /** The user's account; "" = the global account. Named accounts are created as needed. */
    String account() default "";
}
