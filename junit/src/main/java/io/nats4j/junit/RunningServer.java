package io.nats4j.junit;

import io.nats4j.server.NatsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicBoolean;

/** A started server, the annotation it was started with and its temporary directory (config, store). */
final class RunningServer implements AutoCloseable {

    final NatsServer server;
    final NatsTest annotation;
    private final Path dir;
    private final AtomicBoolean closed = new AtomicBoolean();

    RunningServer(NatsServer server, NatsTest annotation, Path dir) {
        this.server = server;
        this.annotation = annotation;
        this.dir = dir;
    }

    /** Stops the server (its port is free when this returns) and deletes its temporary directory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
            server.awaitShutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteTree(dir);
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
