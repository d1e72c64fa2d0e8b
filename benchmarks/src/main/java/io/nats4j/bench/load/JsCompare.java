package io.nats4j.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The JetStream scenarios of {@code scripts/bench-compare.sh --jetstream}: each run starts a fresh server with
 * JetStream on a fresh store directory ({@code -js -sd DIR}), alternating nats4j (its default: fsync before every
 * ack), nats-server (its default: no fsync before the ack; 2.9 syncs every 2 minutes) and, unless
 * {@code --sync-interval none}, nats4j with that {@code sync_interval} (the same as nats-server's). Prints medians
 * and the median of the per-round ratios to nats-server; store directories are deleted after each run.
 */
public final class JsCompare {

    static final String USAGE = """
            usage: JsCompare [options]
              --nats4j-cmd CMD        command starting nats4j (default bin/nats4j)
              --nats-server-cmd CMD   command starting nats-server (default /usr/sbin/nats-server)
              --rounds N              rounds per scenario (default 3)
              --duration D            time of each publish / request run in seconds (default 3)
              --msgs N                messages stored then consumed by js-fetch-1k and js-push-1k (default 1000000)
              --restart-msgs N        messages stored before js-restart (default 1000000)
              --restart-size B        their size (default 128)
              --sync-interval D       sync_interval of the third server, "none" for no third server (default 2m,
                                      nats-server 2.9's fixed interval)
              --scenarios a,b,...     subset of the scenarios (default all)
              --out-dir DIR           results.md, results.json, logs (default benchmarks/target/bench-compare-js)
            """;

    enum Kind { PUB_ASYNC, SYNC, FETCH, PUSH, KV_PUT, KV_GET, RESTART }

    record Scenario(String name, String description, Kind kind, int pubs, int size) {
    }

    static List<Scenario> scenarios() {
        return List.of(
                new Scenario("js-pub-16", "async publish, 1 publisher, 16 B, window 256", Kind.PUB_ASYNC, 1, 16),
                new Scenario("js-pub-1k", "async publish, 1 publisher, 1 KiB, window 256", Kind.PUB_ASYNC, 1, 1024),
                new Scenario("js-pub-16-x4", "async publish, 4 publishers, 16 B, window 256 each", Kind.PUB_ASYNC, 4,
                        16),
                new Scenario("js-pub-1k-x4", "async publish, 4 publishers, 1 KiB, window 256 each", Kind.PUB_ASYNC, 4,
                        1024),
                new Scenario("js-sync-128", "synchronous publish, one in flight, 128 B", Kind.SYNC, 1, 128),
                new Scenario("js-fetch-1k", "pull consumer fetch (batch 500, 2 requests out) of stored 1 KiB messages,"
                        + " each acked", Kind.FETCH, 1, 1024),
                new Scenario("js-push-1k", "push consumer delivery of stored 1 KiB messages, each acked", Kind.PUSH, 1,
                        1024),
                new Scenario("kv-put-128", "KV put, one in flight, 1,000 keys, 128 B", Kind.KV_PUT, 1, 128),
                new Scenario("kv-get-128", "KV get by direct get, one in flight, 1,000 keys, 128 B", Kind.KV_GET, 1,
                        128),
                new Scenario("js-restart", "store N messages (4 async publishers), stop, start again: time until the"
                        + " stream is served (STREAM.INFO with every message, the last one loaded)", Kind.RESTART, 4,
                        128));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("nats4j-cmd", "bin/nats4j");
        opt.put("nats-server-cmd", "/usr/sbin/nats-server");
        opt.put("rounds", "3");
        opt.put("duration", "3");
        opt.put("msgs", "1000000");
        opt.put("restart-msgs", "1000000");
        opt.put("restart-size", "128");
        opt.put("sync-interval", "2m");
        opt.put("scenarios", "");
        opt.put("out-dir", "benchmarks/target/bench-compare-js");
        Options.parse(opt, args, USAGE);
        List<String> pick = Options.scenarios(opt);
        List<Scenario> run = scenarios().stream().filter(s -> pick.isEmpty() || pick.contains(s.name())).toList();
        if (run.isEmpty()) {
            System.err.println("no scenario selected; known: " + scenarios().stream().map(Scenario::name).toList());
            System.exit(64);
        }
        new JsCompare(opt).run(run);
    }

    private final Map<String, String> opt;
    private final List<String> servers = new ArrayList<>();
    private final List<String> commands = new ArrayList<>();
    private final Path out;
    private final int rounds;
    private final long durationNanos;
    private final long msgs;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsCompare(Map<String, String> opt) throws IOException {
        this.opt = opt;
        this.out = Path.of(opt.get("out-dir")).toAbsolutePath();
        Files.createDirectories(out);
        this.rounds = Integer.parseInt(opt.get("rounds"));
        this.durationNanos = (long) (Double.parseDouble(opt.get("duration")) * 1e9);
        this.msgs = Long.parseLong(opt.get("msgs"));
        servers.add("nats4j");
        commands.add(opt.get("nats4j-cmd"));
        servers.add("nats-server");
        commands.add(opt.get("nats-server-cmd"));
        String si = opt.get("sync-interval");
        if (!si.equals("none")) {
            Path conf = out.resolve("nats4j-sync-interval.conf");
            Files.writeString(conf, "jetstream {\n  sync_interval: \"" + si + "\"\n}\n");
            servers.add("nats4j-si" + si);
            commands.add(opt.get("nats4j-cmd") + " -c " + conf);
        }
    }

    record Run(String server, int round, Map<String, Double> metrics, long peakRssKiB, List<String> errors) {
    }

    private void run(List<Scenario> scenarios) throws Exception {
        String loadBefore = loadAvg();
        log("servers " + servers + "; rounds " + rounds + "; load average before: " + loadBefore);
        // first start after a build trains bin/nats4j's AOT cache: not measured
        for (int s = 0; s < servers.size(); s++) {
            Path dir = Files.createTempDirectory(out, "prime");
            try (ServerProcess p = ServerProcess.start(commands.get(s) + " -js -sd " + dir,
                    out.resolve("logs").resolve("prime-" + servers.get(s) + ".log"))) {
                new JsLoad("127.0.0.1", p.port).syncPublish(16, TimeUnit.MILLISECONDS.toNanos(300));
            } finally {
                deleteTree(dir);
            }
        }
        StringBuilder md = new StringBuilder("| Scenario | Metric | nats4j | nats-server | ratio");
        for (int s = 2; s < servers.size(); s++) {
            md.append(" | ").append(servers.get(s)).append(" | ratio");
        }
        md.append(" |\n|---|---|---:|---:|---:").append("|---:|---:".repeat(servers.size() - 2)).append("|\n");
        List<Map<String, Object>> results = new ArrayList<>();
        for (Scenario sc : scenarios) {
            List<Run> runs = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                for (int s = 0; s < servers.size(); s++) {
                    Run one = runOnce(sc, s, r);
                    runs.add(one);
                    log(String.format(Locale.ROOT, "%-12s round %d %-14s %s rss=%.0fMiB%s", sc.name(), r,
                            servers.get(s), one.metrics(), one.peakRssKiB() / 1024.0,
                            one.errors().isEmpty() ? "" : " ERRORS " + one.errors()));
                }
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            List<String> metricNames = new ArrayList<>(runs.getFirst().metrics().keySet());
            metricNames.add("peak RSS MiB");
            for (String metric : metricNames) {
                md.append("| ").append(sc.name()).append(" | ").append(metric);
                Map<String, Object> ms = new LinkedHashMap<>();
                for (int s = 0; s < servers.size(); s++) {
                    String srv = servers.get(s);
                    double med = Compare.medianOf(runs.stream().filter(x -> x.server().equals(srv))
                            .map(x -> value(x, metric)).toList());
                    ms.put(srv, med);
                    if (s != 1) {
                        List<Double> ratios = new ArrayList<>();
                        for (int r = 1; r <= rounds; r++) {
                            double a = value(find(runs, srv, r), metric);
                            double b = value(find(runs, "nats-server", r), metric);
                            ratios.add(b == 0 ? Double.NaN : a / b);
                        }
                        ms.put(srv + "/nats-server", Compare.medianOf(ratios));
                    }
                }
                md.append(" | ").append(fmt((double) ms.get("nats4j"))).append(" | ")
                        .append(fmt((double) ms.get("nats-server"))).append(" | ")
                        .append(String.format(Locale.ROOT, "%.2f", (double) ms.get("nats4j/nats-server")));
                for (int s = 2; s < servers.size(); s++) {
                    md.append(" | ").append(fmt((double) ms.get(servers.get(s)))).append(" | ").append(
                            String.format(Locale.ROOT, "%.2f", (double) ms.get(servers.get(s) + "/nats-server")));
                }
                md.append(" |\n");
                summary.put(metric, ms);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", sc.name());
            entry.put("description", sc.description());
            entry.put("summary", summary);
            entry.put("runs", runs);
            results.add(entry);
        }
        md.append("\nMedians over ").append(rounds).append(" rounds; ratio = median of the per-round ratios to"
                + " nats-server (throughput: above 1 favours nats4j; latency, time and RSS: below 1 does). Load"
                + " average before ").append(loadBefore).append(", after ").append(loadAvg()).append(".\n");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("date", Instant.now().toString());
        doc.put("options", opt);
        doc.put("servers", servers);
        doc.put("commands", commands);
        doc.put("loadAverageBefore", loadBefore);
        doc.put("loadAverageAfter", loadAvg());
        doc.put("scenarios", results);
        Files.writeString(out.resolve("results.md"), md.toString());
        Files.writeString(out.resolve("results.json"), json.writeValueAsString(doc) + "\n");
        System.out.println();
        System.out.print(md);
    }

    private static Run find(List<Run> runs, String server, int round) {
        return runs.stream().filter(x -> x.round() == round && x.server().equals(server)).findFirst().orElseThrow();
    }

    private static double value(Run r, String metric) {
        if (metric.equals("peak RSS MiB")) {
            return r.peakRssKiB() / 1024.0;
        }
        Double v = r.metrics().get(metric);
        return v == null ? Double.NaN : v;
    }

    private Run runOnce(Scenario sc, int s, int round) throws Exception {
        String name = servers.get(s);
        Path dir = Files.createTempDirectory(out, "store");
        Path logFile = out.resolve("logs").resolve(sc.name() + "-" + name + "-" + round + ".log");
        Files.deleteIfExists(logFile);
        String cmd = commands.get(s) + " -js -sd " + dir;
        try {
            if (sc.kind() == Kind.RESTART) {
                return restart(sc, name, round, cmd, logFile);
            }
            try (ServerProcess p = ServerProcess.start(cmd, logFile)) {
                System.gc();
                JsLoad load = new JsLoad("127.0.0.1", p.port);
                JsLoad.Result r = switch (sc.kind()) {
                    case PUB_ASYNC -> load.asyncPublish("PUB", sc.pubs(), sc.size(), 50_000_000, durationNanos);
                    case SYNC -> load.syncPublish(sc.size(), durationNanos);
                    case FETCH -> load.pullFetch(msgs, sc.size());
                    case PUSH -> load.pushConsume(msgs, sc.size());
                    case KV_PUT -> load.kvPut(sc.size(), durationNanos);
                    case KV_GET -> load.kvGet(sc.size(), durationNanos);
                    default -> throw new IllegalStateException();
                };
                return new Run(name, round, r.metrics(), p.peakRssKiB(), r.errors());
            } catch (IOException e) {
                return new Run(name, round, Map.of(), -1, List.of(e.toString()));
            }
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Stores N messages (peak RSS while storing), stops the server (SIGTERM), starts it again on the same store
     * and times exec until STREAM.INFO reports every message and the last one is loaded.
     */
    private Run restart(Scenario sc, String name, int round, String cmd, Path logFile) throws Exception {
        long n = Long.parseLong(opt.get("restart-msgs"));
        int size = Integer.parseInt(opt.get("restart-size"));
        Map<String, Double> m = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        long rssStoring;
        try (ServerProcess p = ServerProcess.start(cmd, logFile)) {
            JsLoad load = new JsLoad("127.0.0.1", p.port);
            load.createStream("R", "js.R.>");
            long t0 = System.nanoTime();
            double[] r = load.publishAll("R", sc.pubs(), size, (n + sc.pubs() - 1) / sc.pubs(),
                    TimeUnit.MINUTES.toNanos(30));
            m.put("storing msgs/s", r[1] / ((System.nanoTime() - t0) / 1e9));
            rssStoring = p.peakRssKiB();
        }
        long t0 = System.nanoTime();
        try (ServerProcess p = ServerProcess.start(cmd, logFile)) {
            try (JsRequester api = new JsRequester("127.0.0.1", p.port, "restart")) {
                long deadline = t0 + TimeUnit.MINUTES.toNanos(5);
                long[] st = null;
                while (System.nanoTime() - deadline < 0) {
                    st = JsLoad.streamState(api, "R");
                    if (st != null && st[0] >= n) {
                        break;
                    }
                    Thread.sleep(1);
                }
                if (st == null || st[0] < n) {
                    errors.add("restarted stream has " + (st == null ? "no state" : st[0] + " messages"));
                } else {
                    var got = api.request("$JS.API.STREAM.MSG.GET.R", "{\"seq\":" + st[1] + "}");
                    if (got.has("error")) {
                        errors.add("last message: " + got.get("error"));
                    }
                }
            }
            m.put("ms to serve stream", (System.nanoTime() - t0) / 1e6);
            m.put("ms to first PONG", p.firstPongNanos / 1e6);
            m.put("peak RSS restarted MiB", p.peakRssKiB() / 1024.0);
        }
        m.put("peak RSS storing MiB", rssStoring / 1024.0);
        return new Run(name, round, m, rssStoring, errors);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> w = Files.walk(dir)) {
            for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String fmt(double v) {
        return Math.abs(v) >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String loadAvg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void log(String s) {
        System.err.println("[bench-compare-js] " + s);
    }
}
