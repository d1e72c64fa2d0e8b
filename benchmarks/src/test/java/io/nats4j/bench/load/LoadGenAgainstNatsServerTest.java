package io.nats4j.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs small, message-bounded loads against the Go nats-server (skipped when it is not installed) and
 * checks that the generator's counts are exact.
 */
@Timeout(60)
class LoadGenAgainstNatsServerTest {

    private static final String NATS_SERVER = "/usr/sbin/nats-server";

    @TempDir
    static Path tmp;

    private static ServerProcess server;

    @BeforeAll
    static void startServer() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(NATS_SERVER)), "nats-server not installed");
        server = ServerProcess.start(NATS_SERVER, tmp.resolve("nats-server.log"));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static LoadResult run(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = "nats://127.0.0.1:" + server.port;
        return LoadGen.run(LoadOptions.parse(all));
    }

    @Test
    void fanOutDeliversEveryMessageToEverySubscriber() throws Exception {
        LoadResult r = run("--pubs", "2", "--subs", "3", "--msgs", "20000", "--size", "100", "--subject", "t.fan");
        assertEquals(40_000, r.pub().msgs());
        assertEquals(120_000, r.expectedSubMsgs());
        assertEquals(120_000, r.sub().msgs());
        assertEquals(120_000L * 100, r.sub().bytes());
        assertTrue(r.complete(), r.errors().toString());
    }

    @Test
    void queueGroupSplitsMessagesSoTheGroupGetsEachOnce() throws Exception {
        LoadResult r = run("--subs", "4", "--queue", "q", "--msgs", "30000", "--size", "16", "--subject", "t.q");
        assertEquals(30_000, r.sub().msgs());
        assertTrue(r.complete(), r.errors().toString());
    }

    @Test
    void largePayloadsAreCountedExactly() throws Exception {
        LoadResult r = run("--msgs", "300", "--size", "70000", "--subject", "t.big", "--conns-idle", "20");
        assertEquals(300, r.sub().msgs());
        assertEquals(300L * 70000, r.sub().bytes());
        assertTrue(r.complete(), r.errors().toString());
    }

    @Test
    void requestReplyRecordsOneLatencyPerRequestAfterWarmUp() throws Exception {
        LoadResult r = run("--mode", "reqrep", "--msgs", "500", "--warmup", "100", "--subject", "t.rr");
        assertEquals(500, r.latency().count());
        assertEquals(500, r.pub().msgs());
        assertTrue(r.latency().p50Us() > 0 && r.latency().p50Us() <= r.latency().p99Us());
        assertTrue(r.complete(), r.errors().toString());
    }
}
