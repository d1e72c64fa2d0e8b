package io.nats4j.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.discovery.DiscoverySelectors;

/**
 * Runs small test classes (the static nested "fixtures", which surefire does not run by itself) through the
 * JUnit Platform launcher, as a build would, and checks what the extension did: servers started and stopped,
 * parameters injected, connections closed, failures reported.
 */
class NatsServerExtensionTest {

    /** Set in the launcher runs of {@link #run}: fixtures are skipped anywhere else (surefire -Dtest patterns, IDEs). */
    static final String FIXTURE_RUN = "nats4j.junit.test.fixture-run";

    /** Marks a fixture: a test class meant to be run by {@link #run}, not by the build itself. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @ExtendWith(OnlyInFixtureRuns.class)
    @interface Fixture {
    }

    static final class OnlyInFixtureRuns implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(FIXTURE_RUN).isPresent()
                    ? ConditionEvaluationResult.enabled("run by NatsServerExtensionTest")
                    : ConditionEvaluationResult.disabled("a fixture of NatsServerExtensionTest, run by it");
        }
    }

    /** Everything fixtures saw, reset before each run. */
    static final Queue<NatsServer> SERVERS = new ConcurrentLinkedQueue<>();
    static final Queue<Connection> CONNECTIONS = new ConcurrentLinkedQueue<>();
    static final Queue<Object> SEEN = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void reset() {
        SERVERS.clear();
        CONNECTIONS.clear();
        SEEN.clear();
    }

    // ---------------------------------------------------------------- scopes

    @NatsTest
    @Fixture
    static class ClassScope {
        @BeforeAll
        static void before(NatsServer server) {
            SEEN.add("beforeAll:" + server.port());
        }

        @Test
        void one(NatsServer server) {
            SERVERS.add(server);
            assertTrue(server.isRunning());
        }

        @Test
        void two(NatsServer server) {
            SERVERS.add(server);
        }

        @Nested
        class Inner {
            @Test
            void nestedSharesTheOuterServer(NatsServer server) {
                SERVERS.add(server);
            }
        }
    }

    @Test
    void classScopeRunsOneServerForAllTestsAndStopsItAfterTheClass() throws Exception {
        TestExecutionSummary s = run(ClassScope.class);
        assertEquals(3, s.getTestsSucceededCount(), () -> failures(s));
        assertEquals(1, Set.copyOf(new ArrayList<>(SERVERS)).size(), "one server for the class and its nested class");
        NatsServer server = SERVERS.peek();
        assertEquals(List.of("beforeAll:" + server.port()), List.copyOf(SEEN));
        assertStopped(server);
    }

    @NatsTest
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @Fixture
    static class PerClassInstance {
        final NatsServer server;
        Connection nc;

        PerClassInstance(NatsServer server) { // JUnit makes this instance before the before-all callbacks
            this.server = server;
        }

        @BeforeAll
        void connect(Connection nc) {
            this.nc = nc;
        }

        @Test
        void constructorAndTestSeeTheSameServer(NatsServer s) {
            SERVERS.add(server);
            SERVERS.add(s);
            CONNECTIONS.add(nc);
            assertEquals(Connection.Status.CONNECTED, nc.getStatus());
        }
    }

    @Test
    void aPerClassTestInstanceGetsTheClassServerInItsConstructor() throws Exception {
        TestExecutionSummary s = run(PerClassInstance.class);
        assertEquals(1, s.getTestsSucceededCount(), () -> failures(s));
        assertEquals(1, Set.copyOf(new ArrayList<>(SERVERS)).size());
        assertEquals(Connection.Status.CLOSED, CONNECTIONS.peek().getStatus(), "a @BeforeAll connection closes after the class");
        assertStopped(SERVERS.peek());
    }

    @NatsTest(scope = NatsTest.Scope.METHOD)
    @Fixture
    static class MethodScope {
        @Test
        void one(NatsServer server) {
            SERVERS.add(server);
        }

        @Test
        void two(NatsServer server) {
            SERVERS.add(server);
        }
    }

    @Test
    void methodScopeGivesEachTestAFreshServer() throws Exception {
        TestExecutionSummary s = run(MethodScope.class);
        assertEquals(2, s.getTestsSucceededCount(), () -> failures(s));
        List<NatsServer> servers = new ArrayList<>(SERVERS);
        assertEquals(2, servers.size());
        assertNotEquals(servers.get(0), servers.get(1));
        for (NatsServer server : servers) {
            assertStopped(server);
        }
    }

    @NatsTest
    @Fixture
    static class MethodOverridesClass {
        @Test
        void classServer(NatsServer server) {
            SERVERS.add(server);
            SEEN.add("class");
        }

        @Test
        @NatsTest(config = "nats/root.conf")
        void ownServer(NatsServer server) {
            SERVERS.add(server);
            SEEN.add(server.serverName());
        }
    }

    @Test
    void aMethodAnnotationGivesThatTestItsOwnServerWithItsOptions() throws Exception {
        TestExecutionSummary s = run(MethodOverridesClass.class);
        assertEquals(2, s.getTestsSucceededCount(), () -> failures(s));
        assertEquals(2, Set.copyOf(new ArrayList<>(SERVERS)).size());
        assertTrue(SEEN.contains("root-config"), SEEN::toString);
        for (NatsServer server : SERVERS) {
            assertStopped(server);
        }
    }

    @Fixture
    static class OnlyAMethod {
        @Test
        @NatsTest
        void annotated(@NatsUrl String url) {
            SEEN.add(url);
        }
    }

    @Test
    void theAnnotationWorksOnAMethodOfAnUnannotatedClass() throws Exception {
        TestExecutionSummary s = run(OnlyAMethod.class);
        assertEquals(1, s.getTestsSucceededCount(), () -> failures(s));
        assertTrue(SEEN.peek().toString().matches("nats://127\\.0\\.0\\.1:\\d+"), SEEN::toString);
    }

    // ---------------------------------------------------------------- parameters

    @NatsTest
    @Fixture
    static class Parameters {
        @Test
        void injected(NatsServer server, @NatsUrl String url, @NatsUrl URI uri, Connection nc) throws Exception {
            SERVERS.add(server);
            CONNECTIONS.add(nc);
            assertEquals(server.clientUrl(), url);
            assertEquals(URI.create(url), uri);
            assertEquals(Connection.Status.CONNECTED, nc.getStatus());
            Subscription sub = nc.subscribe("greeting");
            nc.publish("greeting", "hello".getBytes(StandardCharsets.UTF_8));
            assertEquals("hello", new String(sub.nextMessage(Duration.ofSeconds(5)).getData(), StandardCharsets.UTF_8));
            assertEquals(1, server.connectionCount());
        }
    }

    @Test
    void serverUrlAndAConnectedConnectionAreInjectedAndTheConnectionIsClosedAfterTheTest() throws Exception {
        TestExecutionSummary s = run(Parameters.class);
        assertEquals(1, s.getTestsSucceededCount(), () -> failures(s));
        assertEquals(Connection.Status.CLOSED, CONNECTIONS.peek().getStatus());
        assertStopped(SERVERS.peek());
    }

    @NatsTest(scope = NatsTest.Scope.METHOD)
    @Fixture
    static class NoServerBeforeAll {
        @BeforeAll
        static void before(NatsServer server) {
            fail("must not run");
        }

        @Test
        void test() {
        }
    }

    @Test
    void aParameterWithoutAServerInItsScopeFailsWithAnExplanation() {
        TestExecutionSummary s = run(NoServerBeforeAll.class);
        assertEquals(0, s.getTestsSucceededCount());
        assertTrue(failures(s).contains("no nats4j server for parameter"), failures(s));
    }

    // ---------------------------------------------------------------- options

    @NatsTest(users = {@NatsUser(name = "alice", password = "a-pass", account = "A"),
                       @NatsUser(name = "bob", password = "b\"pass\\", account = "B")},
              accounts = "C")
    @Fixture
    static class UsersAndAccounts {
        @Test
        void accountsAreIsolated(NatsServer server, Connection alice, @ConnectAs("bob") Connection bob)
                throws Exception {
            SERVERS.add(server);
            CONNECTIONS.add(alice);
            CONNECTIONS.add(bob);
            Subscription aliceSub = alice.subscribe("x");
            Subscription bobSub = bob.subscribe("x");
            alice.flush(Duration.ofSeconds(5));
            bob.flush(Duration.ofSeconds(5));
            bob.publish("x", "from bob".getBytes(StandardCharsets.UTF_8));
            bob.flush(Duration.ofSeconds(5));
            assertNotNull(bobSub.nextMessage(Duration.ofSeconds(5)));
            assertNull(aliceSub.nextMessage(Duration.ofMillis(300)), "account A must not see account B's message");
            Options anonymous = Options.builder().server(server.clientUrl()).maxReconnects(0)
                    .connectionTimeout(Duration.ofSeconds(1)).build();
            assertThrows(IOException.class, () -> Nats.connect(anonymous), "users configured: auth required");
        }
    }

    @Test
    void usersAndAccountsFromTheAnnotation() throws Exception {
        TestExecutionSummary s = run(UsersAndAccounts.class);
        assertEquals(1, s.getTestsSucceededCount(), () -> failures(s));
        for (Connection c : CONNECTIONS) {
            assertEquals(Connection.Status.CLOSED, c.getStatus());
        }
    }

    @Fixture
    static class UnknownUser {
        @Test
        @NatsTest(users = @NatsUser(name = "alice", password = "x"))
        void carol(@ConnectAs("carol") Connection nc) {
            fail("must not run");
        }
    }

    @Test
    void connectAsAnUnknownUserFailsClearly() {
        TestExecutionSummary s = run(UnknownUser.class);
        assertEquals(1, s.getTestsFailedCount());
        assertTrue(failures(s).contains("@ConnectAs(\"carol\"): no such user"), failures(s));
    }

    @NatsTest(config = "small-payload.conf")
    @Fixture
    static class ConfigNextToTheClass {
        @Test
        void fileIsRead(NatsServer server, Connection nc) {
            SERVERS.add(server);
            SEEN.add(server.options().configFile);
            assertEquals("from-config", server.serverName());
            assertEquals(512, nc.getServerInfo().getMaxPayload(), "max_payload from the file's include");
            assertNotEquals(4222, server.port(), "the annotation's free port wins over the file's");
        }
    }

    @Test
    void configFileFromTheClassPathWithIncludesAndTheTemporaryFilesAreDeleted() throws Exception {
        TestExecutionSummary s = run(ConfigNextToTheClass.class);
        assertEquals(1, s.getTestsSucceededCount(), () -> failures(s));
        Path generated = (Path) SEEN.peek();
        assertFalse(Files.exists(generated.getParent()), "temporary directory deleted: " + generated);
        assertStopped(SERVERS.peek());
    }

    @NatsTest(config = "no-such.conf")
    @Fixture
    static class MissingConfig {
        @Test
        void never() {
            fail("must not run");
        }
    }

    @Test
    void aMissingConfigResourceFailsTheClassClearly() {
        TestExecutionSummary s = run(MissingConfig.class);
        assertEquals(0, s.getTestsStartedCount());
        assertTrue(failures(s).contains("@NatsTest(config = \"no-such.conf\")")
                && failures(s).contains("no such resource on the class path"), failures(s));
    }

    @NatsTest(port = 14222, host = "0.0.0.0", config = "small-payload.conf")
    @Fixture
    static class FixedPort {
    }

    @Test
    void portAndHostOfTheAnnotationWinOverTheConfigFile() throws Exception {
        Path dir = Files.createTempDirectory("nats4j-junit-test-");
        try {
            ServerOptions o = ServerStarter.options(FixedPort.class.getAnnotation(NatsTest.class), FixedPort.class,
                    dir, "FixedPort");
            assertEquals(14222, o.port);
            assertEquals("0.0.0.0", o.host);
            assertEquals(512, o.maxPayload);
        } finally {
            RunningServer.deleteTree(dir);
        }
    }

    @NatsTest(jetStream = true)
    @Fixture
    static class JetStream {
        @Test
        void streamAndPublish(Connection nc) throws Exception {
            nc.jetStreamManagement().addStream(io.nats.client.api.StreamConfiguration.builder().name("S")
                    .subjects("s.>").build());
            assertEquals(1, nc.jetStream().publish("s.1", new byte[] {1}).getSeqno());
        }
    }

    @NatsTest(jetStream = true, accounts = "A", users = @NatsUser(name = "a", password = "p", account = "A"))
    @Fixture
    static class JetStreamAccounts {
        @Test
        void accountHasJetStream(@ConnectAs("a") Connection nc) throws Exception {
            assertEquals(0, nc.jetStreamManagement().getAccountStatistics().getStreams());
        }
    }

    @Test
    void jetStreamRuns() {
        TestExecutionSummary s = run(JetStream.class);
        assertEquals(1, s.getTestsSucceededCount(), failures(s));
        s = run(JetStreamAccounts.class);
        assertEquals(1, s.getTestsSucceededCount(), failures(s));
    }

    // ---------------------------------------------------------------- failures, parallel runs

    @NatsTest
    @Fixture
    static class FailingTest {
        @Test
        void fails(NatsServer server, Connection nc) {
            SERVERS.add(server);
            CONNECTIONS.add(nc);
            fail("on purpose");
        }
    }

    @Test
    void aFailingTestStillClosesItsConnectionAndServer() throws Exception {
        TestExecutionSummary s = run(FailingTest.class);
        assertEquals(1, s.getTestsFailedCount());
        assertTrue(failures(s).contains("on purpose"));
        assertEquals(Connection.Status.CLOSED, CONNECTIONS.peek().getStatus());
        assertStopped(SERVERS.peek());
    }

    static final AtomicInteger RUNNING = new AtomicInteger();
    static final AtomicInteger MAX_RUNNING = new AtomicInteger();
    static final CountDownLatch OVERLAP = new CountDownLatch(2);

    @NatsTest(scope = NatsTest.Scope.METHOD)
    @Execution(ExecutionMode.CONCURRENT)
    @Fixture
    static class Parallel {
        void body(NatsServer server, Connection nc) throws Exception {
            SERVERS.add(server);
            MAX_RUNNING.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
            OVERLAP.countDown();
            OVERLAP.await(10, TimeUnit.SECONDS); // let at least two tests hold their servers at once
            Subscription sub = nc.subscribe("p");
            nc.publish("p", server.clientUrl().getBytes(StandardCharsets.UTF_8));
            assertEquals(server.clientUrl(),
                    new String(sub.nextMessage(Duration.ofSeconds(5)).getData(), StandardCharsets.UTF_8));
            RUNNING.decrementAndGet();
        }

        @Test void t1(NatsServer s, Connection nc) throws Exception { body(s, nc); }
        @Test void t2(NatsServer s, Connection nc) throws Exception { body(s, nc); }
        @Test void t3(NatsServer s, Connection nc) throws Exception { body(s, nc); }
        @Test void t4(NatsServer s, Connection nc) throws Exception { body(s, nc); }
        @Test void t5(NatsServer s, Connection nc) throws Exception { body(s, nc); }
        @Test void t6(NatsServer s, Connection nc) throws Exception { body(s, nc); }
    }

    @Test
    void testsRunningInParallelEachGetTheirOwnServer() throws Exception {
        TestExecutionSummary s = run(Parallel.class, Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "4"));
        assertEquals(6, s.getTestsSucceededCount(), () -> failures(s));
        assertTrue(MAX_RUNNING.get() >= 2, "tests overlapped: " + MAX_RUNNING.get());
        Set<Integer> ports = new HashSet<>();
        for (NatsServer server : SERVERS) {
            ports.add(server.port());
            assertStopped(server);
        }
        assertEquals(6, ports.size(), "six servers on six ports");
    }

    // ---------------------------------------------------------------- helpers

    static TestExecutionSummary run(Class<?> fixture) {
        return run(fixture, Map.of());
    }

    static TestExecutionSummary run(Class<?> fixture, Map<String, String> config) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(fixture))
                .configurationParameters(config)
                .configurationParameter(FIXTURE_RUN, "true")
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    static String failures(TestExecutionSummary s) {
        StringBuilder sb = new StringBuilder();
        for (TestExecutionSummary.Failure f : s.getFailures()) {
            sb.append(f.getTestIdentifier().getDisplayName()).append(": ").append(f.getException()).append('\n');
            for (Throwable c = f.getException().getCause(); c != null; c = c.getCause()) {
                sb.append("  caused by ").append(c).append('\n');
            }
        }
        return sb.toString();
    }

    /** Stopped, and its port free again. */
    static void assertStopped(NatsServer server) throws IOException {
        assertFalse(server.isRunning(), "server stopped");
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", server.port()));
        }
    }

}
