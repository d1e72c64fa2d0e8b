package io.nats4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a nats4j server inside the test JVM for the annotated test class or test method.
 *
 * <pre>{@code
 * @NatsTest
 * class OrderServiceTest {
 *     @Test
 *     void replies(Connection nc) throws Exception {          // connected to the server, closed after the test
 *         ...
 *     }
 *
 *     @Test
 *     void startsItsService(@NatsUrl String url) { ... }     // nats://127.0.0.1:<port>
 *
 *     @Test
 *     @NatsTest(users = @NatsUser(name = "alice", password = "s3cret"))
 *     void needsAuth(NatsServer server, Connection nc) { ... } // a server of its own, nc logged in as alice
 * }
 * }</pre>
 *
 * <p>On a class, one server serves all its tests ({@link Scope#CLASS}, the default) or each test gets a fresh
 * one ({@link Scope#METHOD}); {@code @Nested} classes share their enclosing class's server unless annotated
 * themselves. On a method, that test gets a server of its own, started with the method's annotation. Test
 * methods, lifecycle methods ({@code @BeforeAll}, {@code @BeforeEach}, ...) and constructors can declare
 * parameters of type {@link io.nats4j.server.NatsServer}, {@code String} or {@link java.net.URI} annotated
 * with {@link NatsUrl}, and {@code io.nats.client.Connection} (needs {@code io.nats:jnats} on the test class
 * path; {@link ConnectAs} picks the user). With {@link #cluster()} = N the annotation starts N servers joined by
 * routes instead of one, and a {@link NatsCluster} parameter holds them all.
 *
 * <p>Every server listens on a free loopback port by default, so test classes and methods can run in parallel
 * (JUnit's {@code junit.jupiter.execution.parallel.enabled}). Servers, connections and temporary directories
 * are closed and deleted after their test or class, whether it passed or failed.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(NatsServerExtension.class)
public @interface NatsTest {

    /** {@link #port()}'s default: a free port chosen by the operating system. */
    int FREE_PORT = -1;

    /** On a class: one server for the whole class, or a fresh server for each test method. */
    enum Scope { CLASS, METHOD }

    /** Ignored on a method (a method-level annotation always means a server for that test). */
    Scope scope() default Scope.CLASS;

    /** The client port; {@link #FREE_PORT} (the default) lets parallel tests run side by side. Wins over the config file's. */
    int port() default FREE_PORT;

    /** The interface the server listens on. Wins over the config file's. */
    String host() default "127.0.0.1";

    /**
     * JetStream, with its store in a temporary directory deleted after the server stops; every account the
     * annotation names gets {@code jetstream: enabled} (the global account has it when no account is named).
     */
    boolean jetStream() default false;

    /**
     * A nats-server config file from the class path, e.g. {@code "nats/server.conf"} for
     * {@code src/test/resources/nats/server.conf}. A name without a leading '/' is looked up next to the test
     * class first (as {@link Class#getResource} does), then from the class path root. {@code include}s in the
     * file resolve relative to it when it is a plain file (not inside a jar). The annotation's
     * {@link #port()}, {@link #host()}, {@link #users()} and {@link #accounts()} override the file's.
     */
    String config() default "";

    /**
     * Users; those without an {@link NatsUser#account()} belong to the global account. With users the server
     * requires authentication; an injected {@code Connection} logs in as the first user unless
     * {@link ConnectAs} names another.
     */
    NatsUser[] users() default {};

    /** Accounts to create (besides those the users name), e.g. to set up isolation between tenants. */
    String[] accounts() default {};

    /**
     * A cluster of this many servers instead of one server: each with the annotation's options, a free client
     * port and a free route port on {@link #host()}, its own temporary directory, and a cluster name unique to the
     * run; started one after the other, each with routes to those before it, and ready once every server has a
     * route to every other. Parameters: {@link NatsCluster} for all the servers; {@link ClusterNode} picks the
     * server of a {@link io.nats4j.server.NatsServer}, {@link NatsUrl} or {@code Connection} parameter (server 0
     * without it). 0 (the default) is one standalone server; 1 is one server with a route port.
     * {@link #port()} must stay {@link #FREE_PORT}, and {@link #jetStream()} cannot be combined with it: nats4j
     * has no clustered JetStream and a server with both cluster and JetStream refuses to start.
     */
    int cluster() default 0;
}
