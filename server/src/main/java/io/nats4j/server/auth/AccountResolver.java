package io.nats4j.server.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where operator mode finds account JWTs by account public key (nats-server's AccountResolver).
 * {@link Memory}: the preloaded JWTs only. {@link Directory}: nats-server's {@code full} resolver store, one
 * {@code <public key>.jwt} file per account in a directory, written by claim updates.
 */
public interface AccountResolver {

    /** The account's JWT, or null when unknown. May read a file: not for hot paths. */
    String fetch(String accountKey) throws IOException;

    /**
     * Whether {@link #fetch} may wait on the network (the {@code URL(...)} resolver): the server then fetches off
     * the event loops, with the client's CONNECT on hold.
     */
    default boolean remote() {
        return false;
    }

    /** Stores a (verified) account JWT; false when this resolver takes no updates (the default). */
    default boolean store(String accountKey, String jwt) throws IOException {
        return false;
    }

    /** Deletes an account JWT; false when it takes no deletes (the default). */
    default boolean delete(String accountKey) throws IOException {
        return false;
    }

    /** nats-server's {@code MEMORY} resolver: {@code resolver_preload} only, no updates. */
    final class Memory implements AccountResolver {
        private final Map<String, String> jwts = new ConcurrentHashMap<>();

        public Memory(Map<String, String> preload) {
            jwts.putAll(preload);
        }

        @Override
        public String fetch(String accountKey) {
            return jwts.get(accountKey);
        }
    }

    /**
     * nats-server's {@code URL(...)} resolver: an account's JWT is the body of a 200 answer to
     * {@code GET <base url><account public key>}; no updates are stored. A fetch waits at most
     * {@link #FETCH_TIMEOUT} (nats-server's DEFAULT_ACCOUNT_FETCH_TIMEOUT).
     */
    final class Url implements AccountResolver {
        public static final java.time.Duration FETCH_TIMEOUT = java.time.Duration.ofMillis(1900);

        private final String base;
        private final java.net.http.HttpClient http;

        public Url(String base) {
            this.base = base.endsWith("/") ? base : base + "/";
            this.http = java.net.http.HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT)
                    .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        }

        public String base() {
            return base;
        }

        @Override
        public boolean remote() {
            return true;
        }

        @Override
        public String fetch(String accountKey) throws IOException {
            if (!NKeys.isValidAccountKey(accountKey)) {
                throw new IOException("will only fetch valid account keys");
            }
            return get(base + accountKey);
        }

        /** nats-server checks at start that the base URL itself answers 200. */
        public void check() throws IOException {
            get(base);
        }

        private String get(String url) throws IOException {
            java.net.http.HttpResponse<String> r;
            try {
                r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(FETCH_TIMEOUT).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("could not fetch <\"" + url + "\">: interrupted");
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException("could not fetch <\"" + url + "\">: " + e.getMessage());
            }
            if (r.statusCode() != 200) {
                throw new IOException("could not fetch <\"" + url + "\">: " + status(r.statusCode()));
            }
            return r.body().strip();
        }

        /** Go's resp.Status: the code and its text. */
        private static String status(int code) {
            String text = switch (code) {
                case 400 -> "Bad Request";
                case 401 -> "Unauthorized";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                case 500 -> "Internal Server Error";
                case 502 -> "Bad Gateway";
                case 503 -> "Service Unavailable";
                default -> "";
            };
            return text.isEmpty() ? Integer.toString(code) : code + " " + text;
        }
    }

    /**
     * The {@code full} resolver's directory: {@code <dir>/<account public key>.jwt}. Writes go to a
     * temporary file first and are then moved into place, so a reader never sees half a JWT.
     */
    final class Directory implements AccountResolver {
        static final String SUFFIX = ".jwt";
        static final String DELETED_SUFFIX = ".jwt.deleted";

        private final Path dir;
        private final boolean allowDelete;
        private final boolean hardDelete;
        /** Cache resolver: at most {@code limit} JWTs, the least recently used evicted; null for full. */
        private final java.util.LinkedHashMap<String, Long> lastUse;
        private final int limit;
        private final long ttlMillis;

        public Directory(Path dir, boolean allowDelete, boolean hardDelete) throws IOException {
            this(dir, allowDelete, hardDelete, false, 0, java.time.Duration.ZERO);
        }

        /** The full resolver's directory; {@code limit} > 0 caps the number of JWTs ("jwt store is full"). */
        public Directory(Path dir, boolean allowDelete, boolean hardDelete, int limit) throws IOException {
            this(dir, allowDelete, hardDelete, false, Math.max(0, limit), java.time.Duration.ZERO);
        }

        private Directory(Path dir, boolean allowDelete, boolean hardDelete, boolean cache, int limit,
                java.time.Duration ttl) throws IOException {
            this.dir = dir;
            this.allowDelete = allowDelete;
            this.hardDelete = hardDelete;
            this.limit = limit;
            this.ttlMillis = ttl == null ? 0 : ttl.toMillis();
            Files.createDirectories(dir);
            if (cache) {
                lastUse = new java.util.LinkedHashMap<>(16, 0.75f, true);
                long now = System.currentTimeMillis();
                for (String k : keys()) {
                    lastUse.put(k, now);
                }
            } else {
                lastUse = null;
            }
        }

        /**
         * nats-server's {@code cache} resolver directory: deletes are allowed and remove the file; beyond
         * {@code limit} JWTs (default 1000) storing a new one evicts the least recently used; with a
         * {@code ttl} a JWT not used for that long is dropped.
         */
        public static Directory cache(Path dir, int limit, java.time.Duration ttl) throws IOException {
            return new Directory(dir, true, true, true, limit > 0 ? limit : ResolverOptions.DEFAULT_CACHE_LIMIT, ttl);
        }

        public boolean isCache() {
            return lastUse != null;
        }

        /** Cache: false (and the file removed) when the JWT was not used within the ttl; records the use. */
        private boolean touch(String accountKey) throws IOException {
            if (lastUse == null) {
                return true;
            }
            synchronized (lastUse) {
                long now = System.currentTimeMillis();
                Long last = lastUse.get(accountKey);
                if (last != null && ttlMillis > 0 && now - last > ttlMillis) {
                    lastUse.remove(accountKey);
                    Files.deleteIfExists(file(accountKey));
                    return false;
                }
                if (last != null) {
                    lastUse.put(accountKey, now);
                }
                return true;
            }
        }

        /**
         * Cache: makes room for a new JWT by removing the least recently used ones. Full with a limit: refuses
         * a new JWT when the directory holds {@code limit} (nats-server's "jwt store is full").
         */
        private void makeRoom(String accountKey) throws IOException {
            if (lastUse == null) {
                if (limit > 0 && !Files.exists(file(accountKey)) && keys().size() >= limit) {
                    throw new IOException("jwt store is full");
                }
                return;
            }
            synchronized (lastUse) {
                if (!lastUse.containsKey(accountKey)) {
                    while (lastUse.size() >= limit) {
                        String eldest = lastUse.keySet().iterator().next();
                        lastUse.remove(eldest);
                        Files.deleteIfExists(file(eldest));
                    }
                }
                lastUse.put(accountKey, System.currentTimeMillis());
            }
        }

        private Path file(String accountKey) {
            if (!NKeys.isValidAccountKey(accountKey)) {
                throw new IllegalArgumentException("not an account public key: " + accountKey);
            }
            return dir.resolve(accountKey + SUFFIX);
        }

        @Override
        public String fetch(String accountKey) throws IOException {
            if (!NKeys.isValidAccountKey(accountKey)) {
                return null;
            }
            if (!touch(accountKey)) {
                return null;
            }
            try {
                return Files.readString(file(accountKey), StandardCharsets.UTF_8).strip();
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        @Override
        public boolean store(String accountKey, String jwt) throws IOException {
            Path target = file(accountKey);
            makeRoom(accountKey);
            Path tmp = Files.createTempFile(dir, accountKey, ".tmp");
            try {
                Files.writeString(tmp, jwt, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        }

        @Override
        public boolean delete(String accountKey) throws IOException {
            if (!allowDelete) {
                return false;
            }
            Path f = file(accountKey);
            if (lastUse != null) {
                synchronized (lastUse) {
                    lastUse.remove(accountKey);
                }
            }
            if (hardDelete) {
                Files.deleteIfExists(f);
            } else if (Files.exists(f)) {
                Files.move(f, dir.resolve(accountKey + DELETED_SUFFIX), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        }

        public Path dir() {
            return dir;
        }

        /** The stored JWT without counting it as a use (listing); null when absent or, for the cache, dropped. */
        public String peek(String accountKey) throws IOException {
            if (!NKeys.isValidAccountKey(accountKey)) {
                return null;
            }
            if (lastUse != null) {
                synchronized (lastUse) {
                    Long last = lastUse.get(accountKey);
                    if (last == null || (ttlMillis > 0 && System.currentTimeMillis() - last > ttlMillis)) {
                        return null;
                    }
                }
            }
            try {
                return Files.readString(file(accountKey), StandardCharsets.UTF_8).strip();
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        /** True with {@code allow_delete}. */
        public boolean allowsDelete() {
            return allowDelete;
        }

        /** The account public keys with a {@code .jwt} file, in file name order. */
        public List<String> keys() throws IOException {
            List<String> out = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    String key = name.substring(0, name.length() - SUFFIX.length());
                    if (Files.isRegularFile(f) && NKeys.isValidAccountKey(key)) {
                        out.add(key);
                    }
                }
            }
            Collections.sort(out);
            return out;
        }
    }
}
