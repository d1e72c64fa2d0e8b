package io.nats4j.bench.jmh;

import io.nats4j.server.subject.MatchCache;
import io.nats4j.server.subject.Sublist;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.connection.MatchOnly;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Subject matching on an index of 100,000 subscriptions (literal {@code bench.<a>.<b>.evt}
 * subjects plus some wildcards), on the publish path's shape: the subject is a range inside a frame
 * buffer.
 *
 * <ul>
 *   <li>{@code jdkHashMapLookup}: baseline, a {@code HashMap<String, SublistResult>} lookup of a
 *       String made from the frame bytes (what a naive server would do per message).</li>
 *   <li>{@code literalCached} / {@code wildcardCached}: shared-cache hits on the byte path.</li>
 *   <li>{@code literalMissTrieWalk} / {@code wildcardMissTrieWalk}: the trie walk with the cache off.</li>
 *   <li>{@code cacheMissThenFill}: rotating over more subjects than the cache holds, so most
 *       matches miss, walk the trie, and store (plus sweeps).</li>
 *   <li>{@code perConnectionCacheHit}: the {@link MatchCache} in front of the sublist.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SublistMatchBenchmark {

    private static final int SUBS = 100_000;
    private static final MatchOnly OWNER = () -> 1L;

    private Sublist cached;
    private Sublist uncached;
    private MatchCache matchCache;
    private HashMap<String, SublistResult> jdkMap;
    private byte[] literalFrame;
    private int literalLen;
    private byte[] wildcardFrame;
    private int wildcardLen;
    private byte[][] rotating;
    private int next;

    @Setup
    public void setUp() {
        cached = new Sublist();
        uncached = new Sublist(0);
        jdkMap = new HashMap<>();
        for (int i = 0; i < SUBS; i++) {
            String subject = "bench." + (i % 1000) + "." + (i / 1000) + ".evt";
            Subscription s = new Subscription(OWNER, subject, null, Integer.toString(i).getBytes(StandardCharsets.US_ASCII));
            cached.insert(s);
            uncached.insert(s);
        }
        for (int i = 0; i < 100; i++) {
            Subscription w = new Subscription(OWNER, "bench." + i + ".*.evt", null, new byte[] {'w'});
            Subscription g = new Subscription(OWNER, "wild." + i + ".>", "q", new byte[] {'g'});
            cached.insert(w);
            uncached.insert(w);
            cached.insert(g);
            uncached.insert(g);
        }
        literalFrame = frame("bench.517.42.evt");
        literalLen = "bench.517.42.evt".length();
        wildcardFrame = frame("wild.42.x.y.z");
        wildcardLen = "wild.42.x.y.z".length();
        SublistResult lit = cached.match(literalFrame, 4, literalLen);
        cached.match(wildcardFrame, 4, wildcardLen);
        for (int i = 0; i < SUBS; i++) {
            jdkMap.put("bench." + (i % 1000) + "." + (i / 1000) + ".evt", lit);
        }
        matchCache = new MatchCache();
        rotating = new byte[4096][];
        for (int i = 0; i < rotating.length; i++) {
            rotating[i] = ("bench." + (i % 1000) + "." + (i % 97) + ".evt").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static byte[] frame(String subject) {
        return ("PUB " + subject + " 5\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public SublistResult jdkHashMapLookup() {
        return jdkMap.get(new String(literalFrame, 4, literalLen, StandardCharsets.US_ASCII));
    }

    @Benchmark
    public SublistResult literalCached() {
        return cached.match(literalFrame, 4, literalLen);
    }

    @Benchmark
    public SublistResult wildcardCached() {
        return cached.match(wildcardFrame, 4, wildcardLen);
    }

    @Benchmark
    public SublistResult literalMissTrieWalk() {
        return uncached.match(literalFrame, 4, literalLen);
    }

    @Benchmark
    public SublistResult wildcardMissTrieWalk() {
        return uncached.match(wildcardFrame, 4, wildcardLen);
    }

    @Benchmark
    public SublistResult cacheMissThenFill() {
        byte[] s = rotating[next++ & (rotating.length - 1)];
        return cached.match(s, 0, s.length);
    }

    @Benchmark
    public SublistResult perConnectionCacheHit() {
        return matchCache.match(cached, literalFrame, 4, literalLen);
    }
}
