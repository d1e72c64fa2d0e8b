package io.nats4j.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.AccountConfig;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.User;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthConfigLoaderTest {

    private static ServerOptions load(String text) throws ConfigException {
        ServerOptions o = new ServerOptions();
        ConfigLoader.apply(ConfigParser.parseString(text, "f", Path.of(""), k -> null), o);
        return o;
    }

    private static String error(String text) {
        return String.join("\n", assertThrows(ConfigException.class, () -> load(text)).errors());
    }

    @Test
    void authorizationBlockWithUsersPermissionsAndTimeout() throws Exception {
        ServerOptions o = load("""
                authorization {
                  timeout: 1.5
                  default_permissions: { publish: "pub.>" }
                  users: [
                    {user: a, password: x, permissions: {publish: ["a", "b"], subscribe: {allow: "s.>", deny: ["s.x q"]},
                     allow_responses: {max: 3, expires: "5s"}}}
                    {nkey: UABC}
                  ]
                }
                no_auth_user: a
                """);
        assertEquals(Duration.ofMillis(1500), o.authTimeout);
        assertEquals(2, o.auth.users.size());
        User a = o.auth.users.get(0);
        assertEquals(List.of("a", "b"), a.permissions().publish().allow());
        assertNull(a.permissions().publish().deny());
        assertEquals(List.of("s.x q"), a.permissions().subscribe().deny());
        assertEquals(3, a.permissions().response().maxMsgs());
        assertEquals(Duration.ofSeconds(5), a.permissions().response().expires());
        assertEquals("UABC", o.auth.users.get(1).nkey());
        assertEquals(List.of("pub.>"), o.auth.defaultPermissions.publish().allow());
        assertEquals("a", o.auth.noAuthUser);
    }

    @Test
    void accountsWithExportsImportsAndLimits() throws Exception {
        ServerOptions o = load("""
                accounts {
                  A { users: [{user: a, password: a}], exports: [{stream: "s.>"}, {service: "q", response_type: chunked, accounts: [B]}],
                      limits: {max_connections: 2, max_subs: 10} }
                  B { users: [{user: b, password: b}], imports: [{stream: {account: A, subject: "s.>"}, prefix: p},
                      {service: {account: A, subject: q}, to: local}] }
                }
                system_account: A
                """);
        AccountConfig a = o.auth.accounts.get(0);
        assertEquals("A", a.name);
        assertEquals(2, a.exports.size());
        assertEquals(AccountConfig.ResponseType.CHUNKED, a.exports.get(1).responseType());
        assertEquals(List.of("B"), a.exports.get(1).accounts());
        assertEquals(2, a.maxConnections);
        assertEquals(10, a.maxSubscriptions);
        AccountConfig b = o.auth.accounts.get(1);
        assertEquals(new AccountConfig.Import(false, "A", "s.>", "p", null), b.imports.get(0));
        assertEquals(new AccountConfig.Import(true, "A", "q", null, "local"), b.imports.get(1));
        assertEquals("A", o.auth.systemAccount);
        Accounts accounts = Accounts.build(o);
        assertTrue(accounts.authRequired());
        assertEquals("A", accounts.system().name());
    }

    @Test
    void conflictingOrUnknownSettingsAreErrors() {
        assertTrue(error("authorization { user: a, password: b, users: [{user: c, password: d}] }")
                .contains("Can not have a single user/pass and a users array"));
        assertTrue(error("authorization { token: t, user: a, password: b }").contains("Cannot have a user/pass and token"));
        assertTrue(error("authorization { bogus: 1 }").contains("unknown field \"bogus\""));
        assertTrue(error("authorization { users: [{user: a, permissions: {publish: {allow: 1}}}] }")
                .contains("invalid value for \"allow\""));
        assertTrue(error("accounts { A { exports: [{stream: a, service: b}] } }").contains("Detected stream and service"));
    }

    @Test
    void accountsAreValidatedWhenBuilt() throws Exception {
        // a duplicate user is refused while reading the file (as nats-server), and by the build for options made in code
        assertEquals("f:1:1: Duplicate user \"a\" detected",
                error("authorization { users: [{user: a, password: x}, {user: a, password: y}] }"));
        ServerOptions dup = new ServerOptions();
        dup.auth.users.add(new User("a", "x", null, null, null));
        dup.auth.users.add(new User("a", "y", null, null, null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Accounts.build(dup)).getMessage()
                .contains("Duplicate user \"a\" detected"));
        ServerOptions unauthorized = load("""
                accounts { A { exports: [{stream: "foo.>"}] }, B { imports: [{stream: {account: A, subject: "bar.>"}}] } }
                """);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Accounts.build(unauthorized)).getMessage()
                .contains("Error adding stream import \"bar.>\": stream import not authorized"));
        ServerOptions noUser = load("no_auth_user: zz\nauthorization { users: [{user: a, password: x}] }");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Accounts.build(noUser)).getMessage()
                .contains("no_auth_user"));
    }

    @Test
    void userPassAndAuthFlagsSetTheSingleUserAndToken() throws Exception {
        ServerOptions o = CommandLine.parse(new String[] {"--user", "u", "--pass", "p"}, k -> null).options();
        assertEquals("u", o.username);
        assertEquals("p", o.password);
        assertEquals("t", CommandLine.parse(new String[] {"--auth", "t"}, k -> null).options().authorizationToken);
    }
}
