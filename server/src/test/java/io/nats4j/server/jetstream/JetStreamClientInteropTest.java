package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nats4j.server.testsupport.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nats.go's and nats.js's JetStream APIs against the server, unchanged: streams, publish (sync, async,
 * de-duplication, expectations), message get, pull, push and ordered consumers, nak, key-value and object store.
 * The check programs are test resources ({@code interop/js_interop.go}, {@code interop/js_interop.js}); each prints
 * {@code PASS name}/{@code FAIL name: why} per check. Runs against nats-server -js too.
 *
 * <p>Toolchains are used only when present, offline: Go in GOPATH mode against Debian's nats.go
 * ({@code golang-go} + {@code golang-github-nats-io-go-nats-dev}; {@code -Dnats.test.gopath} or {@code GOPATH}
 * point elsewhere), nats.js from {@code compat/node/node_modules} or else installed by {@code npm ci --offline}
 * from compat/node's lock file (npm's cache). A missing toolchain skips its test with the reason.
 */
class JetStreamClientInteropTest {

    /** Debian's package of nats.go: its file list tells where the GOPATH-mode sources are. */
    private static final String DEBIAN_NATS_GO = "golang-github-nats-io-go-nats-dev";
    private static final String NATS_GO_DIR = "/src/github.com/nats-io/nats.go";
    private static final List<String> CHECKS = List.of("stream_create", "publish", "publish_async", "get_msg",
            "pull_consumer", "push_consumer", "ordered_consumer", "key_value", "object_store", "stream_delete");

    @TempDir
    Path dir;
    private TestServer server;
    /** Build outputs kept between runs (Go's build cache, node_modules). */
    private final Path work = Path.of("target", "interop").toAbsolutePath();

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(work);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String startServer() throws IOException {
        server = TestServer.start(TestServer.defaultOptions(),
                "jetstream { store_dir: \"" + dir.resolve("store").toAbsolutePath() + "\" }");
        return server.url();
    }

    static Path which(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private Path resource(String name) throws IOException {
        Path out = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/interop/" + name)) {
            assertTrue(in != null, "test resource interop/" + name);
            Files.copy(in, out);
        }
        return out;
    }

    private record Run(int exit, String output) {
    }

    private static Run run(List<String> command, Path cwd, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(cwd, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Run(-1, Files.readString(log) + "\n(timed out after " + timeoutSeconds + " s)");
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void assertAllPassed(String client, Run r) {
        List<String> failures = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            if (line.startsWith("FAIL")) {
                failures.add(line);
            }
        }
        assertTrue(failures.isEmpty(), client + " failed checks against " + TestServer.kind() + ":\n"
                + String.join("\n", failures) + "\n--- output:\n" + r.output());
        for (String c : CHECKS) {
            assertTrue(r.output().contains("PASS " + c + "\n"), client + " did not run " + c + ":\n" + r.output());
        }
        assertEquals(0, r.exit(), r.output());
    }

    /** The GOPATH root of Debian's nats.go, from {@code dpkg -L}, or null. */
    private static String debianGoPath() {
        Path dpkg = which("dpkg");
        if (dpkg == null) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(dpkg.toString(), "-L", DEBIAN_NATS_GO).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            for (String line : out.split("\n")) {
                if (line.endsWith(NATS_GO_DIR)) {
                    return line.substring(0, line.length() - NATS_GO_DIR.length());
                }
            }
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private static Path goPath() {
        String prop = System.getProperty("nats.test.gopath");
        String env = System.getenv("GOPATH");
        for (String c : new String[] {prop, env, debianGoPath()}) {
            if (c != null && !c.isEmpty() && Files.isDirectory(Path.of(c, "src", "github.com", "nats-io", "nats.go"))) {
                return Path.of(c);
            }
        }
        return null;
    }

    @Test
    void natsGoJetStream() throws Exception {
        Path go = which("go");
        assumeTrue(go != null, "SKIP nats.go interop: no `go` on the PATH (Debian package golang-go)");
        Path gopath = goPath();
        assumeTrue(gopath != null, "SKIP nats.go interop: nats.go sources not found in GOPATH mode (Debian package "
                + "golang-github-nats-io-go-nats-dev, or -Dnats.test.gopath=DIR)");
        Path src = resource("js_interop.go");
        Path bin = dir.resolve("js_interop");
        Map<String, String> env = Map.of("GO111MODULE", "off", "GOPATH", gopath.toString(), "GOFLAGS", "",
                "GOPROXY", "off", "GOTOOLCHAIN", "local", "GOCACHE", work.resolve("gocache").toString());
        Run build = run(List.of(go.toString(), "build", "-o", bin.toString(), src.toString()), dir, env, 300);
        assertEquals(0, build.exit(), "go build of interop/js_interop.go in GOPATH mode:\n" + build.output());
        Run r = run(List.of(bin.toString(), startServer()), dir, Map.of(), 120);
        assertAllPassed("nats.go", r);
        assertFalse(r.output().isEmpty());
    }

    /** A node_modules holding npm "nats": compat/node's, or one installed offline from its lock file. */
    private Path nodeModules(Path npm) throws Exception {
        Path compat = Path.of("..", "compat", "node").toAbsolutePath().normalize();
        if (Files.isDirectory(compat.resolve("node_modules").resolve("nats"))) {
            return compat.resolve("node_modules");
        }
        Path target = work.resolve("node");
        if (Files.isDirectory(target.resolve("node_modules").resolve("nats"))) {
            return target.resolve("node_modules");
        }
        if (npm == null || !Files.isRegularFile(compat.resolve("package-lock.json"))) {
            return null;
        }
        Files.createDirectories(target);
        Files.copy(compat.resolve("package.json"), target.resolve("package.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(compat.resolve("package-lock.json"), target.resolve("package-lock.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Run ci = run(List.of(npm.toString(), "ci", "--offline", "--no-audit", "--no-fund", "--loglevel=error"), target,
                Map.of(), 120);
        return ci.exit() == 0 && Files.isDirectory(target.resolve("node_modules").resolve("nats"))
                ? target.resolve("node_modules") : null;
    }

    @Test
    void natsJsJetStream() throws Exception {
        Path node = which("node");
        assumeTrue(node != null, "SKIP nats.js interop: no `node` on the PATH (Debian package nodejs)");
        Path modules = nodeModules(which("npm"));
        assumeTrue(modules != null, "SKIP nats.js interop: npm package \"nats\" not installed in compat/node and "
                + "`npm ci --offline` could not install it from npm's cache (run `npm ci` in compat/node once)");
        Path src = resource("js_interop.js");
        Run r = run(List.of(node.toString(), src.toString(), startServer()), dir,
                Map.of("NODE_PATH", modules.toString()), 120);
        assertAllPassed("nats.js", r);
    }
}
