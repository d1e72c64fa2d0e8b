package io.nats4j.server.testsupport;

import io.nats4j.server.ServerOptions;
import java.lang.reflect.AnnotatedElement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh {@link TestServer} (the kind chosen by {@code -Dnats.test.server}), started
 * before the test with the test's {@link ServerConfig} and stopped after it. Tests receive it as a
 * {@code TestServer} parameter:
 *
 * <pre>{@code
 * @ExtendWith(TestServerExtension.class)
 * class SomeTest {
 *     @Test
 *     @ServerConfig(maxPayload = 1024)
 *     void bigPublishIsRejected(TestServer server) { ... }
 * }
 * }</pre>
 */
public final class TestServerExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(TestServerExtension.class);
    private static final String KEY = "server";

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        ServerOptions options = TestServer.defaultOptions();
        Optional<ServerConfig> config = find(context.getRequiredTestMethod());
        if (config.isEmpty()) {
            config = find(context.getRequiredTestClass());
        }
        config.ifPresent(c -> apply(c, options));
        TestServer server = TestServer.start(options, config.map(ServerConfig::config).orElse(""));
        context.getStore(NAMESPACE).put(KEY, server);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestServer server = context.getStore(NAMESPACE).remove(KEY, TestServer.class);
        if (server != null) {
            server.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return extensionContext.getStore(NAMESPACE).get(KEY, TestServer.class);
    }

    private static Optional<ServerConfig> find(AnnotatedElement element) {
        return Optional.ofNullable(element.getAnnotation(ServerConfig.class));
    }

    /** Copies the values a {@link ServerConfig} sets onto the options. */
    public static void apply(ServerConfig c, ServerOptions o) {
        if (c.maxPayload() >= 0) {
            o.maxPayload = c.maxPayload();
        }
        if (c.maxControlLine() >= 0) {
            o.maxControlLine = c.maxControlLine();
        }
        if (c.maxConnections() >= 0) {
            o.maxConnections = c.maxConnections();
        }
        if (c.maxSubscriptions() >= 0) {
            o.maxSubscriptions = c.maxSubscriptions();
        }
        if (c.maxPendingBytes() >= 0) {
            o.maxPending = c.maxPendingBytes();
        }
        if (c.writeDeadlineMillis() >= 0) {
            o.writeDeadline = Duration.ofMillis(c.writeDeadlineMillis());
        }
        if (c.pingIntervalMillis() >= 0) {
            o.pingInterval = Duration.ofMillis(c.pingIntervalMillis());
        }
        if (c.pingMax() >= 0) {
            o.pingMax = c.pingMax();
        }
        o.noHeaderSupport = c.noHeaderSupport();
    }
}
