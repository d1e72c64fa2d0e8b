package io.nats4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code String} or {@link java.net.URI} parameter that receives the {@link NatsTest} server's
 * client URL, {@code nats://127.0.0.1:<port>} (no credentials in it).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface NatsUrl {
}
