package io.nats4j.server.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AccountStatistics;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.NKey;
import io.nats4j.server.testsupport.TestJwts;
import io.nats4j.server.testsupport.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JetStream per account: config limits, disabled accounts, the system account, JWT limits (nats4j and nats-server). */
class JetStreamAccountsTest {

    @TempDir
    Path dir;

    private static Connection connect(TestServer s, String user) throws Exception {
        return Nats.connect(new Options.Builder().server(s.url()).userInfo(user, "p").build());
    }

    @Test
    void configuredAccountsAndLimits() throws Exception {
        String conf = "jetstream { store_dir: \"" + dir + "\" }\n"
                + "accounts {\n"
                + "  A: { users: [{user: a, password: p}], jetstream: { max_streams: 1, max_mem: 1MB, max_file: 1MB } }\n"
                + "  B: { users: [{user: b, password: p}] }\n"
                + "  R: { users: [{user: r, password: p}], jetstream: { max_bytes_required: true, max_file: 10MB,"
                + " disk_max_stream_bytes: 1MB } }\n"
                + "  SYS: { users: [{user: s, password: p}] }\n"
                + "}\nsystem_account: SYS\n";
        try (TestServer s = TestServer.start(TestServer.defaultOptions(), conf)) {
            try (Connection nc = connect(s, "a")) {
                JetStreamManagement jsm = nc.jetStreamManagement();
                AccountStatistics st = jsm.getAccountStatistics();
                assertEquals(1, st.getLimits().getMaxStreams());
                assertEquals(1 << 20, st.getLimits().getMaxMemory());
                jsm.addStream(StreamConfiguration.builder().name("ONE").subjects("one").storageType(StorageType.Memory)
                        .build());
                JetStreamApiException e = assertThrows(JetStreamApiException.class, () -> jsm.addStream(
                        StreamConfiguration.builder().name("TWO").subjects("two").storageType(StorageType.Memory).build()));
                assertEquals(10027, e.getApiErrorCode());
            }
            try (Connection nc = connect(s, "a")) {
                JetStreamManagement jsm = nc.jetStreamManagement();
                jsm.deleteStream("ONE");
                JetStreamApiException e = assertThrows(JetStreamApiException.class, () -> jsm.addStream(
                        StreamConfiguration.builder().name("BIG").subjects("big").storageType(StorageType.Memory)
                                .maxBytes(2 << 20).build()));
                assertEquals(10028, e.getApiErrorCode());
            }
            for (String user : new String[] {"b", "s"}) {
                try (Connection nc = connect(s, user)) {
                    JetStreamApiException e = assertThrows(JetStreamApiException.class,
                            () -> nc.jetStreamManagement().getAccountStatistics());
                    assertEquals(10039, e.getApiErrorCode(), user);
                    assertEquals(503, e.getErrorCode());
                }
            }
            try (Connection nc = connect(s, "r")) {
                JetStreamManagement jsm = nc.jetStreamManagement();
                JetStreamApiException e = assertThrows(JetStreamApiException.class, () -> jsm.addStream(
                        StreamConfiguration.builder().name("X").subjects("x").build()));
                assertEquals(10113, e.getApiErrorCode());
                e = assertThrows(JetStreamApiException.class, () -> jsm.addStream(
                        StreamConfiguration.builder().name("X").subjects("x").maxBytes(2 << 20).build()));
                assertEquals(10122, e.getApiErrorCode());
                jsm.addStream(StreamConfiguration.builder().name("X").subjects("x").maxBytes(1 << 20).build());
            }
        }
    }

    @Test
    void operatorModeAccountJwtLimits() throws Exception {
        TestJwts.Operator op = new TestJwts.Operator(dir);
        var nats = TestJwts.accountNats();
        ((com.fasterxml.jackson.databind.node.ObjectNode) nats.get("limits")).put("mem_storage", -1)
                .put("disk_storage", -1).put("streams", 2).put("consumer", -1);
        NKey js = op.account("JS", nats);
        NKey plain = op.account("PLAIN");
        NKey u1 = TestJwts.userKey();
        NKey u2 = TestJwts.userKey();
        Path c1 = op.credsFile("u1", op.user(js, u1), u1);
        Path c2 = op.credsFile("u2", op.user(plain, u2), u2);
        String conf = op.config() + "jetstream { store_dir: \"" + dir.resolve("js") + "\" }\n";
        try (TestServer s = TestServer.start(TestServer.defaultOptions(), conf)) {
            try (Connection nc = Nats.connect(new Options.Builder().server(s.url()).authHandler(Nats.credentials(c1.toString())).build())) {
                AccountStatistics st = nc.jetStreamManagement().getAccountStatistics();
                assertEquals(2, st.getLimits().getMaxStreams());
                nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("S").subjects("s").build());
                assertEquals(1, nc.jetStream().publish("s", new byte[1]).getSeqno());
            }
            try (Connection nc = Nats.connect(new Options.Builder().server(s.url()).authHandler(Nats.credentials(c2.toString())).build())) {
                JetStreamApiException e = assertThrows(JetStreamApiException.class,
                        () -> nc.jetStreamManagement().getAccountStatistics());
                assertEquals(10039, e.getApiErrorCode());
            }
            s.restart();
            try (Connection nc = Nats.connect(new Options.Builder().server(s.url()).authHandler(Nats.credentials(c1.toString())).build())) {
                assertEquals(1, nc.jetStreamManagement().getStreamInfo("S").getStreamState().getMsgCount());
            }
        }
    }
}
