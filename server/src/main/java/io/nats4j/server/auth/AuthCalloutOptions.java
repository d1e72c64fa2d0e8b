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
 * @param xkey the service's public curve key (X...): requests are encrypted to it; null = plain requests
 */
public record AuthCalloutOptions(String issuer, String account, List<String> authUsers, String xkey) {

    /** The subject the requests are published on. */
    public static final String SUBJECT = "$SYS.REQ.USER.AUTH";
    /** The header that carries the server's public xkey on an encrypted request. */
    public static final String XKEY_HEADER = "Nats-Server-Xkey";

    public AuthCalloutOptions {
        authUsers = List.copyOf(authUsers);
    }
}
