package io.nats4j.server.auth;

/**
 * A configured user: a name and password (plain or bcrypt), or a public nkey; its permissions (null =
 * everything allowed) and the name of its account (null = the global account {@code $G}).
 */
public record User(String username, String password, String nkey, Permissions permissions, String account) {

    public static User withPassword(String username, String password) {
        return new User(username, password, null, null, null);
    }

    public User withPermissions(Permissions p) {
        return new User(username, password, nkey, p, account);
    }

    public User inAccount(String accountName) {
        return new User(username, password, nkey, permissions, accountName);
    }

    /** The name shown in logs: the user name or the nkey. */
    public String displayName() {
        return username != null ? username : nkey;
    }
}
