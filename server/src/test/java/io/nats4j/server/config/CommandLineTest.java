package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

    @TempDir
    Path dir;

    private static CommandLine.Result parse(String... args) throws ConfigException {
        return CommandLine.parse(args, k -> null);
    }

    private static ServerOptions options(String... args) throws ConfigException {
        return parse(args).options();
    }

    private static String error(String... args) {
        return assertThrows(ConfigException.class, () -> parse(args)).getMessage();
    }

    @Test
    void noArgumentsGiveDefaults() throws Exception {
        CommandLine.Result r = parse();
        assertEquals(ServerOptions.DEFAULT_PORT, r.options().port);
        assertFalse(r.showHelp());
        assertFalse(r.showVersion());
        assertFalse(r.testConfig());
        assertNull(r.signal());
    }

    @Test
    void valueFlagsAcceptEveryGoSpelling() throws Exception {
        assertEquals(4223, options("-p", "4223").port);
        assertEquals(4224, options("-p=4224").port);
        assertEquals(4225, options("--port", "4225").port);
        assertEquals(4226, options("--port=4226").port);
        assertEquals(16, options("-p", "0x10").port);
        assertEquals(-1, options("-p", "-1").port);
    }

    @Test
    void booleanFlagsTakeNoSeparateValue() throws Exception {
        assertTrue(options("-D").debug);
        assertTrue(options("-D=true").debug);
        assertFalse(options("-T=false").logTime);
        assertFalse(options("--logtime=0").logTime);
        assertTrue(options("--debug=T").debug);
    }

    @Test
    void everySupportedFlagSetsItsOption() throws Exception {
        ServerOptions o = options("-a", "127.0.0.1", "-n", "srv", "-P", "/tmp/p.pid", "--client_advertise", "h:1",
                "--ports_file_dir", "/tmp", "-l", "/tmp/l.log", "-s", "-r", "udp://h:514", "--log_size_limit", "1024",
                "--max_traced_msg_len", "64");
        assertEquals("127.0.0.1", o.host);
        assertEquals("srv", o.serverName);
        assertEquals(Path.of("/tmp/p.pid"), o.pidFile);
        assertEquals("h:1", o.clientAdvertise);
        assertEquals(Path.of("/tmp"), o.portsFileDir);
        assertEquals(Path.of("/tmp/l.log"), o.logFile);
        assertTrue(o.syslog);
        assertEquals("udp://h:514", o.remoteSyslog);
        assertEquals(1024, o.logSizeLimit);
        assertEquals(64, o.maxTracedMsgLen);
        assertEquals("x", options("--net", "x").host);
        assertEquals("y", options("--addr=y").host);
        assertEquals("z", options("--server_name", "z").serverName);
        assertEquals("w", options("--name", "w").serverName);
    }

    @Test
    void debugAndTraceCombinations() throws Exception {
        ServerOptions dv = options("-DV");
        assertTrue(dv.debug && dv.trace && !dv.traceVerbose);
        ServerOptions vv = options("-VV");
        assertTrue(!vv.debug && vv.trace && vv.traceVerbose);
        ServerOptions dvv = options("--DVV");
        assertTrue(dvv.debug && dvv.trace && dvv.traceVerbose);
        ServerOptions v = options("-V");
        assertTrue(v.trace && !v.debug);
    }

    @Test
    void flagsOverrideTheConfigFileWhateverTheirOrder() throws Exception {
        Path conf = dir.resolve("s.conf");
        Files.writeString(conf, "port: 5000\nserver_name: fromfile\ndebug: true\nmax_payload: 2kb\n");
        ServerOptions o = options("-p", "6000", "-c", conf.toString(), "-D=false");
        assertEquals(6000, o.port);
        assertEquals("fromfile", o.serverName);
        assertFalse(o.debug);
        assertEquals(2048, o.maxPayload);
        assertEquals(conf, o.configFile);
    }

    @Test
    void testConfigNeedsAConfigFile() throws Exception {
        assertEquals("must specify [-c, --config] option to check configuration file syntax", error("-t"));
        Path conf = dir.resolve("ok.conf");
        Files.writeString(conf, "port: 1\n");
        CommandLine.Result r = parse("-t", "--config", conf.toString());
        assertTrue(r.testConfig());
        assertEquals(1, r.options().port);
    }

    @Test
    void configErrorsPropagateWithPositions() throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "port: 1\nnope: 2\n");
        assertEquals(conf + ":2:1: unknown field \"nope\"", error("-c", conf.toString()));
    }

    @Test
    void configWarningsAreReturned() throws Exception {
        Path conf = dir.resolve("w.conf");
        Files.writeString(conf, "write_deadline: 3\n");
        assertEquals(List.of(conf + ":1:1: invalid use of field \"write_deadline\": write_deadline should be "
                + "converted to a duration"), parse("-c", conf.toString()).warnings());
    }

    @Test
    void helpVersionAndSignalAreReported() throws Exception {
        assertTrue(parse("-h").showHelp());
        assertTrue(parse("--help").showHelp());
        assertTrue(parse("-v").showVersion());
        assertTrue(parse("--version").showVersion());
        assertEquals("reload", parse("--signal", "reload").signal());
        assertEquals("stop=123", parse("-sl=stop=123").signal());
    }

    @Test
    void unknownFlagIsAnErrorFollowedByUsage() {
        String msg = error("-x");
        assertTrue(msg.startsWith("flag provided but not defined: -x\n"), msg);
        assertTrue(msg.contains("Usage:"), msg);
        assertTrue(error("--nope=1").startsWith("flag provided but not defined: -nope\n"));
    }

    @Test
    void badFlagValuesUseGoWording() {
        assertTrue(error("-p", "abc").startsWith("invalid value \"abc\" for flag -p: parse error\n"));
        assertTrue(error("--port=abc").startsWith("invalid value \"abc\" for flag -port: parse error\n"));
        assertTrue(error("-T=maybe").startsWith("invalid boolean value \"maybe\" for -T: parse error\n"));
        assertTrue(error("-p").startsWith("flag needs an argument: -p\n"));
        assertTrue(error("-p", "99999999999999999999").contains("value out of range"));
        assertTrue(error("---p").startsWith("bad flag syntax: ---p"));
        assertEquals("invalid value \"70000\" for flag -p: port out of range", error("-p", "70000"));
    }

    @Test
    void extraArgumentsAreRefused() {
        assertEquals("unrecognized command: \"foo\"", error("-D", "foo"));
    }

    @Test
    void doubleDashEndsFlags() {
        assertEquals("unrecognized command: \"-p\"", error("--", "-p", "1"));
    }

    @Test
    void httpsMonitoringFlagSetsTheHttpsPort() throws Exception {
        assertEquals(8443, CommandLine.parse(new String[] {"-ms", "8443"}).options().httpsPort);
        assertTrue(error("-ms", "x").startsWith("invalid value \"x\" for flag -ms: parse error"));
    }

    @Test
    void laterCapabilityFlagsAreParsedThenRefused() {
        for (String[] args : List.<String[]>of(new String[] {"--profile", "1"})) {
            assertTrue(error(args).endsWith("is not supported yet by nats4j"), String.join(" ", args));
        }
        // a malformed value is still reported as such, before the refusal
        assertTrue(error("--profile", "x").startsWith("invalid value \"x\" for flag -profile: parse error"),
                error("--profile", "x"));
    }

    @Test
    void jetStreamFlagsEnableItAndSetTheStoreDirectory() throws Exception {
        var o = parse("-js", "-sd", "/var/lib/nats").options();
        assertTrue(o.jetStream.enabled);
        assertEquals(java.nio.file.Path.of("/var/lib/nats"), o.jetStream.storeDir);
        assertTrue(parse("--jetstream").options().jetStream.enabled);
        assertEquals(java.nio.file.Path.of("d"), parse("--store_dir", "d").options().jetStream.storeDir);
    }

    @Test
    void monitoringPortFlagSetsHttpPort() throws Exception {
        assertEquals(8222, parse("-m", "8222").options().httpPort);
        assertEquals(-1, parse("--http_port=-1").options().httpPort);
        assertTrue(error("-m", "x").startsWith("invalid value \"x\" for flag -m: parse error"));
        assertEquals("invalid value \"70000\" for flag -m: port out of range", error("-m", "70000"));
    }

    @Test
    void usageListsTheFlags() {
        String u = CommandLine.usage();
        for (String f : List.of("--addr", "--port", "--config", "--signal", "--logtime", "-DVV", "--jetstream",
                "--tlscacert", "--cluster_listen", "--max_traced_msg_len", "--help")) {
            assertTrue(u.contains(f), f);
        }
        assertTrue(CommandLine.versionText().startsWith("nats-server: v"));
    }
}
