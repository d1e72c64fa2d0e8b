package io.nats4j.server.options;

import java.nio.file.Path;

/**
 * nats-server's {@code jetstream {}} block and {@code -js}/{@code -sd} flags (docs/JETSTREAM.md).
 */
public final class JetStreamOptions {

    /** {@code jetstream: enabled} / {@code -js}. */
    public boolean enabled;
    /** {@code store_dir} / {@code -sd}. */
    public Path storeDir;
    /** {@code max_memory_store} in bytes; -1 = nats-server's default (a share of the machine's memory). */
    public long maxMemory = -1;
    /** {@code max_file_store} in bytes; -1 = nats-server's default (a share of the disk). */
    public long maxStore = -1;

    /** {@code domain}. */
    public String domain;
    /** {@code sync_interval}: null = fsync before every ack (nats4j's default); see docs/JETSTREAM.md. */
    public java.time.Duration syncInterval;
    /** {@code limits { duplicate_window }}: the most a stream may set, 0 = no limit. */
    public long duplicateWindowLimitNanos;

    /** {@code unique_tag} (a cluster placement rule; kept, no effect on one server). */
    public String uniqueTag;
    /** {@code max_outstanding_catchup} (clustering; kept, no effect on one server). */
    public long maxOutstandingCatchup;
    /** {@code request_queue_limit}: API requests queued before new ones are dropped; 0 = default. */
    public long requestQueueLimit;
    /** {@code limits { max_ack_pending, max_ha_assets, max_request_batch }}; 0 = unset. */
    public int limitMaxAckPending;
    public int limitMaxHaAssets;
    public int limitMaxRequestBatch;

    public boolean configured() {
        return enabled || storeDir != null;
    }

    public JetStreamOptions copy() {
        JetStreamOptions c = new JetStreamOptions();
        c.enabled = enabled;
        c.storeDir = storeDir;
        c.maxMemory = maxMemory;
        c.maxStore = maxStore;
        c.domain = domain;
        c.syncInterval = syncInterval;
        c.duplicateWindowLimitNanos = duplicateWindowLimitNanos;
        c.uniqueTag = uniqueTag;
        c.maxOutstandingCatchup = maxOutstandingCatchup;
        c.requestQueueLimit = requestQueueLimit;
        c.limitMaxAckPending = limitMaxAckPending;
        c.limitMaxHaAssets = limitMaxHaAssets;
        c.limitMaxRequestBatch = limitMaxRequestBatch;
        return c;
    }
}
