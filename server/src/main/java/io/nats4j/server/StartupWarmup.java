package io.nats4j.server;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.Epoll;
import io.netty.util.NetUtil;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.channels.spi.SelectorProvider;

/**
 * Standalone start-up work moved onto two more threads, started right after the command line is read; the main
 * thread then sets up logging and builds the server and its accounts while these threads
 * do what {@link NatsServer#start()} and the first connection need next and would otherwise do in sequence:
 * <ul>
 * <li>first thread: Netty's epoll transport (loading its native library), then {@link NetUtil}
 * (network interfaces, the listen backlog limit), then a copy of the native library for the next start
 * ({@code nats4j.native.dir}, set by bin/nats4j);</li>
 * <li>second thread: the JDK's selector provider (a service lookup through every jar on the class path, which
 * Netty's epoll initialisation also needs, unless bin/nats4j names the provider), the annotations Netty reads
 * from handler classes (each annotation type is a generated proxy class) and the pooled allocator.</li>
 * </ul>
 * Each is a class initialisation or a cached lookup the main thread repeats: if a warm-up thread is still busy
 * with one, the JVM makes the main thread wait for it, and a failure here is the main thread's failure there
 * (reported there). Nothing observable changes; the main thread only finds the work done. On a machine with
 * two CPUs the second thread runs while the main thread waits for the first.
 */
final class StartupWarmup {

    private StartupWarmup() {
    }

    static void start() {
        start("nats4j-warmup-1", StartupWarmup::transport);
        start("nats4j-warmup-2", StartupWarmup::rest);
    }

    private static void start(String name, Runnable work) {
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable ignored) {
                // the main thread does the same and reports what fails
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private static void transport() {
        StartupTrace.mark("warmup 1");
        Epoll.isAvailable();
        StartupTrace.mark("warmup 1: epoll");
        if (NetUtil.SOMAXCONN < 0) {
            throw new AssertionError();
        }
        StartupTrace.mark("warmup 1: NetUtil");
        String nativeDir = System.getProperty("nats4j.native.dir");
        if (nativeDir != null && !nativeDir.isEmpty() && Epoll.isAvailable()) {
            keepNativeLibrary(Path.of(nativeDir));
        }
    }

    /**
     * Keeps a copy of Netty's epoll library in {@code dir} (bin/nats4j puts that directory on
     * {@code java.library.path}, where Netty looks before it extracts the library from its jar into a temporary
     * file). Written once, under a temporary name and then renamed, so servers starting at the same time never
     * load a partly written file. Any failure leaves things as they were: Netty extracts the library as usual.
     */
    static void keepNativeLibrary(Path dir) {
        String lib = System.mapLibraryName("netty_transport_native_epoll_" + PlatformDependent.normalizedArch());
        Path target = dir.resolve(lib);
        if (Files.exists(target)) {
            return;
        }
        Path tmp = dir.resolve(lib + "." + ProcessHandle.current().pid() + ".tmp");
        try (InputStream in = Epoll.class.getClassLoader().getResourceAsStream("META-INF/native/" + lib)) {
            if (in == null) {
                return;
            }
            Files.createDirectories(dir);
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            StartupTrace.mark("warmup 1: kept " + target);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    private static void rest() {
        StartupTrace.mark("warmup 2");
        SelectorProvider.provider();
        StartupTrace.mark("warmup 2: selector provider");
        // Netty asks every handler class whether it is @Sharable and which of its methods are @Skip
        ChannelInitializer.class.isAnnotationPresent(ChannelHandler.Sharable.class);
        for (Method m : ChannelDuplexHandler.class.getMethods()) {
            m.getAnnotations();
        }
        StartupTrace.mark("warmup 2: handler annotations");
        PooledByteBufAllocator.DEFAULT.metric();
        StartupTrace.mark("warmup 2: allocator");
    }
}
