package io.nats4j.server.jetstream.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's native library once per process. {@code RocksDB.loadLibrary()} looks for it on
 * {@code java.library.path} first and otherwise copies it (about 17 MB on Linux x86-64) out of its jar into a new
 * temporary file: 1.3 to 2.7 s of every start on this project's 2-CPU machine, before a server can recover its
 * streams. bin/nats4j keeps native libraries in a folder it puts on {@code java.library.path}
 * ({@code nats4j.native.dir}); the library is copied there once (to a temporary name, then renamed, so a start
 * killed half-way leaves nothing half-written), with a marker file naming the rocksdbjni jar it came from, so a
 * new rocksdbjni version replaces it. Without that folder (an embedding application) RocksDB's own loader runs.
 */
final class RocksNativeLibrary {

    private static boolean loaded;

    private RocksNativeLibrary() {
    }

    static synchronized void load() {
        if (loaded) {
            return;
        }
        try {
            prepare();
        } catch (IOException | RuntimeException e) {
            // RocksDB's own loader copies it to a temporary file instead
        }
        RocksDB.loadLibrary();
        loaded = true;
    }

    /** Copies the library into nats4j.native.dir when it is on java.library.path and not there yet. */
    private static void prepare() throws IOException {
        String nativeDir = System.getProperty("nats4j.native.dir");
        String libraryPath = System.getProperty("java.library.path", "");
        if (nativeDir == null || nativeDir.isEmpty()
                || !java.util.Arrays.asList(libraryPath.split(java.io.File.pathSeparator)).contains(nativeDir)) {
            return;
        }
        String jarName;
        try {
            jarName = Path.of(RocksDB.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getFileName().toString();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return;
        }
        // what RocksDB.loadLibrary() asks System.loadLibrary for: librocksdbjni-linux64.so on Linux x86-64
        String file = Environment.getJniLibraryFileName("rocksdb");
        Path dir = Path.of(nativeDir);
        Path lib = dir.resolve(file);
        Path marker = dir.resolve(file + ".from");
        if (Files.isRegularFile(lib) && Files.isRegularFile(marker)
                && Files.readString(marker).trim().equals(jarName)) {
            return;
        }
        Files.createDirectories(dir);
        copy(RocksDB.class.getResourceAsStream("/" + file), dir, lib);
        copy(new java.io.ByteArrayInputStream((jarName + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                dir, marker);
    }

    private static void copy(InputStream from, Path dir, Path to) throws IOException {
        if (from == null) {
            throw new IOException("no " + to.getFileName() + " in the rocksdbjni jar");
        }
        try (InputStream in = from) {
            Path tmp = Files.createTempFile(dir, to.getFileName().toString(), ".tmp");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
