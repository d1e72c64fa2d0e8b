package io.nats4j.server.auth;

import java.util.List;

/**
 * Allow and deny lists for publish or subscribe (nats-server's SubjectPermission). A null {@code allow}
 * allows everything not denied; an empty one allows nothing. Subscribe entries may name a queue group
 * after a space ({@code "foo.> workers"}).
 */
public record SubjectPermission(List<String> allow, List<String> deny) {

    public SubjectPermission {
        allow = allow == null ? null : List.copyOf(allow);
        deny = deny == null ? null : List.copyOf(deny);
    }
}
