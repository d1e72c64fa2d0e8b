package io.nats4j.server.connection;

import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide message counters (nats-server's in_msgs, out_msgs, in_bytes, out_bytes, slow_consumers).
 * Connections add their per-read-batch totals, never per message.
 */
public final class ServerStats {
    public final LongAdder inMsgs = new LongAdder();
    public final LongAdder inBytes = new LongAdder();
    public final LongAdder outMsgs = new LongAdder();
    public final LongAdder outBytes = new LongAdder();
    public final LongAdder slowConsumers = new LongAdder();
    public final LongAdder totalConnections = new LongAdder();
}
