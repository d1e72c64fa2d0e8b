package io.nats4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The early listener inside this JVM: the test JVM runs without {@code Add-Opens: java.base/sun.nio.ch}, so
 * {@link EarlyListener#open} must refuse (and bind nothing); the path with the opens is covered by
 * StandaloneServerTest, which starts the server as bin/nats4j does. Also the copy of Netty's native library.
 */
class EarlyListenerTest {

    @TempDir
    Path dir;

    @Test
    void withoutAccessToTheDescriptorNothingIsBound() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        boolean opened = EarlyListener.class.getModule().isNamed()
                || Object.class.getModule().isOpen("sun.nio.ch", EarlyListener.class.getModule());
        assumeTrue(!opened, "this JVM opens sun.nio.ch: covered by the standalone test");
        assertNull(EarlyListener.open("127.0.0.1", port));
        // the port is still free: a refused early listener leaves nothing bound
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void nettysNativeLibraryIsKeptOnceAndComplete() throws Exception {
        assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "epoll transport not available here");
        Path native1 = dir.resolve("native");
        StartupWarmup.keepNativeLibrary(native1);
        String lib = System.mapLibraryName("netty_transport_native_epoll_"
                + io.netty.util.internal.PlatformDependent.normalizedArch());
        Path kept = native1.resolve(lib);
        assertTrue(Files.isRegularFile(kept), "written: " + kept);
        byte[] inJar;
        try (var in = io.netty.channel.epoll.Epoll.class.getClassLoader().getResourceAsStream("META-INF/native/" + lib)) {
            inJar = in.readAllBytes();
        }
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(inJar)),
                java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(kept))), "the same bytes as in Netty's jar");
        long modified = Files.getLastModifiedTime(kept).toMillis();
        StartupWarmup.keepNativeLibrary(native1);
        assertEquals(modified, Files.getLastModifiedTime(kept).toMillis(), "kept, not rewritten");
        try (var files = Files.list(native1)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }
}
