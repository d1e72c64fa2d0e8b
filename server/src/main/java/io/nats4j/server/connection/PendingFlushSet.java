package io.nats4j.server.connection;

import java.util.Arrays;

/**
 * The receivers a publisher wrote to during one read batch (nats-server's "pcd"), each flushed once when
 * the batch ends. Open addressing keyed by cid: no allocation once grown. Used by one event loop only.
 */
final class PendingFlushSet {

    private BatchFlushable[] table = new BatchFlushable[16];
    private BatchFlushable[] order = new BatchFlushable[8];
    private int size;

    /** Adds a receiver; returns false if it was already there. */
    boolean add(BatchFlushable c) {
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        int mask = table.length - 1;
        int i = mix(c.id()) & mask;
        while (true) {
            BatchFlushable e = table[i];
            if (e == null) {
                table[i] = c;
                if (size == order.length) {
                    order = Arrays.copyOf(order, size * 2);
                }
                order[size++] = c;
                return true;
            }
            if (e == c) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    int size() {
        return size;
    }

    BatchFlushable get(int i) {
        return order[i];
    }

    void clear() {
        if (size == 0) {
            return;
        }
        if (size < table.length / 8) {
            int mask = table.length - 1;
            for (int k = 0; k < size; k++) {
                int i = mix(order[k].id()) & mask;
                while (table[i] != null) {
                    table[i] = null;
                    i = (i + 1) & mask;
                }
            }
        } else {
            Arrays.fill(table, null);
        }
        Arrays.fill(order, 0, size, null);
        size = 0;
    }

    private void grow() {
        BatchFlushable[] old = order;
        int n = size;
        table = new BatchFlushable[table.length * 2];
        size = 0;
        BatchFlushable[] keep = Arrays.copyOf(old, n);
        Arrays.fill(order, null);
        for (BatchFlushable c : keep) {
            add(c);
        }
    }

    private static int mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
