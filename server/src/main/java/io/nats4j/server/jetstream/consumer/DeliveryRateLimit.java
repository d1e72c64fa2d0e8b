package io.nats4j.server.jetstream.consumer;

/**
 * A push consumer's {@code rate_limit_bps} (nats-server's {@code rate.Limiter} on its delivery loop): a token
 * bucket of bytes refilled at {@code bps / 8} bytes a second, as deep as the largest message (the stream's
 * {@code max_msg_size}, else the server's {@code max_payload}). Each delivery reserves its size (subject, reply,
 * headers and payload, as nats-server counts it); when the bucket is short the delivery waits until the
 * reservation is covered. The consumer's thread only.
 */
final class DeliveryRateLimit {

    private final double bytesPerNano;
    private final long burst;
    private double tokens;
    private long lastNanos;
    /** A reservation made and not yet due: deliver at this time without reserving again (0: none). */
    private long reservedUntilNanos;

    /** Null when {@code bps} is 0 (no limit). */
    static DeliveryRateLimit of(long bps, long burstBytes) {
        return bps <= 0 ? null : new DeliveryRateLimit(bps, burstBytes);
    }

    private DeliveryRateLimit(long bps, long burstBytes) {
        this.bytesPerNano = (bps / 8) / 1e9;
        this.burst = Math.max(1, burstBytes);
        this.tokens = this.burst;
        this.lastNanos = System.nanoTime();
    }

    /**
     * How long the next delivery of {@code size} bytes must wait from {@code nowNanos} (0: deliver now). The
     * first call for a delivery reserves its bytes; calls while that reservation is not due only report the wait.
     */
    long waitNanos(long nowNanos, long size) {
        if (reservedUntilNanos != 0) {
            long left = reservedUntilNanos - nowNanos;
            if (left > 0) {
                return left;
            }
            reservedUntilNanos = 0;
            return 0;
        }
        if (bytesPerNano <= 0) {
            return 0; // less than 8 bits a second: nats-server's limiter of rate 0 lets only the burst through
        }
        tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * bytesPerNano);
        lastNanos = nowNanos;
        tokens -= Math.min(size, burst);
        if (tokens >= 0) {
            return 0;
        }
        long wait = (long) Math.ceil(-tokens / bytesPerNano);
        reservedUntilNanos = nowNanos + wait;
        return wait;
    }
}
