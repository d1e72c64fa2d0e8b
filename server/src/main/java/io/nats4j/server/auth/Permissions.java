package io.nats4j.server.auth;

/** A user's permissions as configured; any part may be null (no restriction of that kind). */
public record Permissions(SubjectPermission publish, SubjectPermission subscribe, ResponsePermission response) {
}
