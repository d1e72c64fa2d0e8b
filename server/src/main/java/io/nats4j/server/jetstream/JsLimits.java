package io.nats4j.server.jetstream;

/**
 * An account's JetStream limits (nats-server's {@code JetStreamAccountLimits}; config {@code jetstream {}} in an
 * account, or the account JWT's {@code jetstream} limits). -1 means unlimited.
 *
 * @param maxMemory            {@code max_memory}/{@code mem_storage}: bytes of memory streams
 * @param maxStore             {@code max_file}/{@code disk_storage}: bytes of file streams
 * @param maxStreams           {@code max_streams}/{@code streams}
 * @param maxConsumers         {@code max_consumers}/{@code consumer}
 * @param maxAckPending        {@code max_ack_pending}: the most a consumer may set (and its default)
 * @param memoryMaxStreamBytes {@code mem_max_stream_bytes}: the most {@code max_bytes} of a memory stream
 * @param storeMaxStreamBytes  {@code disk_max_stream_bytes}: the most {@code max_bytes} of a file stream
 * @param maxBytesRequired     {@code max_bytes_required}: streams must set {@code max_bytes}
 */
public record JsLimits(long maxMemory, long maxStore, int maxStreams, int maxConsumers, int maxAckPending,
                       long memoryMaxStreamBytes, long storeMaxStreamBytes, boolean maxBytesRequired) {

    /** No limits (an account with {@code jetstream: enabled}). */
    public static final JsLimits UNLIMITED = new JsLimits(-1, -1, -1, -1, -1, -1, -1, false);
}
