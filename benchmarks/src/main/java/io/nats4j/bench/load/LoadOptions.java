package io.nats4j.bench.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Command-line options of {@link LoadGen}; see {@link #USAGE}. */
public final class LoadOptions {

    public enum Mode { PUBSUB, PUB, REQREP, CONNECT }

    public static final String USAGE = """
            usage: LoadGen [options]
              --url nats://host:port   server to load (default nats://127.0.0.1:4222)
              --mode pubsub|pub|reqrep|connect (default pubsub)
                                       connect: after the idle connections, set up --conns connections one
                                       at a time (connect, INFO, CONNECT + PING, wait for PONG), all kept open
              --pubs N                 publishers, or requesters in reqrep mode (default 1)
              --subs M                 subscribers, or responders in reqrep mode (default 1; 0 in pub mode)
              --size BYTES             payload size (default 128)
              --msgs COUNT             messages per publisher / requests per requester (default 1000000)
              --duration D             stop publishing after D (e.g. 5s, 500ms); with --msgs, whichever first
              --subject S              subject (default bench.load)
              --queue GROUP            subscribers join this queue group (reqrep: default bench.responders)
              --conns-idle K           K extra idle connections, each with its own subscription
              --conns N                connect mode: connections set up one at a time (default 500)
              --warmup N               reqrep: requests per requester not recorded (default 1000)
              --drain-timeout D        how long subscribers may lag behind publishers (default 10s)
              --sub-urls U1,U2,...     subscribers / responders connect to these servers, round-robin
                                       (default: --url); publishers / requesters always use --url
              --settle D               wait D after subscribing before publishing, so a cluster's routes
                                       carry the interest to the publishers' server (default 0)
              --json                   print the result as JSON on stdout
            """;

    public String host = "127.0.0.1";
    public int port = 4222;
    public Mode mode = Mode.PUBSUB;
    public int pubs = 1;
    public int subs = -1;
    public int size = 128;
    public long msgs = -1;
    public Duration duration;
    public String subject = "bench.load";
    public String queue;
    public int connsIdle;
    public int conns = 500;
    public long warmup = 1000;
    public Duration drainTimeout = Duration.ofSeconds(10);
    public boolean json;
    /** Servers of the subscribers / responders ({@code host:port}), round-robin; empty means {@link #host}:{@link #port}. */
    public final List<URI> subUrls = new ArrayList<>();
    public Duration settle = Duration.ZERO;

    /** Parses {@code args}; throws {@link IllegalArgumentException} with a readable message. */
    public static LoadOptions parse(String... args) {
        LoadOptions o = new LoadOptions();
        List<String> a = new ArrayList<>(List.of(args));
        for (int i = 0; i < a.size(); i++) {
            String k = a.get(i);
            String key = k.startsWith("--") ? k.substring(2) : k;
            if (key.contains("=")) {
                a.add(i + 1, key.substring(key.indexOf('=') + 1));
                key = key.substring(0, key.indexOf('='));
            }
            if (key.equals("json")) {
                o.json = true;
                continue;
            }
            if (key.equals("help") || key.equals("h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= a.size()) {
                throw new IllegalArgumentException("missing value for " + k + "\n" + USAGE);
            }
            String v = a.get(++i);
            switch (key) {
                case "url" -> o.url(v);
                case "mode" -> o.mode = Mode.valueOf(v.toUpperCase(java.util.Locale.ROOT));
                case "pubs" -> o.pubs = positiveInt(k, v, 1);
                case "subs" -> o.subs = positiveInt(k, v, 0);
                case "size" -> o.size = positiveInt(k, v, 0);
                case "msgs" -> o.msgs = Long.parseLong(v);
                case "duration" -> o.duration = duration(v);
                case "subject" -> o.subject = v;
                case "queue" -> o.queue = v;
                case "conns-idle" -> o.connsIdle = positiveInt(k, v, 0);
                case "conns" -> o.conns = positiveInt(k, v, 0);
                case "warmup" -> o.warmup = Long.parseLong(v);
                case "drain-timeout" -> o.drainTimeout = duration(v);
                case "sub-urls" -> {
                    for (String u : v.split(",")) {
                        o.subUrls.add(URI.create(u.contains("://") ? u.trim() : "nats://" + u.trim()));
                    }
                }
                case "settle" -> o.settle = duration(v);
                default -> throw new IllegalArgumentException("unknown option " + k + "\n" + USAGE);
            }
        }
        if (o.subs < 0) {
            o.subs = o.mode == Mode.PUB || o.mode == Mode.CONNECT ? 0 : 1;
        }
        if (o.mode == Mode.REQREP && o.subs < 1) {
            throw new IllegalArgumentException("reqrep needs at least one responder (--subs)");
        }
        if (o.mode == Mode.PUB && o.subs > 0) {
            throw new IllegalArgumentException("pub mode has no subscribers; use --mode pubsub");
        }
        if (o.msgs < 0) {
            o.msgs = o.duration == null ? 1_000_000 : Long.MAX_VALUE;
        }
        return o;
    }

    /** Host of the i-th subscriber or responder. */
    String subHost(int i) {
        return subUrls.isEmpty() ? host : subUrls.get(i % subUrls.size()).getHost();
    }

    /** Port of the i-th subscriber or responder. */
    int subPort(int i) {
        return subUrls.isEmpty() ? port : subUrls.get(i % subUrls.size()).getPort();
    }

    private void url(String v) {
        URI u = URI.create(v.contains("://") ? v : "nats://" + v);
        if (u.getHost() != null) {
            host = u.getHost();
        }
        if (u.getPort() > 0) {
            port = u.getPort();
        }
    }

    private static int positiveInt(String k, String v, int min) {
        int n = Integer.parseInt(v);
        if (n < min) {
            throw new IllegalArgumentException(k + " must be >= " + min);
        }
        return n;
    }

    /** Parses {@code 5s}, {@code 500ms}, {@code 2m} or a bare number of seconds. */
    static Duration duration(String v) {
        String s = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
        }
        if (s.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    }
}
