package io.nats4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.config.CommandLine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -t} runs every check start-up runs (issue #10): for configurations that only start-up used to refuse,
 * {@code -t} now exits 1 with the same one error line that start-up prints, and a configuration that
 * {@code -t} passes starts.
 */
class StartupChecksTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, "listen: 127.0.0.1:-1\n" + text);
        return f;
    }

    /** -t refuses with exit 1 and prints "nats-server: {expected}"; start-up refuses with the same text. */
    private void refusedByCheckAndStartUp(Path file, String expected) throws Exception {
        StandaloneRun t = StandaloneRun.of("-t", "-c", file.toString());
        assertEquals(1, t.exitCode(), t.output());
        assertEquals("nats-server: " + expected + "\n", t.err(), t.output());
        assertEquals("", t.out());

        ServerOptions o = CommandLine.parse(new String[] {"-c", file.toString()}).options();
        NatsServer server = new NatsServer(o);
        IOException e = assertThrows(IOException.class, server::start);
        server.close();
        assertEquals(expected, e.getMessage());
        // the standalone server reports it exactly as -t does
        StandaloneRun start = StandaloneRun.of("-c", file.toString());
        assertEquals(1, start.exitCode(), start.output());
        assertEquals("nats-server: " + expected + "\n", start.err(), start.output());
    }

    @Test
    void aUserInBothAccountsAndAuthorizationIsRefusedByTheCheckWithItsPosition() throws Exception {
        Path f = write("dup.conf", """
                authorization { users: [ {user: a, password: a} ] }
                accounts { A { users: [ {user: a, password: b} ] } }
                """);
        // as nats-server -t: dup.conf:3:16: Duplicate user "a" detected (line 1 is the listen line)
        StandaloneRun t = StandaloneRun.of("-t", "-c", f.toString());
        assertEquals(1, t.exitCode(), t.output());
        assertEquals("nats-server: " + f + ":3:16: Duplicate user \"a\" detected\n", t.err());
        StandaloneRun start = StandaloneRun.of("-c", f.toString());
        assertEquals(1, start.exitCode(), start.output());
        assertEquals(t.err(), start.err());
    }

    @Test
    void aUserInAuthorizationAfterTheSameUserInAnAccountIsRefused() throws Exception {
        Path f = write("dup2.conf", """
                accounts { A { users: [ {nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4} ] } }
                authorization { users: [ {nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4} ] }
                """);
        StandaloneRun t = StandaloneRun.of("-t", "-c", f.toString());
        assertEquals(1, t.exitCode(), t.output());
        assertEquals("nats-server: " + f
                + ":3:1: Duplicate nkey \"UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4\" detected\n", t.err());
    }

    @Test
    void anUndefinedSystemAccountIsRefusedByTheCheckAtItsKey() throws Exception {
        Path f = write("sys.conf", "system_account: NOPE\n");
        StandaloneRun t = StandaloneRun.of("-t", "-c", f.toString());
        assertEquals(1, t.exitCode(), t.output());
        assertEquals("nats-server: " + f + ":2:1: system account \"NOPE\" not defined\n", t.err());
        StandaloneRun start = StandaloneRun.of("-c", f.toString());
        assertEquals(1, start.exitCode(), start.output());
        assertEquals(t.err(), start.err());
        // set in code (no file), start-up's own check still refuses it
        ServerOptions o = new ServerOptions();
        o.port = -1;
        o.auth.systemAccount = "NOPE";
        try (NatsServer server = new NatsServer(o)) {
            assertEquals("system account \"NOPE\" not defined", assertThrows(IOException.class, server::start).getMessage());
        }
    }

    @Test
    void aNoAuthUserThatIsNoUserIsRefusedByTheCheck() throws Exception {
        refusedByCheckAndStartUp(write("noauth.conf", "authorization { users: [ {user: a, password: a} ] }\n"
                + "no_auth_user: b\n"),
                "no_auth_user: \"b\" not present as user or nkey in authorization block or account configuration");
    }

    @Test
    void anImportFromAnUnknownAccountIsRefusedByTheCheck() throws Exception {
        refusedByCheckAndStartUp(write("import.conf", "accounts { A { imports: [ {stream: {account: B, subject: x}} ] } }\n"),
                "Error adding stream import \"x\": account \"B\" not found");
    }

    @Test
    void httpsWithoutTlsIsRefusedByTheCheck() throws Exception {
        refusedByCheckAndStartUp(write("https.conf", "https: 127.0.0.1:-1\n"),
                "Can't start monitoring: TLS cert and key required for HTTPS");
    }

    @Test
    void bothHttpAndHttpsAreRefusedByTheCheck() throws Exception {
        refusedByCheckAndStartUp(write("both.conf", "http: 127.0.0.1:-1\nhttps: 127.0.0.1:-1\n"),
                "Can't start monitoring: can't specify both HTTP (-1) and HTTPs (-1) ports");
    }

    @Test
    void anImportTheExporterDoesNotAllowIsRefusedByTheCheck() throws Exception {
        refusedByCheckAndStartUp(write("notallowed.conf", """
                accounts {
                  A { exports: [ {stream: "s"} ] }
                  B { imports: [ {stream: {account: A, subject: "t"}} ] }
                }
                """), "Error adding stream import \"t\": stream import not authorized");
    }

    @Test
    void operatorModeWithoutAResolverIsRefusedByTheCheck() throws Exception {
        refusedByCheckAndStartUp(write("operator.conf", "operator: \"" + new io.nats4j.server.testsupport.TestJwts.Operator(dir).jwt() + "\"\n"),
                "operators require an account resolver to be configured");
    }

    @Test
    void aConfigurationTheCheckPassesStarts() throws Exception {
        Path f = write("ok.conf", """
                authorization { users: [ {user: a, password: a} ] }
                accounts { A { users: [ {user: b, password: b} ] } }
                no_auth_user: a
                """);
        StandaloneRun t = StandaloneRun.of("-t", "-c", f.toString());
        assertEquals(0, t.exitCode(), t.output());
        assertTrue(t.out().contains("is valid"), t.output());
        try (NatsServer server = new NatsServer(CommandLine.parse(new String[] {"-c", f.toString()}).options())) {
            server.start();
        }
    }
}
