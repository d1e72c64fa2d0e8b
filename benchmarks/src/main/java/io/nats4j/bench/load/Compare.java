package io.nats4j.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Runs the same load scenarios against nats4j and nats-server, alternately (A B A B ...), each server
 * freshly started for every run, and prints medians, the median of the per-round ratios
 * nats4j/nats-server, and each server's peak RSS. Used by {@code scripts/bench-compare.sh}.
 */
public final class Compare {

    static final String USAGE = """
            usage: Compare [options]
              --nats4j-cmd CMD        command starting nats4j (default bin/nats4j); gets -a 127.0.0.1 -p PORT
              --nats-server-cmd CMD   command starting nats-server (default /usr/sbin/nats-server)
              --rounds N              rounds per scenario (default 3; startup uses max(N, 5))
              --duration D            publish time per run (default 3s)
              --scenarios a,b,...     subset of scenario names (default all)
              --out-dir DIR           where results.md, results.json and server logs go
                                      (default benchmarks/target/bench-compare)
            """;

    /** What a scenario's headline numbers are. */
    enum Kind { PUB, SUB, LATENCY, CONNECT, STARTUP }

    record Scenario(String name, String description, Kind kind, List<String> args) {
    }

    /** The scenarios, in run order. Every run is bounded by --duration and a message cap. */
    static List<Scenario> scenarios() {
        return List.of(
                new Scenario("pub-16", "publish only, 1 publisher, 16 B, no subscribers", Kind.PUB,
                        List.of("--mode", "pub", "--pubs", "1", "--size", "16", "--msgs", "60000000")),
                new Scenario("pub-128", "publish only, 1 publisher, 128 B, no subscribers", Kind.PUB,
                        List.of("--mode", "pub", "--pubs", "1", "--size", "128", "--msgs", "30000000")),
                new Scenario("pubsub-128", "1 publisher -> 1 subscriber, 128 B", Kind.SUB,
                        List.of("--pubs", "1", "--subs", "1", "--size", "128", "--msgs", "20000000")),
                new Scenario("fanout-4", "1 publisher -> 4 subscribers (each gets every message), 128 B", Kind.SUB,
                        List.of("--pubs", "1", "--subs", "4", "--size", "128", "--msgs", "10000000")),
                new Scenario("queue-4", "1 publisher -> queue group of 4 (each message to one member), 128 B",
                        Kind.SUB, List.of("--pubs", "1", "--subs", "4", "--queue", "bench.q", "--size", "128",
                        "--msgs", "20000000")),
                new Scenario("pubsub-4x4", "4 publishers -> 4 subscribers on one subject, 128 B", Kind.SUB,
                        List.of("--pubs", "4", "--subs", "4", "--size", "128", "--msgs", "5000000")),
                new Scenario("pubsub-1k", "1 publisher -> 1 subscriber, 1 KiB", Kind.SUB,
                        List.of("--pubs", "1", "--subs", "1", "--size", "1024", "--msgs", "10000000")),
                new Scenario("pubsub-64k", "1 publisher -> 1 subscriber, 64 KiB", Kind.SUB,
                        List.of("--pubs", "1", "--subs", "1", "--size", "65536", "--msgs", "1000000")),
                new Scenario("reqrep", "request/reply round trip, 1 requester, 1 responder, 128 B, one in flight",
                        Kind.LATENCY, List.of("--mode", "reqrep", "--pubs", "1", "--subs", "1", "--size", "128",
                        "--msgs", "1000000", "--warmup", "2000")),
                new Scenario("idle-1000", "1,000 idle connections with one subscription each, plus 1 -> 1 pub/sub"
                        + " 128 B", Kind.SUB, List.of("--conns-idle", "1000", "--pubs", "1", "--subs", "1",
                        "--size", "128", "--msgs", "20000000")),
                new Scenario("idle-500", "500 idle connections with one subscription each, plus 1 -> 1 pub/sub"
                        + " 128 B", Kind.SUB, List.of("--conns-idle", "500", "--pubs", "1", "--subs", "1",
                        "--size", "128", "--msgs", "20000000")),
                new Scenario("connect-500", "500 clients set up one after another (connect, INFO, CONNECT + PING,"
                        + " PONG), all kept open", Kind.CONNECT, List.of("--mode", "connect", "--conns", "500")),
                new Scenario("conns-1000", "fresh server, 1,000 idle connections with one subscription each, no"
                        + " traffic: peak RSS", Kind.CONNECT, List.of("--mode", "connect", "--conns", "0",
                        "--conns-idle", "1000")),
                new Scenario("conns-10000", "fresh server, 10,000 idle connections with one subscription each, no"
                        + " traffic: peak RSS", Kind.CONNECT, List.of("--mode", "connect", "--conns", "0",
                        "--conns-idle", "10000")),
                new Scenario("startup", "exec of the server command until a TCP connect to its port succeeds,"
                        + " and until a client's first PING is answered",
                        Kind.STARTUP, List.of()));
    }

    private static final String[] SERVERS = {"nats4j", "nats-server"};

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("nats4j-cmd", "bin/nats4j");
        opt.put("nats-server-cmd", "/usr/sbin/nats-server");
        opt.put("rounds", "3");
        opt.put("duration", "3s");
        opt.put("scenarios", "");
        opt.put("out-dir", "benchmarks/target/bench-compare");
        Options.parse(opt, args, USAGE);
        int rounds = Integer.parseInt(opt.get("rounds"));
        List<String> pick = Options.scenarios(opt);
        List<Scenario> run = scenarios().stream().filter(s -> pick.isEmpty() || pick.contains(s.name())).toList();
        if (run.isEmpty()) {
            System.err.println("no scenario selected; known: " + scenarios().stream().map(Scenario::name).toList());
            System.exit(64);
        }
        Path out = Path.of(opt.get("out-dir"));
        Files.createDirectories(out);
        new Compare(opt.get("nats4j-cmd"), opt.get("nats-server-cmd"), rounds, opt.get("duration"), out).run(run);
    }

    private final String[] commands;
    private final int rounds;
    private final String duration;
    private final Path out;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Compare(String nats4jCmd, String natsServerCmd, int rounds, String duration, Path out) {
        this.commands = new String[] {nats4jCmd, natsServerCmd};
        this.rounds = rounds;
        this.duration = duration;
        this.out = out;
    }

    /** One measured run of one server. */
    record Run(String server, int round, Map<String, Double> metrics, long peakRssKiB, boolean complete,
               double generatorCpuSeconds, List<String> errors) {
    }

    private void run(List<Scenario> scenarios) throws Exception {
        log("nats4j:      " + commands[0]);
        log("nats-server: " + commands[1]);
        log("rounds " + rounds + ", duration " + duration + ", output " + out);
        String loadStart = loadAvg();
        log("load average before: " + loadStart);
        if (busy(loadStart)) {
            log("WARNING: the machine is busy (1-minute load average above half the CPUs);"
                    + " results will be noisy");
        }
        primeServers();
        warmUpGenerator();
        List<Map<String, Object>> results = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        md.append("| Scenario | Metric | nats4j | nats-server | nats4j / nats-server | Peak RSS nats4j (MiB)"
                + " | Peak RSS nats-server (MiB) |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Scenario sc : scenarios) {
            List<Run> runs = new ArrayList<>();
            int n = sc.kind() == Kind.STARTUP ? Math.max(rounds, 5) : rounds;
            for (int r = 1; r <= n; r++) {
                for (int s = 0; s < 2; s++) {
                    Run one = runOnce(sc, s, r);
                    runs.add(one);
                    log(String.format(Locale.ROOT, "%-11s round %d %-11s %s rss=%.1fMiB%s", sc.name(), r,
                            SERVERS[s], fmtMetrics(one.metrics()), one.peakRssKiB() / 1024.0,
                            one.complete() ? "" : " INCOMPLETE " + one.errors()));
                }
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            for (String metric : runs.getFirst().metrics().keySet()) {
                double a = median(runs, "nats4j", x -> x.metrics().get(metric));
                double b = median(runs, "nats-server", x -> x.metrics().get(metric));
                List<Double> ratios = new ArrayList<>();
                for (int r = 1; r <= n; r++) {
                    final int round = r;
                    double ra = runs.stream().filter(x -> x.round() == round && x.server().equals("nats4j"))
                            .findFirst().orElseThrow().metrics().get(metric);
                    double rb = runs.stream().filter(x -> x.round() == round && x.server().equals("nats-server"))
                            .findFirst().orElseThrow().metrics().get(metric);
                    ratios.add(rb == 0 ? Double.NaN : ra / rb);
                }
                double ratio = medianOf(ratios);
                summary.put(metric, Map.of("nats4j", a, "natsServer", b, "ratioMedian", ratio));
                double rssA = median(runs, "nats4j", x -> x.peakRssKiB() / 1024.0);
                double rssB = median(runs, "nats-server", x -> x.peakRssKiB() / 1024.0);
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %.0f | %.0f |%n", sc.name(),
                        metric, fmt(a), fmt(b), ratio, rssA, rssB));
            }
            boolean allComplete = runs.stream().allMatch(Run::complete);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", sc.name());
            entry.put("description", sc.description());
            entry.put("args", sc.args());
            entry.put("allRunsComplete", allComplete);
            entry.put("summary", summary);
            entry.put("runs", runs);
            results.add(entry);
            if (!allComplete) {
                log(sc.name() + ": some runs were incomplete (see JSON)");
            }
        }
        md.append("\nMedians over ").append(rounds).append(" rounds (startup: ").append(Math.max(rounds, 5))
                .append("); the ratio is the median of the per-round ratios. Throughput: a ratio above 1 favours"
                        + " nats4j. Latency and startup: lower is better, so a ratio below 1 favours nats4j.\n");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("date", Instant.now().toString());
        doc.put("machine", machine());
        doc.put("loadAverageBefore", loadStart);
        doc.put("loadAverageAfter", loadAvg());
        doc.put("nats4jCommand", commands[0]);
        doc.put("natsServerCommand", commands[1]);
        doc.put("rounds", rounds);
        doc.put("duration", duration);
        doc.put("scenarios", results);
        Files.writeString(out.resolve("results.md"), md.toString());
        Files.writeString(out.resolve("results.json"), json.writeValueAsString(doc) + "\n");
        System.out.println();
        System.out.print(md);
        log("wrote " + out.resolve("results.md") + " and " + out.resolve("results.json"));
    }

    private Run runOnce(Scenario sc, int server, int round) throws Exception {
        Path logFile = out.resolve("logs").resolve(sc.name() + "-" + SERVERS[server] + "-" + round + ".log");
        Files.deleteIfExists(logFile);
        try (ServerProcess p = ServerProcess.start(commands[server], logFile)) {
            Map<String, Double> m = new LinkedHashMap<>();
            if (sc.kind() == Kind.STARTUP) {
                m.put("ms to accept", p.startupNanos / 1e6);
                m.put("ms to first PONG", p.firstPongNanos / 1e6);
                return new Run(SERVERS[server], round, m, p.peakRssKiB(), true, 0, List.of());
            }
            List<String> a = new ArrayList<>(sc.args());
            a.addAll(List.of("--url", "nats://127.0.0.1:" + p.port, "--duration", duration));
            System.gc(); // start each run with the generator's heap clean
            LoadResult r = LoadGen.run(LoadOptions.parse(a.toArray(String[]::new)));
            switch (sc.kind()) {
                case PUB -> {
                    m.put("msgs/s", r.pub().msgsPerSec());
                    m.put("MB/s", r.pub().mbPerSec());
                }
                case SUB -> {
                    m.put("msgs/s received", r.sub().msgsPerSec());
                    m.put("MB/s received", r.sub().mbPerSec());
                }
                case LATENCY -> {
                    m.put("p50 us", r.latency().p50Us());
                    m.put("p99 us", r.latency().p99Us());
                    m.put("p99.9 us", r.latency().p999Us());
                    m.put("requests/s", r.pub().msgsPerSec());
                }
                case CONNECT -> {
                    m.put("connections/s", r.pub().msgsPerSec());
                    m.put("idle connections/s", r.sub().msgsPerSec());
                }
                default -> throw new IllegalStateException();
            }
            return new Run(SERVERS[server], round, m, p.peakRssKiB(), r.complete(), r.generatorCpuSeconds(),
                    r.errors());
        }
    }

    /**
     * Starts and stops each server once before anything is measured: bin/nats4j's first start after a build
     * trains the JVM's AOT cache (seconds), which belongs in no measured run, least of all in the startup one.
     */
    private void primeServers() throws Exception {
        for (int s = 0; s < 2; s++) {
            long t0 = System.nanoTime();
            Path logFile = out.resolve("logs").resolve("prime-" + SERVERS[s] + ".log");
            try (ServerProcess p = ServerProcess.start(commands[s], logFile)) {
                log(String.format(Locale.ROOT, "%s serves on port %d after %.0f ms (first start, not measured)",
                        SERVERS[s], p.port, (System.nanoTime() - t0) / 1e6));
            }
        }
    }

    /** One short discarded run so the generator's own code is compiled before anything is measured. */
    private void warmUpGenerator() throws Exception {
        log("warming up the generator against nats-server");
        try (ServerProcess p = ServerProcess.start(commands[1], out.resolve("logs").resolve("warmup.log"))) {
            String url = "nats://127.0.0.1:" + p.port;
            LoadGen.run(LoadOptions.parse("--url", url, "--subs", "2", "--duration", "1s"));
            LoadGen.run(LoadOptions.parse("--url", url, "--mode", "reqrep", "--duration", "500ms"));
        }
    }

    private static double median(List<Run> runs, String server, ToDoubleFunction<Run> f) {
        return medianOf(runs.stream().filter(r -> r.server().equals(server)).map(r -> f.applyAsDouble(r)).toList());
    }

    static double medianOf(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String fmt(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fmtMetrics(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(k).append('=').append(fmt(v)).append(' '));
        return b.toString().trim();
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("generatorJvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        try {
            Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().ifPresent(l -> m.put("cpuModel", l.substring(l.indexOf(':') + 1).trim()));
            Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .findFirst().ifPresent(l -> m.put("memTotal", l.substring(l.indexOf(':') + 1).trim()));
        } catch (IOException e) {
            m.put("procError", e.toString());
        }
        return m;
    }

    /** {@code /proc/loadavg} as text ("1m 5m 15m running/total lastpid"), or "unknown". */
    private static String loadAvg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static boolean busy(String loadAvg) {
        try {
            return Double.parseDouble(loadAvg.split(" ")[0]) > Runtime.getRuntime().availableProcessors() / 2.0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void log(String s) {
        System.err.println("[bench-compare] " + s);
    }
}
