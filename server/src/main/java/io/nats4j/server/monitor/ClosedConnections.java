package io.nats4j.server.monitor;

import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the server remembers of closed client connections: the most recent {@code max_closed_clients} of
 * them for /connz {@code state=closed} (oldest dropped first, as nats-server's ring), and per-account totals
 * of everything that closed, so account statistics survive the connections. Any thread; called once per
 * closed connection, never on the message path.
 */
public final class ClosedConnections {

    /** Per-account totals of closed connections. */
    public static final class AccountTotals {
        public final LongAdder connections = new LongAdder();
        public final LongAdder inMsgs = new LongAdder();
        public final LongAdder inBytes = new LongAdder();
        public final LongAdder outMsgs = new LongAdder();
        public final LongAdder outBytes = new LongAdder();
        public final LongAdder slowConsumers = new LongAdder();
    }

    private final int capacity;
    private final ArrayDeque<ConnSnapshot> ring;
    private final ConcurrentHashMap<String, AccountTotals> totals = new ConcurrentHashMap<>();

    public ClosedConnections(int capacity) {
        this.capacity = Math.max(0, capacity);
        this.ring = new ArrayDeque<>(Math.min(this.capacity, 1024));
    }

    /** Records a connection that just closed. */
    public void add(ClientConnection c) {
        ConnSnapshot s = ConnSnapshot.of(c, Instant.now());
        AccountTotals t = totals(s.account());
        t.connections.increment();
        t.inMsgs.add(s.inMsgs());
        t.inBytes.add(s.inBytes());
        t.outMsgs.add(s.outMsgs());
        t.outBytes.add(s.outBytes());
        ClosedState reason = c.closedState();
        if (reason == ClosedState.SLOW_CONSUMER_PENDING_BYTES || reason == ClosedState.SLOW_CONSUMER_WRITE_DEADLINE) {
            t.slowConsumers.increment();
        }
        if (capacity == 0) {
            return;
        }
        synchronized (ring) {
            if (ring.size() == capacity) {
                ring.pollFirst();
            }
            ring.addLast(s);
        }
    }

    /** The remembered closed connections, oldest first. */
    public List<ConnSnapshot> snapshot() {
        synchronized (ring) {
            return new ArrayList<>(ring);
        }
    }

    public AccountTotals totals(String account) {
        return totals.computeIfAbsent(account, a -> new AccountTotals());
    }
}
