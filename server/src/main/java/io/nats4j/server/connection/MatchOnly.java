package io.nats4j.server.connection;

/**
 * The owner of a subscription that is only matched and never delivered to: the subject lists of a user's
 * permissions are kept in a {@link io.nats4j.server.subject.Sublist} of their own, never in an account's.
 * The fan-out drops a message matched to it.
 */
@FunctionalInterface
public non-sealed interface MatchOnly extends SubscriptionOwner {

    @Override
    default ConnectionKind kind() {
        return ConnectionKind.SYSTEM;
    }
}
