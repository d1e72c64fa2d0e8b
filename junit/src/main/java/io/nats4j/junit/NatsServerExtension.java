package io.nats4j.junit;

import io.nats4j.server.NatsServer;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Parameter;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link NatsTest}: starts servers before a class or a test, resolves parameters, and
 * stops servers and closes connections after them (also when the test failed).
 *
 * <p>State lives in JUnit's {@link ExtensionContext.Store}, which is thread-safe and per context: a class's
 * server in the class context, a test's own server in the test's context, each under a key made of its context's
 * unique id (lookups walk up from the test to its class and enclosing classes, so the nearest server wins). Nothing is static, so parallel classes and
 * methods do not share anything but the class's server they are meant to share.
 */
public final class NatsServerExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NatsServerExtension.class);
    private static final String CONNECTION_TYPE = "io.nats.client.Connection";

    @Override
    public void beforeAll(ExtensionContext context) {
        classServer(context);
    }

    /**
     * The server of a class annotated with scope CLASS, started on first need: by {@link #beforeAll}, or earlier
     * when a constructor asks for it ({@code @TestInstance(PER_CLASS)}: JUnit creates the instance before the
     * before-all callbacks). Null for other classes.
     */
    private static RunningServer classServer(ExtensionContext classContext) {
        Class<?> testClass = classContext.getRequiredTestClass();
        Optional<NatsTest> a = AnnotationSupport.findAnnotation(testClass, NatsTest.class);
        if (a.isEmpty() || a.get().scope() != NatsTest.Scope.CLASS) {
            return null;
        }
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(serverKey(classContext),
                k -> ServerStarter.start(a.get(), testClass, testClass.getName()), RunningServer.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Optional<NatsTest> own = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), NatsTest.class);
        NatsTest a = own.orElse(null);
        if (a == null) {
            NatsTest nearest = nearestClassAnnotation(context);
            if (nearest != null && nearest.scope() == NatsTest.Scope.METHOD) {
                a = nearest;
            }
        }
        if (a != null) {
            context.getStore(NAMESPACE).put(serverKey(context),
                    ServerStarter.start(a, context.getRequiredTestClass(), context.getDisplayName()));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        release(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        release(context);
    }

    /** Closes what this context opened: connections first (they would reconnect otherwise), then its own server. */
    private static void release(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Throwable failure = null;
        Resources resources = store.remove(resourcesKey(context), Resources.class);
        if (resources != null) {
            failure = resources.closeAll();
        }
        RunningServer server = store.remove(serverKey(context), RunningServer.class);
        if (server != null) {
            try {
                server.close();
            } catch (RuntimeException | Error e) {
                failure = addFailure(failure, e);
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        } else if (failure instanceof Error err) {
            throw err;
        } else if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static NatsTest nearestClassAnnotation(ExtensionContext context) {
        for (Optional<ExtensionContext> c = context.getParent(); c.isPresent(); c = c.get().getParent()) {
            Optional<AnnotatedElement> element = c.get().getElement();
            if (element.isPresent() && element.get() instanceof Class<?> type) {
                Optional<NatsTest> a = AnnotationSupport.findAnnotation(type, NatsTest.class);
                if (a.isPresent()) {
                    return a.get();
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- parameters

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> type = pc.getParameter().getType();
        if (type == NatsServer.class || type == NatsCluster.class) {
            return true;
        }
        if (pc.isAnnotated(NatsUrl.class)) {
            return type == String.class || type == URI.class;
        }
        return type.getName().equals(CONNECTION_TYPE);
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        RunningServer running = nearestServer(ec);
        Parameter p = pc.getParameter();
        if (running == null) {
            throw new ParameterResolutionException("no nats4j server for parameter '" + p + "' of "
                    + pc.getDeclaringExecutable() + ": annotate the class or the test with @NatsTest "
                    + "(a @BeforeAll method gets a server only with the class's scope = CLASS)");
        }
        Class<?> type = p.getType();
        if (type == NatsCluster.class) {
            if (running.cluster == null) {
                throw new ParameterResolutionException("no nats4j cluster for parameter '" + p + "' of "
                        + pc.getDeclaringExecutable() + ": ask for one with @NatsTest(cluster = N)");
            }
            return running.cluster;
        }
        int node = pc.findAnnotation(ClusterNode.class).map(ClusterNode::value).orElse(0);
        NatsServer server = running.server(node, p + " of " + pc.getDeclaringExecutable());
        if (type == NatsServer.class) {
            return server;
        }
        if (type == String.class) {
            return server.clientUrl();
        }
        if (type == URI.class) {
            return URI.create(server.clientUrl());
        }
        String user = pc.findAnnotation(ConnectAs.class).map(ConnectAs::value).orElse(null);
        AutoCloseable connection = JnatsConnector.connect(running, node, user);
        ExtensionContext.Store store = ec.getStore(NAMESPACE);
        store.getOrComputeIfAbsent(resourcesKey(ec), k -> new Resources(), Resources.class).add(connection);
        return connection;
    }

    /** The server of this context or of the nearest enclosing one: the test's own, its class's, an outer class's. */
    private static RunningServer nearestServer(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            RunningServer s = c.get().getStore(NAMESPACE).get(serverKey(c.get()), RunningServer.class);
            if (s == null && c.get().getElement().orElse(null) instanceof Class<?>) {
                s = classServer(c.get());
            }
            if (s != null) {
                return s;
            }
        }
        return null;
    }

    /** Keys per context: the store's lookups walk up to parents, a context's unique id keeps its entries its own. */
    private static String serverKey(ExtensionContext context) {
        return "server:" + context.getUniqueId();
    }

    /** Per context (the store's lookups walk up to parents: a unique key keeps each context's own list). */
    private static String resourcesKey(ExtensionContext context) {
        return "resources:" + context.getUniqueId();
    }

    private static Throwable addFailure(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** What a context opened, closed last-opened first. Also closed by JUnit 5.13+ if it outlives release(). */
    static final class Resources implements AutoCloseable {
        private final Deque<AutoCloseable> open = new ArrayDeque<>();

        synchronized void add(AutoCloseable c) {
            open.push(c);
        }

        synchronized Throwable closeAll() {
            Throwable failure = null;
            while (!open.isEmpty()) {
                try {
                    open.pop().close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = addFailure(failure, e);
                } catch (Exception | Error e) {
                    failure = addFailure(failure, e);
                }
            }
            return failure;
        }

        @Override
        public void close() {
            Throwable t = closeAll();
            if (t instanceof RuntimeException e) {
                throw e;
            } else if (t instanceof Error e) {
                throw e;
            } else if (t != null) {
                throw new IllegalStateException("closing a connection failed", t);
            }
        }
    }
}
