package io.nats4j.server.auth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One entry of the {@code accounts} block: users, exports, imports, defaults and limits. */
public final class AccountConfig {

    /** How a service answers (nats-server's response_type). */
    public enum ResponseType { SINGLETON, STREAM, CHUNKED }

    /**
     * A stream or service export. {@code accounts} null or empty = public; otherwise only those accounts
     * may import it.
     */
    public record Export(boolean service, String subject, List<String> accounts, ResponseType responseType,
            Duration responseThreshold) {
    }

    /**
     * A stream or service import from {@code account}'s {@code subject}. Streams land in the importer under
     * {@code prefix} (prefix + "." + subject) or {@code to} (a mapping); services are published by the
     * importer on {@code to} (default: the subject itself).
     */
    public record Import(boolean service, String account, String subject, String prefix, String to) {
    }

    public final String name;
    public final List<User> users = new ArrayList<>();
    public final List<Export> exports = new ArrayList<>();
    public final List<Import> imports = new ArrayList<>();
    /** Permissions of this account's users that have none of their own; null = none. */
    public Permissions defaultPermissions;
    /** Limits of nats-server's {@code limits} block; -1 = unlimited. */
    public int maxConnections = -1;
    public int maxSubscriptions = -1;
    public int maxPayload = -1;
    /** {@code jetstream: enabled|disabled|{limits}}; null = not enabled for this account. */
    public io.nats4j.server.jetstream.JsLimits jetStream;

    public AccountConfig(String name) {
        this.name = name;
    }

    public AccountConfig copy() {
        AccountConfig c = new AccountConfig(name);
        c.users.addAll(users);
        c.exports.addAll(exports);
        c.imports.addAll(imports);
        c.defaultPermissions = defaultPermissions;
        c.maxConnections = maxConnections;
        c.maxSubscriptions = maxSubscriptions;
        c.maxPayload = maxPayload;
        c.jetStream = jetStream;
        return c;
    }
}
