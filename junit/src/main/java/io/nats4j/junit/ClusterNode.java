package io.nats4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * With {@link NatsTest#cluster()}: which server of the cluster a parameter is about, counted from 0 in start
 * order. On a {@link io.nats4j.server.NatsServer} or {@link NatsUrl} parameter, that server; on an
 * {@code io.nats.client.Connection}, a connection made to that server first (the cluster's other servers are its
 * reconnect list). Without it, parameters are about server 0.
 *
 * <pre>{@code
 * @Test
 * void crossesTheCluster(@ClusterNode(0) Connection publisher, @ClusterNode(2) Connection subscriber) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface ClusterNode {

    /** The server's index, from 0 to {@code cluster - 1}. */
    int value();
}
