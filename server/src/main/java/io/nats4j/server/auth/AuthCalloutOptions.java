package io.nats4j.server.auth;

import java.util.List;

/**
 * {@code authorization { auth_callout { ... } }} of configuration mode (nats-server's AuthCallout): clients
 * other than {@code authUsers} are authorized by a service that answers {@code $SYS.REQ.USER.AUTH} in
 * {@code account} with a response signed by {@code issuer}.
 *
 * @param issuer the public account nkey (A...) that signs the responses and the user JWTs in them
 * @param account the account the service's users are in and the request is published in ({@code $G} by default)
 * @param authUsers user names or nkeys that authenticate as configured and bypass the callout (the service's own)
 */
public record AuthCalloutOptions(String issuer, String account, List<String> authUsers) {

    /** The subject the requests are published on. */
    public static final String SUBJECT = "$SYS.REQ.USER.AUTH";

    public AuthCalloutOptions {
        authUsers = List.copyOf(authUsers);
    }
}
