package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("server.conf");
        Files.writeString(p, text);
        return p;
    }

    private ServerOptions load(String text) throws Exception {
        return ConfigLoader.load(write(text), Map.<String, String>of()::get);
    }

    private String error(String text) throws IOException {
        Path p = write(text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(p, k -> null)).getMessage()
                .replace(p.toString(), "f");
    }

    @Test
    void appliesEveryCoreKey() throws Exception {
        ServerOptions o = load("""
                listen: 127.0.0.1:4333
                server_name: "srv-1"
                client_advertise: "example.org:4222"
                debug: true
                trace: yes
                logtime: off
                logtime_utc: true
                logfile: "/var/log/nats.log"
                syslog: true
                remote_syslog: "udp://localhost:514"
                log_size_limit: 10MB
                log_max_num: 3
                max_payload: 2MB
                max_control_line: 8kb
                max_connections: 100
                max_subscriptions: 1000
                max_pending: 128MB
                write_deadline: "5s"
                ping_interval: "1m30s"
                ping_max: 4
                lame_duck_duration: "45s"
                lame_duck_grace_period: "500ms"
                max_closed_clients: 50
                no_header_support: true
                disable_sublist_cache: true
                pid_file: "/tmp/nats.pid"
                ports_file_dir: "/tmp"
                max_traced_msg_len: 256
                """);
        assertEquals("127.0.0.1", o.host);
        assertEquals(4333, o.port);
        assertEquals("srv-1", o.serverName);
        assertEquals("example.org:4222", o.clientAdvertise);
        assertTrue(o.debug);
        assertTrue(o.trace);
        assertFalse(o.logTime);
        assertTrue(o.logTimeUtc);
        assertEquals(Path.of("/var/log/nats.log"), o.logFile);
        assertTrue(o.syslog);
        assertEquals("udp://localhost:514", o.remoteSyslog);
        assertEquals(10L << 20, o.logSizeLimit);
        assertEquals(3, o.logMaxNum);
        assertEquals(2 << 20, o.maxPayload);
        assertEquals(8192, o.maxControlLine);
        assertEquals(100, o.maxConnections);
        assertEquals(1000, o.maxSubscriptions);
        assertEquals(128L << 20, o.maxPending);
        assertEquals(Duration.ofSeconds(5), o.writeDeadline);
        assertEquals(Duration.ofSeconds(90), o.pingInterval);
        assertEquals(4, o.pingMax);
        assertEquals(Duration.ofSeconds(45), o.lameDuckDuration);
        assertEquals(Duration.ofMillis(500), o.lameDuckGracePeriod);
        assertEquals(50, o.maxClosedClients);
        assertTrue(o.noHeaderSupport);
        assertTrue(o.noSublistCache);
        assertEquals(Path.of("/tmp/nats.pid"), o.pidFile);
        assertEquals(Path.of("/tmp"), o.portsFileDir);
        assertEquals(256, o.maxTracedMsgLen);
    }

    @Test
    void aliasesAndCaseInsensitiveKeysWork() throws Exception {
        ServerOptions o = load("NET: 10.0.0.1\nPort: 5000\nlog_file: x.log\npidfile: p\nmax_subs: 7\nmax_conn: 9\n"
                + "no_sublist_cache: true\nlogfile_size_limit: 1k\nlogfile_max_num: 2\n");
        assertEquals("10.0.0.1", o.host);
        assertEquals(5000, o.port);
        assertEquals(Path.of("x.log"), o.logFile);
        assertEquals(Path.of("p"), o.pidFile);
        assertEquals(7, o.maxSubscriptions);
        assertEquals(9, o.maxConnections);
        assertTrue(o.noSublistCache);
        assertEquals(1000, o.logSizeLimit);
        assertEquals(2, o.logMaxNum);
    }

    @Test
    void listenAcceptsAPortAloneOrIpv6InBrackets() throws Exception {
        assertEquals(4333, load("listen: 4333\n").port);
        ServerOptions o = load("listen: \"[::1]:4444\"\n");
        assertEquals("::1", o.host);
        assertEquals(4444, o.port);
        assertEquals(-1, load("listen: \"localhost:-1\"\n").port);
    }

    @Test
    void traceVerboseAlsoTurnsOnTrace() throws Exception {
        ServerOptions o = load("trace_verbose: true\n");
        assertTrue(o.trace);
        assertTrue(o.traceVerbose);
    }

    @Test
    void durationGivenAsSecondsIsAcceptedWithNatsServersWarning() throws Exception {
        Path p = write("write_deadline: 5\nping_interval: 10\n");
        ServerOptions o = new ServerOptions();
        List<String> warnings = ConfigLoader.apply(p, o, k -> null);
        assertEquals(Duration.ofSeconds(5), o.writeDeadline);
        assertEquals(Duration.ofSeconds(10), o.pingInterval);
        assertEquals(List.of(p + ":1:1: invalid use of field \"write_deadline\": write_deadline should be converted "
                + "to a duration", p + ":2:1: invalid use of field \"ping_interval\": ping_interval should be "
                + "converted to a duration"), warnings);
        assertEquals(p, o.configFile);
    }

    @Test
    void unknownKeysAreErrorsAndAllAreReported() throws Exception {
        assertEquals("f:2:1: unknown field \"foo\"\nf:3:1: unknown field \"bar\"", error("port: 4222\nfoo: 1\nbar = 2\n"));
    }

    @Test
    void topLevelKeysUsedOnlyAsVariablesAreNotUnknown() throws Exception {
        ServerOptions o = load("MY_PORT: 4555\nport: $MY_PORT\n");
        assertEquals(4555, o.port);
        assertEquals("f:1:1: unknown field \"UNUSED\"", error("UNUSED: 1\nport: 1\n"));
    }

    @Test
    void monitoringKeysSetTheHttpListener() throws Exception {
        assertEquals(8222, load("http_port: 8222\n").httpPort);
        assertEquals(8223, load("monitor_port: 8223\n").httpPort);
        assertEquals(8224, load("http: 8224\n").httpPort);
        ServerOptions o = load("http: \"127.0.0.1:8225\"\nhttp_base_path: \"/nats\"\n");
        assertEquals("127.0.0.1", o.httpHost);
        assertEquals(8225, o.httpPort);
        assertEquals("/nats", o.httpBasePath);
        assertEquals("f:1:1: invalid value for \"http_port\": expected an integer, got string \"x\"",
                error("http_port: \"x\"\n"));
        assertEquals(8443, load("https_port: 8443\n").httpsPort);
        ServerOptions s = load("https: \"127.0.0.1:8444\"\n");
        assertEquals(8444, s.httpsPort);
        assertEquals(0, s.httpPort);
        assertEquals("127.0.0.1", s.httpHost);
    }

    @Test
    void laterCapabilitiesAreRefusedNotIgnored() throws Exception {
        assertEquals("f:4:1: \"leafnodes\" is not supported yet by nats4j",
                error("cluster { port: 6222 }\nauthorization { timeout: 2 }\njetstream: enabled\nleafnodes: {}\n"));
        for (String key : List.of("leafnodes",
                "gateway", "websocket", "mqtt", "resolver_tls")) {
            assertEquals("f:1:1: \"" + key + "\" is not supported yet by nats4j", error(key + ": 1\n"), key);
        }
    }

    @Test
    void operatorModeKeysAreCheckedWhenRead() throws Exception {
        assertEquals("f:1:1: pinned account key \"UABC\" is not a valid public account nkey",
                error("resolver_pinned_accounts: [\"UABC\"]\n"));
        assertEquals("f:1:1: error parsing operator JWT: expected 3 chunks", error("operator: \"eyJnotajwt\"\n"));
        assertTrue(error("resolver: URL(ftp://localhost/x)\n").startsWith("f:1:1: error parsing account resolver url \"ftp://localhost/x\""));
        ServerOptions url = load("resolver: URL(http://localhost:9090/jwt/v1/accounts/)\n");
        assertEquals(io.nats4j.server.auth.ResolverOptions.Type.URL, url.auth.resolver.type);
        assertEquals("http://localhost:9090/jwt/v1/accounts/", url.auth.resolver.url);
        assertEquals("http://127.0.0.1:1/a/", load("resolver: \"URL( \\\"http://127.0.0.1:1/a/\\\" )\"\n").auth.resolver.url);
        assertEquals("f:1:1: resolver: full requires a dir", error("resolver: { type: full }\n"));
        assertEquals("f:1:1: CACHE does not accept allow_delete", error("resolver: { type: cache, dir: \"/tmp\", allow_delete: true }\n"));
        assertEquals("f:1:1: FULL does not accept ttl", error("resolver: { type: full, dir: \"/tmp\", ttl: \"1h\" }\n"));
        assertEquals("f:1:1: CACHE does not accept sync", error("resolver: { type: cache, dir: \"/tmp\", interval: \"1m\" }\n"));
        ServerOptions cache = load("resolver: { type: cache, dir: \"/tmp/x\", ttl: \"2h\", limit: 5 }\n");
        assertEquals(io.nats4j.server.auth.ResolverOptions.Type.CACHE, cache.auth.resolver.type);
        assertEquals(java.time.Duration.ofHours(2), cache.auth.resolver.ttl);
        assertEquals(5, cache.auth.resolver.limit);
        assertEquals("f:1:1: trusted Keys \"OABC\" are required to be a valid public operator nkey",
                error("trusted_keys: [\"OABC\"]\n"));
        assertEquals("f:2:3: error in resolver_preload for \"ABC\": expected 3 chunks",
                error("resolver_preload: {\n  ABC: \"nope\"\n}\n"));
    }

    @Test
    void typeErrorsNameKeyPositionAndValue() throws Exception {
        assertEquals("f:1:1: invalid value for \"port\": expected an integer, got string \"abc\"", error("port: \"abc\"\n"));
        assertEquals("f:2:3: invalid value for \"debug\": expected a boolean, got integer 5", error("a: 1\n  debug: 5\n")
                .replace("f:1:1: unknown field \"a\"\n", ""));
        assertEquals("f:1:1: invalid value for \"max_payload\": expected an integer, got float 1.5",
                error("max_payload: 1.5\n"));
        assertEquals("f:1:1: invalid value for \"server_name\": expected a string, got datetime 2020-01-01T00:00:00Z",
                error("server_name: 2020-01-01T00:00:00Z\n"));
        assertEquals("f:1:1: invalid value for \"host\": expected a string, got map", error("host { a: 1 }\n"));
    }

    @Test
    void outOfRangeValuesAreErrors() throws Exception {
        assertEquals("f:1:1: invalid value for \"port\": 70000 is out of range [-1..65535]", error("port: 70000\n"));
        assertEquals("f:1:1: max_payload value is too big", error("max_payload: 2gb\n"));
        assertEquals("f:1:1: invalid value for \"max_payload\": -1 must be positive", error("max_payload: -1\n"));
        assertEquals("f:1:1: invalid value for \"max_connections\": -5 is out of range [0..2147483647]",
                error("max_connections: -5\n"));
        assertEquals("f:1:1: could not parse address string \"nohost\"", error("listen: nohost\n"));
        assertEquals("f:1:1: could not parse port \"x\"", error("listen: \"h:x\"\n"));
        assertEquals("f:1:1: server name cannot contain spaces", error("server_name: \"a b\"\n"));
    }

    @Test
    void durationErrorsUseGoWording() throws Exception {
        assertEquals("f:1:1: error parsing write_deadline: time: invalid duration \"abc\"",
                error("write_deadline: \"abc\"\n"));
        assertEquals("f:1:1: error parsing ping_interval: time: unknown unit \"x\" in duration \"5x\"",
                error("ping_interval: \"5x\"\n"));
        assertEquals("f:1:1: invalid lame_duck_duration of 5s, minimum is 30 seconds",
                error("lame_duck_duration: \"5s\"\n"));
        assertEquals("f:1:1: invalid lame_duck_grace_period, needs to be positive",
                error("lame_duck_grace_period: \"-1s\"\n"));
        assertEquals("f:1:1: invalid value for \"lame_duck_duration\": expected a duration such as \"2s\" or \"1m30s\", "
                + "got integer 60", error("lame_duck_duration: 60\n"));
    }

    @Test
    void errorsAreReportedWithWarnings() throws Exception {
        assertEquals("f:2:1: unknown field \"x\"\nf:1:1: invalid use of field \"write_deadline\": write_deadline "
                + "should be converted to a duration", error("write_deadline: 2\nx: 1\n"));
    }

    @Test
    void variablesFromTheEnvironmentFeedOptions() throws Exception {
        Path p = write("port: $PORT\nserver_name: $NAME\n");
        ServerOptions o = ConfigLoader.load(p, Map.of("PORT", "4999", "NAME", "envname")::get);
        assertEquals(4999, o.port);
        assertEquals("envname", o.serverName);
    }

    @Test
    void includedKeysAreApplied() throws Exception {
        Files.writeString(dir.resolve("limits.conf"), "max_payload: 512kb\n");
        ServerOptions o = load("include ./limits.conf\nport: 1\n");
        assertEquals(512 * 1024, o.maxPayload);
    }

    @Test
    void applyKeepsOptionsTheFileDoesNotSet() throws Exception {
        ServerOptions o = new ServerOptions();
        o.serverName = "kept";
        ConfigLoader.apply(write("port: 1\n"), o, k -> null);
        assertEquals("kept", o.serverName);
        assertEquals(1, o.port);
        assertNull(o.logFile);
    }

    @Test
    void validateRefusesPayloadAbovePending() {
        ServerOptions o = new ServerOptions();
        o.maxPending = 10;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.validate(o));
        assertEquals("max_payload (1048576) cannot be higher than max_pending (10)", e.getMessage());
    }

    @Test
    void goDurationsParseAndPrintLikeGo() {
        assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("1.5s"));
        assertEquals(Duration.ofNanos(-3000), GoDuration.parse("-3us"));
        assertEquals(Duration.ofHours(1), GoDuration.parse("1h"));
        assertEquals(Duration.ZERO, GoDuration.parse("0"));
        assertEquals("time: missing unit in duration \"5\"",
                assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("5")).getMessage());
        assertEquals("1m30s", GoDuration.format(Duration.ofSeconds(90)));
        assertEquals("2h0m0s", GoDuration.format(Duration.ofHours(2)));
        assertEquals("500ms", GoDuration.format(Duration.ofMillis(500)));
        assertEquals("1.5s", GoDuration.format(Duration.ofMillis(1500)));
        assertEquals("0s", GoDuration.format(Duration.ZERO));
    }

    private static final String ISSUER = "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA";

    @Test
    void readsAuthCalloutWithNatsServersAliases() throws Exception {
        ServerOptions o = load("authorization {\n users: [ {user: a, password: b} ]\n auth_callout {\n issuer: " + ISSUER
                + "\n acc: AUTH\n users: [ a ]\n }\n}\n");
        assertEquals(ISSUER, o.auth.authCallout.issuer());
        assertEquals("AUTH", o.auth.authCallout.account());
        assertEquals(List.of("a"), o.auth.authCallout.authUsers());
        String xkey = io.nats4j.server.auth.XKey.generate().publicKey();
        o = load("authorization { auth_callout { issuer: " + ISSUER + ", auth_users: [ a, b ], key: " + xkey + " } }\n");
        assertEquals(xkey, o.auth.authCallout.xkey());
        assertEquals("$G", o.auth.authCallout.account(), "the global account by default");
        assertEquals(List.of("a", "b"), o.auth.authCallout.authUsers());
    }

    @Test
    void authCalloutErrors() throws Exception {
        assertEquals("f:1:32: Expected callout user to be a valid public account nkey, got \"UABC\"",
                error("authorization { auth_callout { issuer: UABC, auth_users: [ a ] } }\n"));
        assertEquals("f:1:17: Authorization callouts require an issuer to be specified",
                error("authorization { auth_callout { auth_users: [ a ] } }\n"));
        assertEquals("f:1:17: Authorization callouts require authorized users to be specified",
                error("authorization { auth_callout { issuer: " + ISSUER + " } }\n"));
        assertTrue(error("authorization { auth_callout { issuer: " + ISSUER + ", auth_users: [a], xkey: XAB } }\n")
                .contains("Expected callout xkey to be a valid public xkey, got \"XAB\""));
        assertTrue(error("authorization { auth_callout { issuer: " + ISSUER + ", auth_users: [a], foo: 1 } }\n")
                .contains("Unknown field \"foo\" parsing authorization callout"));
        assertTrue(error("authorization { auth_callout { issuer: " + ISSUER + ", auth_users: [a], allowed_accounts: [B] } }\n")
                .contains("\"auth_callout.allowed_accounts\" is not supported yet by nats4j"));
        assertTrue(error("authorization { auth_callout: 1 }\n")
                .contains("Expected authorization callout to be a map/struct"));
    }
}
