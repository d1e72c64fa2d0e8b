package io.nats4j.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Synchronous requests on one connection (the JetStream API, KV gets, synchronous publishes): one in flight, the
 * answer read on the caller's thread. Setup and checks use it with JSON; the latency scenarios time
 * {@link #requestRaw}.
 */
final class JsRequester implements Closeable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final JsConnection conn;
    private final String inbox;
    private long next;
    private long answered;
    private String lastPayload;
    private String lastHeaders;
    private int lastStatus;

    JsRequester(String host, int port, String name) throws IOException {
        this.conn = JsConnection.open(host, port, name);
        this.inbox = "_INBOX." + name + ".";
        conn.handler(m -> {
            answered++;
            lastPayload = m.payload();
            lastHeaders = m.headerLen > 0 ? m.headers() : null;
            lastStatus = m.status();
        });
        conn.write("SUB " + inbox + "* 1\r\n");
        if (!conn.ping(10, TimeUnit.SECONDS)) {
            throw new IOException("no PONG from the server");
        }
    }

    /** Sends {@code payload} to {@code subject} and waits for the answer; returns false on timeout. */
    boolean requestRaw(String subject, byte[] payload, long timeoutNanos) throws IOException {
        long want = answered + 1;
        conn.pub(subject, inbox + (next++), payload);
        conn.flush();
        return conn.readUntil(() -> answered >= want, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** A JSON request; the JSON answer (an {@code error} in it is the caller's to check). */
    JsonNode request(String subject, String json) throws IOException {
        if (!requestRaw(subject, json.getBytes(StandardCharsets.UTF_8), TimeUnit.SECONDS.toNanos(30))) {
            throw new IOException("no answer to " + subject + " within 30 s");
        }
        if (lastStatus != 0) {
            throw new IOException(subject + ": status " + lastStatus + " " + lastHeaders);
        }
        return JSON.readTree(lastPayload);
    }

    /** Like {@link #request} but fails on an error answer. */
    JsonNode requestOk(String subject, String json) throws IOException {
        JsonNode n = request(subject, json);
        if (n.has("error")) {
            throw new IOException(subject + " " + json + ": " + n.get("error"));
        }
        return n;
    }

    int lastStatus() {
        return lastStatus;
    }

    String lastPayload() {
        return lastPayload;
    }

    @Override
    public void close() {
        conn.close();
    }
}
