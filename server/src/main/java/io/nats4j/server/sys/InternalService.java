package io.nats4j.server.sys;

import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.subject.Subscription;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every internal service of the server shares ({@code $SYS} in {@link SystemAccountService}, the auth
 * callout in {@link AuthCalloutService}; the JetStream API next): one thread that does the service's work (so
 * its state needs no locks), an {@link InternalClient} that publishes, the internal subscriptions the service
 * holds (closed and removed when it stops), and a bounded work queue.
 *
 * <p><b>A full queue drops, counts and logs; it does not push back.</b> Work arrives from client event loops:
 * a request delivered to an internal subscriber, a connect or disconnect event. Back-pressure there would mean
 * blocking an event loop (every connection on it stalls, not only the publisher) or pausing the publisher's
 * reads for a control-plane request, so when {@code maxQueued} tasks wait, new work is dropped, counted
 * ({@link #droppedTasks()}) and logged at most once per {@value #DROP_LOG_INTERVAL_SECONDS} s with the count, as
 * nats-server 2.10 drops JetStream API requests beyond its queue limit. Requesters then time out as they would
 * with an overloaded nats-server. A service that must hold producers back (JetStream ingest) does it where the
 * producer is: the pause of a publisher's reads the client connection already applies for slow receivers.
 * Timers ({@link #schedule}) are not counted: a service has few of them.
 */
public abstract class InternalService {

    /** Default queue bound: far above what a healthy service has waiting, small enough to bound memory. */
    public static final int DEFAULT_MAX_QUEUED = 65_536;
    static final long DROP_LOG_INTERVAL_SECONDS = 10;

    protected final NatsServer server;
    protected final ServerLogger log;
    /** Publishes for the service; used on its thread only. */
    protected final InternalClient client;
    private final String name;
    private final ScheduledThreadPoolExecutor exec;
    private final int maxQueued;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedLogged = new AtomicLong();
    private volatile long lastDropLogNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(DROP_LOG_INTERVAL_SECONDS);
    private final List<Held> subscriptions = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopped;

    private record Held(Account account, Subscription sub) {
    }

    /**
     * @param name      for the thread ({@code nats4j-<name>-<server name>}) and the logs
     * @param maxQueued the most tasks waiting at once; more are dropped
     */
    protected InternalService(NatsServer server, String name, int maxQueued) {
        this.server = server;
        this.log = server.logger();
        this.name = name;
        this.maxQueued = maxQueued;
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nats4j-" + name + "-" + server.serverName());
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        this.exec = e;
        this.client = new InternalClient(server.statistics());
    }

    /** True once {@link #stop(Runnable, long, TimeUnit)} ran: no work is accepted. */
    protected final boolean stopped() {
        return stopped;
    }

    /**
     * Queues work for the service thread (any thread; returns at once). False when the service is stopped or
     * the queue is full (the task is then dropped and counted). A task that throws is logged.
     */
    protected final boolean submit(Runnable task) {
        if (stopped) {
            return false;
        }
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            dropped(1);
            return false;
        }
        try {
            exec.execute(() -> {
                queued.decrementAndGet();
                runLogged(task);
            });
            return true;
        } catch (RejectedExecutionException stopping) {
            queued.decrementAndGet();
            return false;
        }
    }

    /** Runs {@code task} on the service thread after {@code delay}; null when the service is stopped. */
    protected final ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        if (stopped) {
            return null;
        }
        try {
            return exec.schedule(() -> runLogged(task), delay, unit);
        } catch (RejectedExecutionException stopping) {
            return null;
        }
    }

    /** Runs {@code task} on the service thread and waits for it (at most 5 s). */
    protected final void runSync(Runnable task) {
        runSync(task, 5, TimeUnit.SECONDS);
    }

    /** Same, waiting at most {@code timeout}; false when it did not run in time (or not at all). */
    protected final boolean runSync(Runnable task, long timeout, TimeUnit unit) {
        CountDownLatch done = new CountDownLatch(1);
        if (!submit(() -> {
            try {
                task.run();
            } finally {
                done.countDown();
            }
        })) {
            return false;
        }
        try {
            return done.await(timeout, unit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** For tests: runs everything queued so far, then returns. */
    public void drain() {
        runSync(() -> { });
    }

    /** Tasks dropped because the queue was full, since start. */
    public long droppedTasks() {
        return dropped.get();
    }

    /** Tasks waiting for the service thread now. */
    public int queuedTasks() {
        return queued.get();
    }

    /** What a subscription made with {@link #subscribe(Account, String, Handler)} runs, on the service thread. */
    public interface Handler {
        void handle(Account account, ClientConnection from, String subject, String reply, byte[] headers, byte[] payload);
    }

    /** Ids of internal subscribers, shared by every service (negative: never a client's cid). */
    private static final AtomicLong SUBSCRIBER_IDS = new AtomicLong();
    private final AtomicLong sids = new AtomicLong();

    /**
     * Subscribes this service to {@code subject} in {@code account}: each message is copied on the publisher's
     * thread and handed to {@code handler} on the service thread, with the account looked up again by name (a
     * reload may have replaced it since). Returns the subscription ({@link #unsubscribe} removes it).
     */
    protected final Subscription subscribe(Account account, String subject, Handler handler) {
        String accountName = account.name();
        long id = -1_000_000_000L - SUBSCRIBER_IDS.incrementAndGet();
        InternalSubscriber owner = new InternalSubscriber() {
            @Override
            public long id() {
                return id;
            }

            @Override
            public void deliverInternal(Subscription sub, ClientConnection from, String subj, String reply,
                    byte[] headers, byte[] payload) {
                submit(() -> {
                    Account a = server.accounts().get(accountName);
                    handler.handle(a != null ? a : account, from, subj, reply, headers, payload);
                });
            }
        };
        Subscription sub = new Subscription(owner, subject, null,
                Long.toString(sids.incrementAndGet()).getBytes(StandardCharsets.US_ASCII));
        subscribe(account, sub);
        return sub;
    }

    /** Inserts an internal subscription into {@code account}; it is closed and removed when the service stops. */
    protected final void subscribe(Account account, Subscription sub) {
        account.subscribe(sub);
        subscriptions.add(new Held(account, sub));
    }

    /** Removes a subscription made with {@link #subscribe}. */
    protected final void unsubscribe(Account account, Subscription sub) {
        sub.closed = true;
        account.unsubscribe(sub);
        subscriptions.remove(new Held(account, sub));
    }

    /**
     * Stops the service: accepts no more work, runs {@code last} on its thread after what is queued (waiting at
     * most {@code lastTimeout}), then ends the thread and closes its subscriptions. Idempotent.
     */
    protected final void stop(Runnable last, long lastTimeout, TimeUnit unit) {
        if (stopped) {
            return;
        }
        stopped = true;
        if (last != null) {
            CountDownLatch done = new CountDownLatch(1);
            try {
                exec.execute(() -> {
                    try {
                        runLogged(last);
                    } finally {
                        done.countDown();
                    }
                });
                done.await(lastTimeout, unit);
            } catch (RejectedExecutionException e) {
                // already ended
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        exec.shutdownNow();
        List<Held> held;
        synchronized (subscriptions) {
            held = new ArrayList<>(subscriptions);
            subscriptions.clear();
        }
        for (Held h : held) {
            h.sub().closed = true;
            h.account().unsubscribe(h.sub());
        }
    }

    private void runLogged(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("Internal service " + name + " error: " + e);
        }
    }

    private void dropped(long n) {
        long total = dropped.addAndGet(n);
        long now = System.nanoTime();
        long last = lastDropLogNanos;
        if (now - last >= TimeUnit.SECONDS.toNanos(DROP_LOG_INTERVAL_SECONDS)) {
            lastDropLogNanos = now;
            long since = total - droppedLogged.getAndSet(total);
            log.warn("Internal service " + name + " queue limit (" + maxQueued + ") reached, dropped " + since
                    + " tasks (" + total + " since start)");
        }
    }
}
