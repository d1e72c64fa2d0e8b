package io.nats4j.bench.jmh;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.config.ConfigLoader;
import io.nats4j.server.connection.ImportRelay;
import io.nats4j.server.subject.Subscription;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link ImportRelay#relay}: where a message that crosses accounts through an import goes, and under which subject
 * and reply. The relays are the real ones, wired by {@link Accounts} from an accounts configuration; the
 * subject and reply come in as the parser holds them (bytes of the control line). Run with {@code -prof gc}.
 *
 * <ul>
 *   <li>{@code streamIdentity}: a stream import without a prefix (subject unchanged, reply kept).</li>
 *   <li>{@code streamPrefix}: a stream import with a prefix, with a reply subject.</li>
 *   <li>{@code streamMapped}: a stream import whose {@code to} maps {@code *} tokens.</li>
 *   <li>{@code serviceRoundTrip}: a request through a service import (reply replaced by a {@code _R_.}
 *       subject and remembered) and its response back through the exporter's response listener.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {EventLoopThreadExecutor.EXECUTOR, EventLoopThreadExecutor.EXECUTOR_CLASS})
@State(Scope.Thread)
public class RelayBenchmark {

    private static final String CONFIG = """
            accounts {
              A: {
                users: [{user: a, password: a}]
                exports: [{stream: "events.>"}, {stream: "ticks.*.*"}, {stream: "plain.>"}, {service: "time.now"}]
              }
              B: {
                users: [{user: b, password: b}]
                imports: [
                  {stream: {account: A, subject: "events.>"}, prefix: "fromA"}
                  {stream: {account: A, subject: "ticks.*.*"}, to: "t.*.*.in"}
                  {stream: {account: A, subject: "plain.>"}}
                  {service: {account: A, subject: "time.now"}, to: "clock"}
                ]
              }
            }
            """;

    private static final byte[] EVENT = ascii("events.orders.eu.created");
    private static final byte[] TICK = ascii("ticks.acme.nyse");
    private static final byte[] PLAIN = ascii("plain.orders.eu");
    private static final byte[] CLOCK = ascii("clock");
    private static final byte[] INBOX = ascii("_INBOX.Sx9d3kQ2RzE1wWc7yTtu2b.42");

    private Accounts accounts;
    private ImportRelay stream;
    private ImportRelay mapped;
    private ImportRelay plain;
    private ImportRelay service;
    private ImportRelay responses;

    @Setup
    public void setUp() throws Exception {
        Path file = Files.createTempFile("relay-bench", ".conf");
        try {
            Files.writeString(file, CONFIG);
            ServerOptions o = ConfigLoader.load(file);
            accounts = Accounts.build(o);
        } finally {
            Files.deleteIfExists(file);
        }
        stream = relay("A", "events.orders.eu.created");
        mapped = relay("A", "ticks.acme.nyse");
        plain = relay("A", "plain.orders.eu");
        service = relay("B", "clock");
        // the exporter's response listener: the owner of the _R_.<prefix>.> subscription made by the first request
        ImportRelay.Destination d = route(service, CLOCK, INBOX);
        String mappedReply = new String(d.reply(), d.replyOffset(), d.replyLength(), StandardCharsets.US_ASCII);
        responses = relay("A", mappedReply);
        byte[] first = mappedReply.getBytes(StandardCharsets.US_ASCII);
        route(responses, first, null);
    }

    private ImportRelay relay(String account, String subject) {
        for (Subscription s : accounts.get(account).sublist().match(subject).psubs) {
            if (s.owner instanceof ImportRelay r) {
                return r;
            }
        }
        throw new IllegalStateException("no import relay on " + subject + " in " + account);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ---- the calls as ClientConnection makes them (subject and reply from the parser's line)

    private final ImportRelay.Destination out = new ImportRelay.Destination();
    private final ImportRelay.Destination back = new ImportRelay.Destination();

    private static ImportRelay.Destination route(ImportRelay r, byte[] subj, byte[] reply, ImportRelay.Destination into) {
        if (!r.relay(subj, 0, subj.length, reply, 0, reply == null ? -1 : reply.length, into)) {
            throw new IllegalStateException("dropped");
        }
        return into;
    }

    private ImportRelay.Destination route(ImportRelay r, byte[] subj, byte[] reply) {
        return route(r, subj, reply, out);
    }

    @Benchmark
    public void streamIdentity(Blackhole bh) {
        bh.consume(route(plain, PLAIN, null).subjectLength());
    }

    @Benchmark
    public void streamPrefix(Blackhole bh) {
        bh.consume(route(stream, EVENT, INBOX).subjectLength());
    }

    @Benchmark
    public void streamMapped(Blackhole bh) {
        bh.consume(route(mapped, TICK, null).subjectLength());
    }

    @Benchmark
    public void serviceRoundTrip(Blackhole bh) {
        ImportRelay.Destination req = route(service, CLOCK, INBOX);
        if (!responses.relay(req.reply(), req.replyOffset(), req.replyLength(), null, 0, -1, back)) {
            throw new IllegalStateException("no pending response");
        }
        bh.consume(back.subjectLength());
    }
}
