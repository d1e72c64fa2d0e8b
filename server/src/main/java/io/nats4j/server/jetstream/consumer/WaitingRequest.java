package io.nats4j.server.jetstream.consumer;

/** A pull request waiting for messages (nats-server's waitingRequest). Touched on the consumer's thread only. */
final class WaitingRequest {
    final String reply;
    /** Messages still to send. */
    int n;
    /** Messages sent so far. */
    int d;
    /** Bytes still allowed (0: no max_bytes). */
    long b;
    final boolean noWait;
    /** System.nanoTime() deadline, 0 when none. */
    final long expiresNanos;
    final long heartbeatNanos;
    long nextHeartbeatNanos;

    WaitingRequest(String reply, int n, long b, boolean noWait, long expiresNanos, long heartbeatNanos, long now) {
        this.reply = reply;
        this.n = n;
        this.b = b;
        this.noWait = noWait;
        this.expiresNanos = expiresNanos;
        this.heartbeatNanos = heartbeatNanos;
        this.nextHeartbeatNanos = heartbeatNanos > 0 ? now + heartbeatNanos : 0;
    }
}
