package io.nats4j.server.options;

import java.nio.file.Path;

/**
 * nats-server's {@code jetstream {}} block and {@code -js}/{@code -sd} flags. Not built yet: a server with
 * any of these set refuses to start.
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

    public boolean configured() {
        return enabled || storeDir != null;
    }

    public JetStreamOptions copy() {
        JetStreamOptions c = new JetStreamOptions();
        c.enabled = enabled;
        c.storeDir = storeDir;
        c.maxMemory = maxMemory;
        c.maxStore = maxStore;
        return c;
    }
}
