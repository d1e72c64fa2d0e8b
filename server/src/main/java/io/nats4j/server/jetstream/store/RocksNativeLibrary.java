package io.nats4j.server.jetstream.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's native library once per process. {@code RocksDB.loadLibrary()} copies the library (about 20 MB
 * on Linux x86-64) out of its jar into a new temporary file at every start: 1.3 to 2.7 s of a server's start on
 * this project's 2-CPU machine, before it can recover its streams. When the launcher names a folder it keeps
 * native libraries in ({@code nats4j.native.dir}, set by bin/nats4j), the library is copied next to it once per
 * rocksdbjni jar ({@code rocksdbjni-<version>/}, written to a temporary name then renamed, so a start that is
 * killed half-way leaves nothing half-written) and loaded from there. Without that property (an embedding
 * application) RocksDB's own loader runs.
 */
final class RocksNativeLibrary {

    private static boolean loaded;

    private RocksNativeLibrary() {
    }

    static synchronized void load() {
        if (loaded) {
            return;
        }
        Path dir = cacheDir();
        if (dir != null) {
            try {
                String file = Environment.getJniLibraryFileName("rocksdbjni");
                Path lib = dir.resolve(file);
                if (!Files.isRegularFile(lib)) {
                    extract("/" + file, dir, lib);
                }
                RocksDB.loadLibrary(List.of(dir.toString()));
                loaded = true;
                return;
            } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
                // fall back to RocksDB's own loader (a temporary copy)
            }
        }
        RocksDB.loadLibrary();
        loaded = true;
    }

    /** {@code <parent of nats4j.native.dir>/<rocksdbjni jar name>}, or null. */
    private static Path cacheDir() {
        String nativeDir = System.getProperty("nats4j.native.dir");
        if (nativeDir == null || nativeDir.isEmpty()) {
            return null;
        }
        try {
            Path jar = Path.of(RocksDB.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String name = jar.getFileName().toString();
            if (!name.endsWith(".jar")) {
                return null;
            }
            Path parent = Path.of(nativeDir).toAbsolutePath().getParent();
            return parent == null ? null : parent.resolve(name.substring(0, name.length() - 4));
        } catch (Exception e) {
            return null;
        }
    }

    private static void extract(String resource, Path dir, Path lib) throws IOException {
        try (InputStream in = RocksDB.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no " + resource + " in the rocksdbjni jar");
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, lib.getFileName().toString(), ".tmp");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
