package io.nats4j.server.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.NatsServer;
import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.subject.Subscription;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The internal service base: one thread, a bounded queue that drops and counts, subscriptions closed at stop. */
class InternalServiceTest {

    private static final class TestService extends InternalService {
        TestService(int maxQueued) {
            super(new NatsServer(new ServerOptions()), "test", maxQueued);
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlockingTheCaller() throws Exception {
        TestService s = new TestService(2);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        assertTrue(s.submit(() -> {
            started.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertTrue(started.await(5, TimeUnit.SECONDS));
        assertTrue(s.submit(() -> ran.add("a")));
        assertTrue(s.submit(() -> ran.add("b")));
        assertEquals(2, s.queuedTasks());
        long t0 = System.nanoTime();
        assertFalse(s.submit(() -> ran.add("c")), "the third waiting task is over the bound");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "the caller was not held back");
        assertEquals(1, s.droppedTasks());
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (s.queuedTasks() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        s.drain(); // a task of its own: only once the queue has room
        assertEquals(List.of("a", "b"), ran, "queued work runs in order on the service thread; the dropped task never");
        assertEquals(0, s.queuedTasks());
        s.stop(null, 1, TimeUnit.SECONDS);
    }

    @Test
    void stopRunsTheLastTaskClosesSubscriptionsAndRefusesWork() {
        TestService s = new TestService(InternalService.DEFAULT_MAX_QUEUED);
        Account account = new Account("A");
        InternalSubscriber owner = new InternalSubscriber() {
            @Override
            public long id() {
                return -1;
            }

            @Override
            public void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply,
                    byte[] headers, byte[] payload) {
            }
        };
        Subscription sub = new Subscription(owner, "svc.>", null, new byte[] {'1'});
        s.subscribe(account, sub);
        assertEquals(1, account.sublist().count());
        List<String> ran = new CopyOnWriteArrayList<>();
        s.stop(() -> ran.add("last"), 1, TimeUnit.SECONDS);
        assertEquals(List.of("last"), ran);
        assertTrue(sub.closed);
        assertEquals(0, account.sublist().count(), "the service's subscriptions leave the account");
        assertFalse(s.submit(() -> ran.add("late")));
        assertTrue(s.stopped());
    }
}
