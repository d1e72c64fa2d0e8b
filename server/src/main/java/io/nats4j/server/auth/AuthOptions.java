package io.nats4j.server.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * Authentication and account settings beyond the single user/token of {@code ServerOptions}: the
 * {@code authorization { users [...] }} list (users of the global account), the {@code accounts} block,
 * {@code no_auth_user} and the system account. Built by the config loader or in code.
 */
public final class AuthOptions {

    /** nats-server's name of the system account when none is configured. */
    public static final String DEFAULT_SYSTEM_ACCOUNT = "$SYS";

    /** Users of {@code authorization { users [...] }} (global account unless {@link User#account()} says). */
    public List<User> users = new ArrayList<>();
    /** Permissions for users without their own ({@code authorization { default_permissions }}). */
    public Permissions defaultPermissions;
    /** The {@code accounts} block, in file order. */
    public List<AccountConfig> accounts = new ArrayList<>();
    /** A user that clients sending no credentials are authenticated as. */
    public String noAuthUser;
    /** The system account's name; null = {@value #DEFAULT_SYSTEM_ACCOUNT}. */
    public String systemAccount;
    /** {@code no_system_account: true}: no system account at all. */
    public boolean noSystemAccount;

    /** Operator mode: the trusted operators' JWTs ({@code operator}: the token or a file's text). */
    public List<String> trustedOperators = new ArrayList<>();
    /** Operator mode without operator JWTs: trusted operator public keys ({@code trusted_keys}). */
    public List<String> trustedKeys = new ArrayList<>();
    /** The account resolver of operator mode; null = none. */
    public ResolverOptions resolver;
    /** {@code authorization { auth_callout }} (configuration mode); null = none. */
    public AuthCalloutOptions authCallout;

    /** True in operator (decentralized JWT) mode. */
    public boolean operatorMode() {
        return !trustedOperators.isEmpty() || !trustedKeys.isEmpty();
    }

    public AuthOptions copy() {
        AuthOptions c = new AuthOptions();
        c.users = new ArrayList<>(users);
        c.defaultPermissions = defaultPermissions;
        for (AccountConfig a : accounts) {
            c.accounts.add(a.copy());
        }
        c.noAuthUser = noAuthUser;
        c.systemAccount = systemAccount;
        c.noSystemAccount = noSystemAccount;
        c.trustedOperators = new ArrayList<>(trustedOperators);
        c.trustedKeys = new ArrayList<>(trustedKeys);
        c.resolver = resolver == null ? null : resolver.copy();
        c.authCallout = authCallout;
        return c;
    }
}
