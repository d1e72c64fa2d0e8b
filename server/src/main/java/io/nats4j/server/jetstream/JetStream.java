package io.nats4j.server.jetstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.StreamConfig.StorageType;
import io.nats4j.server.jetstream.api.ApiRequest;
import io.nats4j.server.jetstream.api.JsApi;
import io.nats4j.server.jetstream.api.StreamApi;
import io.nats4j.server.jetstream.store.MemoryStorage;
import io.nats4j.server.jetstream.store.RocksStorage;
import io.nats4j.server.jetstream.store.Storage;
import io.nats4j.server.jetstream.store.StreamStore;
import io.nats4j.server.options.JetStreamOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The server's JetStream (nats-server's {@code jetStream}): its configuration, its two storages (memory, and
 * RocksDB file storage under {@code <store_dir>/jetstream}), the per-account state ({@link JsAccount}), and the
 * {@code $JS.API} service ({@link JsApi}) with its handler table.
 *
 * <p>Made and started by {@link NatsServer#start()} when JetStream is enabled ({@code -js} or
 * {@code jetstream {}}), before the client listener opens: recovered streams ingest from the first client on.
 * Stopped by {@code close()} after the listeners: ingest stops, writers finish what is queued, storages close.
 *
 * <h2>Plugging in</h2>
 * {@link #api()}'s {@link JsApi#register} adds API handlers: {@link StreamApi} registers the stream and account
 * handlers here; the consumer package registers its {@code CONSUMER.*} handlers from
 * {@link #registerApi} too. {@link #account(Account)} finds an account's JetStream, and
 * {@link JsAccount#stream(String)} a stream.
 */
public final class JetStream {

    /** The directory under {@code store_dir} (nats-server's {@code JetStreamStoreDir}). */
    public static final String STORE_DIR = "jetstream";
    /** Where stream configurations are kept, under {@link #STORE_DIR}. */
    public static final String STREAMS_DIR = "streams";

    private final NatsServer server;
    private final JetStreamOptions options;
    private final Path storeDir;
    private final long maxMemory;
    private final long maxStore;
    private final MemoryStorage memory = new MemoryStorage();
    private volatile RocksStorage file;
    private final ConcurrentHashMap<String, JsAccount> accounts = new ConcurrentHashMap<>();
    private final JsApi api;
    private final io.nats4j.server.jetstream.events.JsEvents events;
    private final io.nats4j.server.jetstream.api.DirectGet directGet;
    private final ScheduledExecutorService timers;
    private volatile boolean closed;

    public JetStream(NatsServer server, JetStreamOptions options) {
        this.server = server;
        this.options = options;
        Path base = options.storeDir != null ? options.storeDir
                : Path.of(System.getProperty("java.io.tmpdir"), "nats");
        this.storeDir = base.resolve(STORE_DIR).toAbsolutePath();
        this.maxMemory = options.maxMemory >= 0 ? options.maxMemory : defaultMaxMemory();
        this.maxStore = options.maxStore >= 0 ? options.maxStore : defaultMaxStore(storeDir);
        io.nats4j.server.StartupTrace.mark("jetstream: limits");
        this.api = new JsApi(server, this);
        this.events = new io.nats4j.server.jetstream.events.JsEvents(server, domain());
        this.directGet = new io.nats4j.server.jetstream.api.DirectGet(server, this);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nats4j-js-timer-" + server.serverName());
            t.setDaemon(true);
            return t;
        });
        registerApi(api);
        io.nats4j.server.StartupTrace.mark("jetstream: api registered");
    }

    /** Every API handler of the server, in one place. */
    private void registerApi(JsApi a) {
        StreamApi.register(this, a);
        io.nats4j.server.jetstream.consumer.ConsumerService.register(this, a);
    }

    private final java.util.List<java.util.function.Consumer<Stream>> streamStartObservers =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Consumer definitions of restored streams, until their stream's consumers recover them. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.Map<String, byte[]>> restoredConsumers =
            new java.util.concurrent.ConcurrentHashMap<>();

    void restoredConsumers(String account, String stream, java.util.Map<String, byte[]> definitions) {
        restoredConsumers.put(account + '\0' + stream, definitions);
    }

    /** The consumer definitions a restore left for this stream (once), or null: the consumer package recovers them. */
    public java.util.Map<String, byte[]> takeRestoredConsumers(String account, String stream) {
        return restoredConsumers.remove(account + '\0' + stream);
    }

    /** Hears every stream created or recovered, before its ingest starts (the consumer package attaches here). */
    public void onStreamStarted(java.util.function.Consumer<Stream> observer) {
        streamStartObservers.add(observer);
    }

    void streamStarting(Stream s) {
        for (java.util.function.Consumer<Stream> o : streamStartObservers) {
            o.accept(s);
        }
    }

    /** Opens the storages, recovers every stream, enables the accounts and subscribes the API. */
    public void start() throws IOException {
        if (options.storeDir == null) {
            server.logger().warn("Temporary storage directory used, data could be lost on system reboot");
        }
        Files.createDirectories(storeDir);
        server.logger().notice("Starting JetStream");
        for (Account a : server.accounts().all()) {
            JsLimits l = limitsFor(a);
            if (l != null) {
                accounts.put(a.name(), new JsAccount(this, a, l));
            }
        }
        recover();
        io.nats4j.server.StartupTrace.mark("jetstream: streams recovered");
        warmUp();
        api.start();
        if (server.accounts().operatorMode() != null) {
            server.accounts().operatorMode().addLoadListener(api::accountAdded);
        }
        server.logger().notice("  Max Memory:      " + friendlyBytes(maxMemory));
        server.logger().notice("  Max Storage:     " + friendlyBytes(maxStore));
        server.logger().notice("  Store Directory: \"" + storeDir + "\"");
        if (domain() != null) {
            server.logger().notice("  Domain:          " + domain());
        }
    }

    /**
     * Loads and exercises the API's JSON (Jackson's databind, the configuration's parse and write) on a
     * background thread: the first API request otherwise pays for it (about a second on a busy machine).
     */
    private void warmUp() {
        Thread t = new Thread(() -> {
            try {
                var n = ApiRequest.MAPPER.readTree("{\"name\":\"w\",\"subjects\":[\"w.>\"],\"metadata\":{\"a\":\"b\"}}");
                StreamConfig c = StreamConfigCheck.check(StreamConfig.parse(n), 0, JsLimits.UNLIMITED, List.of());
                ApiRequest.bytes(c.toJson());
            } catch (Exception | LinkageError e) {
                // only a warm-up
            }
        }, "nats4j-js-warmup");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The limits of an account's JetStream, or null when the account has none (the system account never has;
     * configuration and JWT limits come from {@link io.nats4j.server.auth.Account#jetStreamLimits()}).
     */
    JsLimits limitsFor(Account a) {
        Account sys = server.accounts().system();
        if (sys != null && sys.sublist() == a.sublist()) {
            return null;
        }
        JsLimits l = a.jetStreamLimits();
        if (l == null && a == server.accounts().global() && globalAccountOnly()) {
            return JsLimits.UNLIMITED; // nats-server: no accounts configured, the global account has JetStream
        }
        return l;
    }

    /** No accounts configured but the global and system ones, and not operator mode (nats-server's globalAccountOnly). */
    private boolean globalAccountOnly() {
        if (server.accounts().operatorMode() != null) {
            return false;
        }
        Account g = server.accounts().global();
        Account sys = server.accounts().system();
        for (Account a : server.accounts().all()) {
            if (a != g && a != sys) {
                return false;
            }
        }
        return true;
    }

    /** Closes the storages (after the listeners: no more client input arrives). */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timers.shutdownNow();
        for (JsAccount a : accounts.values()) {
            a.close();
        }
        api.shutdown();
        directGet.shutdown();
        events.shutdown();
        memory.close();
        RocksStorage f = file;
        if (f != null) {
            f.close();
        }
    }

    // ------------------------------------------------------------------ accessors

    public NatsServer server() {
        return server;
    }

    public JsApi api() {
        return api;
    }

    /** The advisories and metrics on {@code $JS.EVENT.>}. */
    public io.nats4j.server.jetstream.events.JsAdvisories advisories() {
        return events;
    }

    /** The JetStream domain, or null. */
    public String domain() {
        return options.domain == null || options.domain.isEmpty() ? null : options.domain;
    }

    public Path storeDir() {
        return storeDir;
    }

    public long maxMemory() {
        return maxMemory;
    }

    public long maxStore() {
        return maxStore;
    }

    public JetStreamOptions options() {
        return options;
    }

    /** The account's JetStream, or null when it has none. */
    public JsAccount account(Account a) {
        if (a == null) {
            return null;
        }
        JsAccount js = accounts.get(a.name());
        if (js == null) {
            return enableLater(a);
        }
        if (js.account() != a && !a.isRemoved()) {
            js.account(a);
        }
        JsLimits l = a.jetStreamLimits();
        if (l != null && !l.equals(js.limits())) {
            js.limits(l); // a reload or a new account JWT changed them
        }
        return js;
    }

    /**
     * An account that got JetStream after start (operator mode loads accounts on demand; a reload adds some):
     * enabled now, with the streams recovered for it at start-up. Null when it has no JetStream.
     */
    private synchronized JsAccount enableLater(Account a) {
        JsAccount js = accounts.get(a.name());
        if (js != null || closed) {
            return js;
        }
        JsLimits l = limitsFor(a);
        if (l == null) {
            return null;
        }
        js = new JsAccount(this, a, l);
        accounts.put(a.name(), js);
        List<Recovered> waiting = unclaimed.remove(a.name());
        if (waiting != null) {
            for (Recovered r : waiting) {
                StreamStore st = storage(StorageType.FILE).createStream(storeName(a.name(), r.config().name()),
                        r.config().storeLimits());
                js.recoverStream(r.config(), st, r.createdNanos());
                server.logger().notice("Restored " + String.format("%,d", st.state().msgs()) + " messages for stream '"
                        + a.name() + " > " + r.config().name() + "'");
            }
        }
        return js;
    }

    /** A stream configuration read at start-up whose account was not known yet. */
    private record Recovered(StreamConfig config, long createdNanos) {
    }

    private final ConcurrentHashMap<String, List<Recovered>> unclaimed = new ConcurrentHashMap<>();

    /** After a config reload: the API in new accounts, limits of the accounts that have JetStream. */
    public void accountsChanged(io.nats4j.server.auth.Accounts next) {
        for (Account a : next.all()) {
            api.accountAdded(a);
            account(a);
        }
    }

    public JsAccount account(String name) {
        return accounts.get(name);
    }

    /** Every account with JetStream. */
    public List<JsAccount> accounts() {
        return new ArrayList<>(accounts.values());
    }

    /** The storage of a type; file storage opens (and loads RocksDB) on first use. */
    public synchronized Storage storage(StorageType type) {
        if (type == StorageType.MEMORY) {
            if (wrappedMemory == null) {
                wrappedMemory = storageWrapper == null ? memory : storageWrapper.apply(memory);
            }
            return wrappedMemory;
        }
        if (file == null) {
            file = openFile();
        }
        if (wrappedFile == null) {
            wrappedFile = storageWrapper == null ? file : storageWrapper.apply(file);
        }
        return wrappedFile;
    }

    private java.util.function.UnaryOperator<Storage> storageWrapper;
    private Storage wrappedMemory;
    private Storage wrappedFile;

    /**
     * Fault injection for tests: every storage handed out from now on is {@code wrapper.apply(storage)} (a store
     * that fails on demand, through the store contract). Call before the first stream of a type is created; the
     * real storages are still the ones closed at shutdown.
     */
    public synchronized void wrapStorage(java.util.function.UnaryOperator<Storage> wrapper) {
        this.storageWrapper = wrapper;
        this.wrappedMemory = null;
        this.wrappedFile = null;
    }

    private RocksStorage openFile() {
        java.time.Duration sync = options.syncInterval;
        return RocksStorage.open(storeDir, sync == null || sync.isZero() ? null : sync, JetStream::nowNanos);
    }

    /** Bytes used by every account's streams of a type. */
    public long usage(StorageType type) {
        long n = 0;
        for (JsAccount a : accounts.values()) {
            n += a.usage(type);
        }
        return n;
    }

    /** Bytes reserved by every account's streams of a type. */
    public long reserved(StorageType type) {
        long n = 0;
        for (JsAccount a : accounts.values()) {
            n += a.reserved(type);
        }
        return n;
    }

    /** Runs {@code stream.expire()} on its writer every second while it has {@code max_age}. */
    void scheduleExpiry(Stream stream) {
        if (closed) {
            return;
        }
        timers.scheduleWithFixedDelay(new Runnable() {
            @Override
            public void run() {
                if (stream.isClosed()) {
                    throw new IllegalStateException("stream closed"); // ends the schedule
                }
                if (stream.config().maxAgeNanos() > 0) {
                    stream.onWriter(() -> {
                        stream.expire();
                        return null;
                    });
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ persistence of configurations

    /** The name of a stream's store: account and stream, unambiguous (stream names contain no '/'). */
    public static String storeName(String account, String stream) {
        return account + "/" + stream;
    }

    private Path configFile(JsAccount a, String stream) {
        return storeDir.resolve(STREAMS_DIR).resolve(enc(a.name())).resolve(enc(stream) + ".json");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Writes a file stream's configuration, durably (temporary file, fsync, atomic rename, fsync of the
     * directory), before the stream is used. Memory streams are not kept: they do not survive a restart.
     */
    void persistConfig(JsAccount a, StreamConfig cfg, long createdNanos) {
        if (cfg.storage() != StorageType.FILE) {
            return;
        }
        ObjectNode doc = ApiRequest.MAPPER.createObjectNode();
        doc.put("created", createdNanos);
        doc.set("config", cfg.toJson());
        Path f = configFile(a, cfg.name());
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            byte[] bytes = doc.toString().getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(f.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void deleteConfig(JsAccount a, String stream) {
        try {
            Path f = configFile(a, stream);
            if (Files.deleteIfExists(f)) {
                fsyncDir(f.getParent());
            }
        } catch (IOException e) {
            server.logger().warn("JetStream could not delete the configuration of stream '" + a.name() + " > "
                    + stream + "': " + e);
        }
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be synced
        }
    }

    /**
     * Recovers every file stream: its configuration file, then its store (RocksDB recovers the messages).
     * A store without a configuration (a crash between the two) is deleted; a configuration of an account that
     * no longer has JetStream is left alone and logged.
     */
    private void recover() throws IOException {
        Path streamsDir = storeDir.resolve(STREAMS_DIR);
        boolean hasConfigs = Files.isDirectory(streamsDir);
        boolean hasDb = Files.isDirectory(storeDir.resolve(RocksStorage.DB_DIR));
        if (!hasConfigs && !hasDb) {
            return;
        }
        Storage fs = storage(StorageType.FILE);
        java.util.Set<String> known = new java.util.HashSet<>();
        if (hasConfigs) {
            try (var accDirs = Files.list(streamsDir)) {
                for (Path accDir : (Iterable<Path>) accDirs::iterator) {
                    String accName = URLDecoder.decode(accDir.getFileName().toString(), StandardCharsets.UTF_8);
                    JsAccount ja = accounts.get(accName);
                    try (var files = Files.list(accDir)) {
                        for (Path f : (Iterable<Path>) files::iterator) {
                            String fn = f.getFileName().toString();
                            if (!fn.endsWith(".json")) {
                                continue;
                            }
                            JsonNode doc = ApiRequest.MAPPER.readTree(f.toFile());
                            StreamConfig cfg = StreamConfig.parse(doc.get("config"));
                            long created = doc.path("created").asLong();
                            known.add(storeName(accName, cfg.name()));
                            if (ja == null) {
                                // operator mode loads accounts on demand: recovered when the account is
                                unclaimed.computeIfAbsent(accName, k -> new ArrayList<>()).add(new Recovered(cfg, created));
                                continue;
                            }
                            StreamStore st = fs.createStream(storeName(accName, cfg.name()), cfg.storeLimits());
                            ja.recoverStream(cfg, st, created);
                            server.logger().notice("  Restored " + String.format("%,d", st.state().msgs())
                                    + " messages for stream '" + accName + " > " + cfg.name() + "'");
                        }
                    }
                }
            }
        }
        for (String n : fs.streamNames()) {
            if (!known.contains(n)) {
                server.logger().warn("JetStream deleting stream store '" + n + "' that has no configuration");
                fs.deleteStream(n);
            }
        }
    }

    /** The wall clock in epoch nanoseconds (message and stream times). */
    public static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    // ------------------------------------------------------------------ defaults

    private static long defaultMaxMemory() {
        try {
            var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                long total = sun.getTotalMemorySize();
                if (total > 0) {
                    return total / 4 * 3;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // fall through
        }
        return 256L * 1024 * 1024;
    }

    private static long defaultMaxStore(Path dir) {
        try {
            Path p = dir;
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            if (p != null) {
                return Files.getFileStore(p).getUsableSpace();
            }
        } catch (IOException e) {
            // fall through
        }
        return 1024L * 1024 * 1024 * 1024;
    }

    /** nats-server's friendlyBytes. */
    static String friendlyBytes(long bytes) {
        double fb = bytes;
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"K", "M", "G", "T", "P", "E"};
        int exp = (int) (Math.log(fb) / Math.log(1024));
        return String.format("%.2f %sB", fb / Math.pow(1024, exp), units[exp - 1]);
    }
}
