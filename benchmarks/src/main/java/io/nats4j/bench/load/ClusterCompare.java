package io.nats4j.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs cluster load scenarios (publisher on server 1, subscribers or responders on the other servers) against
 * three-node clusters of different layouts, each cluster freshly started for every run, the layouts alternating
 * within a round, and prints medians and the median of per-round ratios against the all-nats-server layout.
 * Used by {@code scripts/bench-cluster.sh}.
 *
 * <p>A layout is one letter per server: {@code J} nats4j, {@code G} nats-server; {@code JJJ} is a nats4j cluster,
 * {@code GGG} a Go one, {@code JGJ} a mixed one. Server 1 (the publisher's) is the first letter.
 */
public final class ClusterCompare {

    static final String USAGE = """
            usage: ClusterCompare [options]
              --nats4j-cmd CMD        command starting nats4j (default bin/nats4j)
              --nats-server-cmd CMD   command starting nats-server (default nats-server)
              --layouts L1,L2,...     3-letter layouts, J = nats4j, G = nats-server (default JJJ,GGG,JGJ);
                                      ratios are against GGG
              --rounds N              rounds per scenario (default 3)
              --duration D            publish time per run (default 2s)
              --warmup D              before each measured run, the same load for D on the same cluster, not
                                      measured (default 0: the run starts on freshly started servers, so a JVM
                                      is measured while its JIT compiles; see docs/PERFORMANCE.md, "Cluster")
              --scenarios a,b,...     subset of scenario names (default all)
              --out-dir DIR           where results.md, results.json and server logs go
                                      (default benchmarks/target/bench-cluster)
            Every server gets -a 127.0.0.1 -p PORT -m MPORT --cluster nats://127.0.0.1:CPORT --cluster_name bench
            and, from server 2 on, --routes nats://127.0.0.1:<server 1's CPORT>.
            """;

    private static final String BASELINE = "GGG";
    private static final long READY_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    enum Kind { SUB, LATENCY }

    /** {@code subServers}: indexes (0-based) of the servers the subscribers / responders use, round-robin. */
    record Scenario(String name, String description, Kind kind, int[] subServers, List<String> args) {
    }

    static List<Scenario> scenarios() {
        return List.of(
                new Scenario("c-pubsub", "publisher on server 1 -> 1 subscriber on server 2, 128 B", Kind.SUB,
                        new int[] {1}, List.of("--pubs", "1", "--subs", "1", "--size", "128", "--msgs", "20000000")),
                new Scenario("c-fanout", "publisher on server 1 -> 4 subscribers, 2 on server 2 and 2 on server 3,"
                        + " 128 B", Kind.SUB, new int[] {1, 2},
                        List.of("--pubs", "1", "--subs", "4", "--size", "128", "--msgs", "10000000")),
                new Scenario("c-queue", "publisher on server 1 -> queue group of 3, one member on each server,"
                        + " 128 B", Kind.SUB, new int[] {0, 1, 2},
                        List.of("--pubs", "1", "--subs", "3", "--queue", "bench.q", "--size", "128",
                                "--msgs", "20000000")),
                new Scenario("c-queue-remote", "publisher on server 1 -> queue group of 4, 2 members on server 2 and"
                        + " 2 on server 3 (none local), 128 B", Kind.SUB, new int[] {1, 2},
                        List.of("--pubs", "1", "--subs", "4", "--queue", "bench.q", "--size", "128",
                                "--msgs", "20000000")),
                new Scenario("c-reqrep", "requester on server 1, responder on server 2, 128 B, one in flight",
                        Kind.LATENCY, new int[] {1},
                        List.of("--mode", "reqrep", "--pubs", "1", "--subs", "1", "--size", "128",
                                "--msgs", "1000000", "--warmup", "300")));
    }

    record Run(String scenario, String layout, int round, Map<String, Double> metrics, boolean complete,
               List<String> errors, String loadAvg) {
    }

    public static void main(String[] args) throws Exception {
        String nats4j = "bin/nats4j";
        String go = "nats-server";
        List<String> layouts = List.of("JJJ", "GGG", "JGJ");
        int rounds = 3;
        String duration = "2s";
        String warmup = "0s";
        Set<String> only = null;
        Path out = Path.of("benchmarks/target/bench-cluster");
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--nats4j-cmd" -> { nats4j = v; i++; }
                case "--nats-server-cmd" -> { go = v; i++; }
                case "--layouts" -> { layouts = Arrays.asList(v.split(",")); i++; }
                case "--rounds" -> { rounds = Integer.parseInt(v); i++; }
                case "--duration" -> { duration = v; i++; }
                case "--warmup" -> { warmup = v; i++; }
                case "--scenarios" -> { only = new HashSet<>(Arrays.asList(v.split(","))); i++; }
                case "--out-dir" -> { out = Path.of(v); i++; }
                default -> {
                    System.err.println(USAGE);
                    System.exit(args[i].equals("--help") ? 0 : 2);
                }
            }
        }
        for (String l : layouts) {
            if (!l.matches("[JG]{3}")) {
                throw new IllegalArgumentException("layout must be 3 letters of J and G: " + l);
            }
        }
        Files.createDirectories(out.resolve("logs"));
        List<Run> runs = new ArrayList<>();
        String loadStart = loadAvg();
        log("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, load average " + loadStart);
        warmUp(go, out);
        for (Scenario s : scenarios()) {
            if (only != null && !only.contains(s.name())) {
                continue;
            }
            for (int r = 1; r <= rounds; r++) {
                for (String layout : layouts) {
                    Run run = runOnce(s, layout, r, nats4j, go, duration, warmup, out);
                    runs.add(run);
                    log(String.format(Locale.ROOT, "%-15s %s round %d: %s%s  (load %s)", s.name(), layout, r,
                            fmtMetrics(run.metrics()), run.complete() ? "" : "  INCOMPLETE " + run.errors(),
                            run.loadAvg()));
                }
            }
        }
        String md = table(runs, layouts, loadStart, loadAvg());
        System.out.println(md);
        Files.writeString(out.resolve("results.md"), md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("time", Instant.now().toString());
        json.put("layouts", layouts);
        json.put("runs", runs);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("results.json").toFile(),
                json);
    }

    private static void warmUp(String go, Path out) throws Exception {
        log("warming up the generator against a nats-server cluster");
        try (Cluster c = Cluster.start("GGG", "bench", go, go, out.resolve("logs"), "warmup")) {
            LoadGen.run(LoadOptions.parse("--url", c.url(0), "--sub-urls", c.url(1), "--settle", "300ms",
                    "--duration", "1s"));
            LoadGen.run(LoadOptions.parse("--url", c.url(0), "--sub-urls", c.url(1), "--settle", "300ms",
                    "--mode", "reqrep", "--duration", "500ms"));
        }
    }

    private static Run runOnce(Scenario s, String layout, int round, String nats4j, String go, String duration,
                               String warmup, Path out) throws Exception {
        try (Cluster c = Cluster.start(layout, "bench", nats4j, go, out.resolve("logs"),
                s.name() + "-" + layout + "-" + round)) {
            List<String> a = new ArrayList<>(s.args());
            StringBuilder subs = new StringBuilder();
            for (int idx : s.subServers()) {
                subs.append(subs.isEmpty() ? "" : ",").append(c.url(idx));
            }
            a.addAll(List.of("--url", c.url(0), "--sub-urls", subs.toString(), "--settle", "500ms"));
            if (!warmup.matches("0+[a-z]*")) {
                List<String> w = new ArrayList<>(a);
                w.addAll(List.of("--duration", warmup));
                LoadGen.run(LoadOptions.parse(w.toArray(String[]::new)));
            }
            a.addAll(List.of("--duration", duration));
            LoadResult res = LoadGen.run(LoadOptions.parse(a.toArray(String[]::new)));
            Map<String, Double> m = new LinkedHashMap<>();
            if (s.kind() == Kind.LATENCY) {
                m.put("p50_us", res.latency().p50Us());
                m.put("p99_us", res.latency().p99Us());
                m.put("req_per_s", res.pub().msgsPerSec());
            } else {
                m.put("sub_msgs_per_s", res.sub().msgsPerSec());
                m.put("pub_msgs_per_s", res.pub().msgsPerSec());
            }
            return new Run(s.name(), layout, round, m, res.complete(), res.errors(), loadAvg());
        }
    }

    // ---- report ------------------------------------------------------------------------------

    private static String table(List<Run> runs, List<String> layouts, String loadStart, String loadEnd) {
        StringBuilder b = new StringBuilder();
        b.append("load average at start: ").append(loadStart).append("; at end: ").append(loadEnd).append("\n\n");
        b.append("| Scenario | Metric |");
        for (String l : layouts) {
            b.append(' ').append(l).append(" (median) |");
        }
        for (String l : layouts) {
            if (!l.equals(BASELINE) && layouts.contains(BASELINE)) {
                b.append(' ').append(l).append('/').append(BASELINE).append(" |");
            }
        }
        b.append(" runs incomplete |\n|---|---|");
        b.append("---:|".repeat(layouts.size() + (layouts.contains(BASELINE) ? layouts.size() - 1 : 0)));
        b.append("---:|\n");
        List<String> names = runs.stream().map(Run::scenario).distinct().toList();
        for (String name : names) {
            List<Run> sr = runs.stream().filter(r -> r.scenario().equals(name)).toList();
            for (String metric : sr.get(0).metrics().keySet()) {
                b.append("| ").append(name).append(" | ").append(metric).append(" |");
                for (String l : layouts) {
                    b.append(' ').append(fmt(Compare.medianOf(sr.stream().filter(r -> r.layout().equals(l))
                            .map(r -> r.metrics().get(metric)).toList()))).append(" |");
                }
                for (String l : layouts) {
                    if (l.equals(BASELINE) || !layouts.contains(BASELINE)) {
                        continue;
                    }
                    List<Double> ratios = new ArrayList<>();
                    for (Run r : sr) {
                        if (!r.layout().equals(l)) {
                            continue;
                        }
                        sr.stream().filter(g -> g.layout().equals(BASELINE) && g.round() == r.round()).findFirst()
                                .ifPresent(g -> ratios.add(r.metrics().get(metric) / g.metrics().get(metric)));
                    }
                    b.append(String.format(Locale.ROOT, " %.2f |", Compare.medianOf(ratios)));
                }
                b.append(' ').append(sr.stream().filter(r -> !r.complete()).count()).append(" |\n");
            }
        }
        return b.toString();
    }

    private static String fmt(double v) {
        return Math.abs(v) >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fmtMetrics(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(k).append('=').append(fmt(v)).append(' '));
        return b.toString().trim();
    }

    private static String loadAvg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void log(String s) {
        System.err.println("[bench-cluster] " + s);
    }

    // ---- cluster processes ---------------------------------------------------------------------

    /** Three server processes on loopback, server 2 and 3 routed to server 1; ready once every server has 2 routes. */
    static final class Cluster implements AutoCloseable {
        /** Every process started and not yet stopped: stopped by a shutdown hook if the driver is killed. */
        private static final Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

        static {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            })));
        }

        private final List<Process> processes = new ArrayList<>();
        private final int[] clientPorts = new int[3];

        String url(int i) {
            return "nats://127.0.0.1:" + clientPorts[i];
        }

        static Cluster start(String layout, String name, String nats4j, String go, Path logs, String tag)
                throws IOException, InterruptedException {
            Cluster c = new Cluster();
            try {
                Set<Integer> taken = new HashSet<>();
                int[] monitor = new int[3];
                int[] routePorts = new int[3];
                for (int i = 0; i < 3; i++) {
                    c.clientPorts[i] = ServerProcess.freePort(taken);
                    monitor[i] = ServerProcess.freePort(taken);
                    routePorts[i] = ServerProcess.freePort(taken);
                }
                for (int i = 0; i < 3; i++) {
                    String command = layout.charAt(i) == 'J' ? nats4j : go;
                    List<String> cmd = new ArrayList<>(List.of(command.trim().split("\\s+")));
                    cmd.addAll(List.of("-a", "127.0.0.1", "-p", Integer.toString(c.clientPorts[i]),
                            "-m", Integer.toString(monitor[i]),
                            "--cluster", "nats://127.0.0.1:" + routePorts[i], "--cluster_name", name));
                    if (i > 0) {
                        cmd.addAll(List.of("--routes", "nats://127.0.0.1:" + routePorts[0]));
                    }
                    c.processes.add(new ProcessBuilder(cmd).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(
                                    logs.resolve(tag + "-s" + (i + 1) + ".log").toFile()))
                            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                            .start());
                    LIVE.add(c.processes.get(i));
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < 3; i++) {
                    while (numRoutes(monitor[i]) < 2) {
                        if (!c.processes.get(i).isAlive()) {
                            throw new IOException("server " + (i + 1) + " of " + layout + " exited (see logs/" + tag
                                    + "-s" + (i + 1) + ".log)");
                        }
                        if (System.nanoTime() - t0 > READY_TIMEOUT_NS) {
                            throw new IOException("cluster " + layout + " not formed after 60 s (see logs/" + tag
                                    + "-s*.log)");
                        }
                        Thread.sleep(20);
                    }
                }
                return c;
            } catch (IOException | InterruptedException | RuntimeException e) {
                c.close();
                throw e;
            }
        }

        private static final Pattern NUM_ROUTES = Pattern.compile("\"num_routes\"\\s*:\\s*(\\d+)");

        /** num_routes of the server's /routez, or -1 while it does not answer. */
        private static int numRoutes(int monitorPort) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", monitorPort), 1000);
                s.setSoTimeout(2000);
                s.getOutputStream().write(("GET /routez HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                Matcher m = NUM_ROUTES.matcher(body);
                return m.find() ? Integer.parseInt(m.group(1)) : -1;
            } catch (IOException e) {
                return -1;
            }
        }

        /** SIGTERM to every server and its descendants, SIGKILL after 10 s. */
        @Override
        public void close() {
            List<ProcessHandle> all = new ArrayList<>();
            for (Process p : processes) {
                all.addAll(p.descendants().toList());
                all.add(p.toHandle());
            }
            all.forEach(ProcessHandle::destroy);
            for (ProcessHandle h : all) {
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            }
            processes.forEach(LIVE::remove);
        }
    }

    private ClusterCompare() {
    }
}
