package io.nats4j.server.connection;

import io.netty.channel.Channel;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/**
 * Netty's epoll I/O handler with one addition: a connection can ask to be told, on its loop, right before its
 * socket's descriptor is closed ({@link #guard}). That is what lets another thread write to the socket directly
 * (docs/ARCHITECTURE.md, "Direct writes"): the writer holds the connection's outbound lock while it checks and
 * writes, and the callback takes the same lock and switches direct writes off, so the descriptor cannot be closed
 * (and its number reused by the next accept) between a writer's check and its write.
 *
 * <p>Where the hook sits: an epoll channel closes its descriptor only in {@code doClose}, and always after
 * cancelling its registration with the loop's handler (the cancel takes it out of the epoll set, which must
 * happen while the descriptor is still open). The registration handed back by {@link #register} is ours, so its
 * {@link IoRegistration#cancel()} runs the callback first. Netty 4.2 does this for every close (a close the
 * application asks for, end of input, a read or write error, SO_LINGER, shutdown of the loop); should a later
 * version close first, the callback finds the descriptor already closed, and direct writes are switched off for
 * good, with a warning ({@code DirectWriteTest} checks the order after every kind of close it makes).
 */
public final class GuardedIoHandler implements IoHandler {

    /** The handler of each event loop (the executor Netty gives the factory is the loop itself). */
    private static final Map<Object, GuardedIoHandler> BY_LOOP = new ConcurrentHashMap<>();
    /** Set once a callback found its descriptor closed already: Netty's order changed, no more direct writes. */
    private static volatile boolean orderBroken;

    private final IoHandler delegate;
    private final Object loop;
    /** This loop's registrations by handle (a channel's {@code unsafe()}); any thread may cancel one. */
    private final Map<IoHandle, Registration> registrations = new ConcurrentHashMap<>();

    private GuardedIoHandler(IoHandler delegate, Object loop) {
        this.delegate = delegate;
        this.loop = loop;
    }

    /** {@code factory}'s handlers, each wrapped. */
    public static IoHandlerFactory wrap(IoHandlerFactory factory) {
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                GuardedIoHandler h = new GuardedIoHandler(factory.newHandler(executor), executor);
                BY_LOOP.put(executor, h);
                return h;
            }

            @Override
            public boolean isChangingThreadSupported() {
                return factory.isChangingThreadSupported();
            }
        };
    }

    /**
     * Runs {@code beforeClose} on the channel's loop right before its descriptor is closed (or the channel leaves
     * its loop), once. False when that cannot be promised (not an epoll channel of a wrapped loop, not registered,
     * closed already): then nothing will be called. On the channel's loop.
     */
    public static boolean guard(Channel channel, Runnable beforeClose) {
        if (orderBroken || !(channel instanceof UnixChannel unix) || !channel.isOpen()) {
            return false;
        }
        GuardedIoHandler h = BY_LOOP.get(channel.eventLoop());
        Registration r = h == null ? null : h.registrations.get(channel.unsafe());
        if (r == null || !r.isValid()) {
            return false;
        }
        r.fd = unix.fd();
        r.beforeClose = beforeClose;
        return true;
    }

    /** True while direct writes may be used at all (false once Netty was seen closing before cancelling). */
    public static boolean usable() {
        return !orderBroken;
    }

    @Override
    public void initialize() {
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return delegate.run(context);
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    @Override
    public void destroy() {
        BY_LOOP.remove(loop, this);
        delegate.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        Registration r = new Registration(delegate.register(handle), handle);
        registrations.put(handle, r);
        return r;
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }

    /** A registration whose cancel first runs the guard's callback. */
    private final class Registration implements IoRegistration {
        private final IoRegistration delegate;
        private final IoHandle handle;
        /** Set by {@link #guard} on the loop; taken (once) by {@link #cancel}. */
        volatile Runnable beforeClose;
        volatile FileDescriptor fd;

        Registration(IoRegistration delegate, IoHandle handle) {
            this.delegate = delegate;
            this.handle = handle;
        }

        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            return delegate.submit(ops);
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            Runnable r = beforeClose;
            if (r != null) {
                beforeClose = null;
                FileDescriptor d = fd;
                if (d != null && !d.isOpen() && !orderBroken) {
                    orderBroken = true;
                    LoggerFactory.getLogger(GuardedIoHandler.class).warn("A socket's descriptor was closed before its "
                            + "registration was cancelled (a Netty change?): direct writes to client sockets are off");
                }
                r.run();
            }
            registrations.remove(handle, this);
            return delegate.cancel();
        }
    }
}
