package io.nats4j.server.jetstream.consumer;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs tasks one at a time, in order, on a shared executor: a consumer's single writer without a thread of its
 * own (nats-server gives each consumer a goroutine). Never an event loop: the backing executor's threads are
 * virtual threads, so store work (RocksDB, fsync) may block there.
 */
final class SerialExecutor implements Executor {

    private final Executor backing;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Consumer<RuntimeException> onError;
    private final Runnable batchEnd;
    /** The most tasks run before {@code batchEnd} runs anyway. */
    static final int MAX_BATCH = 256;

    /** @param batchEnd runs after each batch of tasks (the queue ran empty, or {@value #MAX_BATCH} ran) */
    SerialExecutor(Executor backing, Consumer<RuntimeException> onError, Runnable batchEnd) {
        this.backing = backing;
        this.onError = onError;
        this.batchEnd = batchEnd;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) {
            backing.execute(this::drain);
        }
    }

    private void run(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            onError.accept(e);
        }
    }

    private void drain() {
        for (;;) {
            Runnable r;
            int n = 0;
            while ((r = tasks.poll()) != null) {
                run(r);
                if (++n == MAX_BATCH) {
                    run(batchEnd);
                    n = 0;
                }
            }
            run(batchEnd);
            scheduled.set(false);
            if (tasks.isEmpty() || !scheduled.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
