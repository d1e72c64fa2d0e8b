package io.nats4j.server.jetstream.consumer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The definitions of the consumers of file streams ({@code {"created":..., "config":{...}}}), one file per consumer
 * under {@code <store_dir>/jetstream/consumers/<account>/<stream>/<consumer>.json}, written durably (temporary
 * file, fsync, atomic rename, fsync of the directory) before the consumer is used. The delivery and ack state is
 * in the consumer's {@code ConsumerStore} (RocksDB), beside the stream's messages.
 */
final class ConsumerFiles {

    static final String DIR = "consumers";
    private final Path root;

    ConsumerFiles(Path jetStreamDir) {
        this.root = jetStreamDir.resolve(DIR);
    }

    private Path dir(String account, String stream) {
        return root.resolve(enc(account)).resolve(enc(stream));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    void save(String account, String stream, String consumer, byte[] json) {
        Path f = dir(account, stream).resolve(enc(consumer) + ".json");
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(json));
                ch.force(true);
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(f.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void delete(String account, String stream, String consumer) {
        try {
            Path f = dir(account, stream).resolve(enc(consumer) + ".json");
            if (Files.deleteIfExists(f)) {
                fsyncDir(f.getParent());
            }
        } catch (IOException e) {
            // the next start finds a definition whose state is gone and starts it afresh
        }
    }

    void deleteAll(String account, String stream) {
        Path d = dir(account, stream);
        if (!Files.isDirectory(d)) {
            return;
        }
        try (var files = Files.walk(d)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // left behind; a stream created again with the same name would find them: best effort
        }
    }

    Map<String, byte[]> load(String account, String stream) {
        Map<String, byte[]> out = new TreeMap<>();
        Path d = dir(account, stream);
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (var files = Files.list(d)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String fn = f.getFileName().toString();
                if (fn.endsWith(".json")) {
                    String name = URLDecoder.decode(fn.substring(0, fn.length() - 5), StandardCharsets.UTF_8);
                    out.put(name, Files.readAllBytes(f));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be synced
        }
    }
}
