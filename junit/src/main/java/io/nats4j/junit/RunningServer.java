package io.nats4j.junit;

import io.nats4j.server.NatsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The started server (or the servers of a {@link NatsTest#cluster()}), the annotation they were started with and
 * their temporary directory (config, stores).
 */
final class RunningServer implements AutoCloseable {

    /** The server, or a cluster's server 0. */
    final NatsServer server;
    /** Every server, in start order (one without a cluster). */
    final List<NatsServer> servers;
    /** Null without {@link NatsTest#cluster()}. */
    final NatsCluster cluster;
    final NatsTest annotation;
    private final Path dir;
    private final AtomicBoolean closed = new AtomicBoolean();

    RunningServer(List<NatsServer> servers, NatsCluster cluster, NatsTest annotation, Path dir) {
        this.server = servers.get(0);
        this.servers = List.copyOf(servers);
        this.cluster = cluster;
        this.annotation = annotation;
        this.dir = dir;
    }

    /** Server {@code index} of the cluster (0 is the only server without one). */
    NatsServer server(int index, Object where) {
        if (index < 0 || index >= servers.size()) {
            throw new org.junit.jupiter.api.extension.ParameterResolutionException("@ClusterNode(" + index + ") on "
                    + where + ": " + (cluster == null ? "the server is not a cluster (@NatsTest(cluster = N))"
                            : "the cluster has servers 0 to " + (servers.size() - 1)));
        }
        return servers.get(index);
    }

    /** Stops the servers (their ports are free when this returns) and deletes the temporary directory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            closeAll(servers);
        } finally {
            deleteTree(dir);
        }
    }

    /** Closes every server, last started first, and waits for each to be down; keeps going past a failure. */
    static void closeAll(List<NatsServer> servers) {
        RuntimeException failure = null;
        boolean interrupted = false;
        for (int i = servers.size() - 1; i >= 0; i--) {
            NatsServer s = servers.get(i);
            try {
                s.close();
                s.awaitShutdown();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the test server's directory " + dir, e);
        }
    }
}
