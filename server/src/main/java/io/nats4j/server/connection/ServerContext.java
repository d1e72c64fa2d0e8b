package io.nats4j.server.connection;

import io.nats4j.server.HotSettings;
import io.nats4j.server.auth.Account;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.tls.ServerTls;

/** What a connection needs from its server. Implemented by the server; keeps connections testable. */
public interface ServerContext {

    /**
     * The settings event loops read (limits, timers): an immutable snapshot. A config reload publishes a new
     * one atomically, then tells every connection ({@link ClientConnection#reloaded}) on its loop.
     */
    HotSettings settings();

    ServerLogger logger();

    Account globalAccount();

    /** Accounts, users and the authentication rules (built at start). */
    io.nats4j.server.auth.Accounts accounts();

    /** The INFO line (with CRLF) to send to this new client. */
    byte[] infoFor(ClientConnection client);

    /** Registers a new client; false when max_connections is reached. */
    boolean register(ClientConnection client);

    void unregister(ClientConnection client);

    ServerStats stats();

    /** The next client id (cid). */
    long nextClientId();

    /** A client's CONNECT was accepted (system account connect event). On the client's loop; must not block. */
    default void clientConnected(ClientConnection client) {
    }

    /** A client that had connected closed (system account disconnect event). On the client's loop. */
    default void clientClosed(ClientConnection client, ClosedState reason) {
    }

    /** A client failed authentication (system account auth error event). On the client's loop. */
    default void clientAuthError(ClientConnection client) {
    }

    /**
     * Loads an account from a remote resolver off the event loops, then runs {@code done} on the fetching
     * thread (the caller moves back to its loop). The default does it in the calling thread.
     */
    default void fetchAccount(String accountKey, Runnable done) {
        accounts().fetchAccount(accountKey);
        done.run();
    }

    /**
     * Hands a CONNECT to the auth callout: of the configuration ({@code operatorAccount} null), or of the
     * operator-mode account {@code operatorAccount} whose JWT enables it. {@code done} is called once, on another
     * thread, with the authorization or null (not authorized, no answer in time). False when no callout
     * service runs; then {@code done} is never called.
     */
    default boolean authCallout(ClientConnection client, io.nats4j.server.auth.Account operatorAccount,
            java.util.function.Consumer<io.nats4j.server.auth.Accounts.AuthResult> done) {
        return false;
    }

    /** The client port's TLS, or null when TLS is off. */
    default ServerTls tls() {
        return null;
    }
}
