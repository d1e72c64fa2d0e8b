package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats4j.server.auth.Account;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The pull requests of a pull consumer (nats-server's waiting queue): parses {@code CONSUMER.MSG.NEXT} requests,
 * checks them against the consumer's limits, picks the request a message goes to, expires them and sends their
 * heartbeats and status messages with nats-server's texts. The consumer's thread only.
 */
final class PullRequests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Consumer consumer;
    private final Account account;
    private final ArrayDeque<WaitingRequest> waiting = new ArrayDeque<>();
    /** For the inactivity of pull consumers: the last request (System.nanoTime()). */
    long lastRequestNanos = System.nanoTime();

    PullRequests(Consumer consumer, Account account) {
        this.consumer = consumer;
        this.account = account;
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    int size() {
        return waiting.size();
    }

    Iterable<WaitingRequest> all() {
        return waiting;
    }

    /** The consumer stops: each waiting request hears {@code 409 Consumer Deleted} when {@code notify}. */
    void clear(boolean notify) {
        if (notify) {
            for (WaitingRequest wr : waiting) {
                consumer.sendStatus(wr.reply, "NATS/1.0 409 Consumer Deleted\r\n\r\n");
            }
        }
        waiting.clear();
    }

    /** A request on {@code $JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>} (or after {@code +NXT}). */
    void onRequest(String reply, byte[] payload) {
        ConsumerConfig c = consumer.config();
        if (c.isPush()) {
            consumer.sendStatus(reply, "NATS/1.0 409 Consumer is push based\r\n\r\n");
            return;
        }
        long now = System.nanoTime();
        lastRequestNanos = now;
        int batch = 1;
        long maxBytes = 0;
        boolean noWait = false;
        long expires = 0;
        long hb = 0;
        String body = payload == null ? "" : new String(payload, StandardCharsets.UTF_8).trim();
        if (!body.isEmpty()) {
            if (body.charAt(0) == '{') {
                try {
                    JsonNode n = JSON.readTree(body);
                    batch = n.path("batch").asInt(0);
                    expires = n.path("expires").asLong(0);
                    maxBytes = n.path("max_bytes").asLong(0);
                    noWait = n.path("no_wait").asBoolean(false);
                    hb = n.path("idle_heartbeat").asLong(0);
                    if (hb > 0 && hb * 2 > expires) {
                        consumer.sendStatus(reply, "NATS/1.0 400 Bad Request - heartbeat value too large\r\n\r\n");
                        return;
                    }
                } catch (java.io.IOException e) {
                    consumer.sendStatus(reply, "NATS/1.0 400 Bad Request - invalid character in request\r\n\r\n");
                    return;
                }
            } else {
                try {
                    batch = Integer.parseInt(body);
                } catch (NumberFormatException e) {
                    batch = 1;
                }
            }
        }
        if (c.maxRequestBatch > 0 && batch > c.maxRequestBatch) {
            consumer.sendStatus(reply, "NATS/1.0 409 Exceeded MaxRequestBatch of " + c.maxRequestBatch + "\r\n\r\n");
            return;
        }
        if (expires > 0 && c.maxRequestExpiresNanos > 0 && expires > c.maxRequestExpiresNanos) {
            consumer.sendStatus(reply, "NATS/1.0 409 Exceeded MaxRequestExpires of "
                    + GoDuration.format(c.maxRequestExpiresNanos) + "\r\n\r\n");
            return;
        }
        if (maxBytes > 0 && c.maxRequestMaxBytes > 0 && maxBytes > c.maxRequestMaxBytes) {
            consumer.sendStatus(reply, "NATS/1.0 409 Exceeded MaxRequestMaxBytes of " + c.maxRequestMaxBytes
                    + "\r\n\r\n");
            return;
        }
        if (waiting.size() >= c.maxWaiting) {
            process(false);
        }
        if (noWait) {
            long msgsPending = consumer.msgsPending();
            if (msgsPending == 0 && expires == 0) {
                consumer.sendStatus(reply, "NATS/1.0 404 No Messages\r\n\r\n");
                return;
            }
            if (msgsPending > 0) {
                long batchPending = process(false);
                if (msgsPending < batchPending) {
                    consumer.sendStatus(reply, "NATS/1.0 408 Requests Pending\r\n\r\n");
                    return;
                }
            }
        }
        if (waiting.size() >= c.maxWaiting) {
            consumer.sendStatus(reply, "NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n");
            return;
        }
        WaitingRequest wr = new WaitingRequest(reply, batch, maxBytes, noWait, expires > 0 ? now + expires : 0, hb,
                now);
        waiting.add(wr);
        if (wr.expiresNanos > 0) {
            consumer.ensureTimer(wr.expiresNanos);
        }
        if (wr.nextHeartbeatNanos > 0) {
            consumer.ensureTimer(wr.nextHeartbeatNanos);
        }
        consumer.pump();
        if (noWait && waiting.contains(wr) && wr.d == 0 && consumer.msgsPending() == 0 && expires == 0) {
            waiting.remove(wr);
            consumer.sendStatus(reply, "NATS/1.0 404 No Messages\r\n\r\n");
        }
    }

    /** The next request that can take a message of {@code size} bytes, or null (nats-server's nextWaiting). */
    WaitingRequest next(long size) {
        long now = System.nanoTime();
        while (!waiting.isEmpty()) {
            WaitingRequest wr = waiting.peekFirst();
            if (wr.b > 0) {
                if (size <= wr.b) {
                    wr.b -= size;
                    if (wr.b == 0) {
                        wr.n = 1;
                    }
                } else {
                    consumer.sendStatus(wr.reply, "NATS/1.0 409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: "
                            + wr.n + "\r\nNats-Pending-Bytes: " + wr.b + "\r\n\r\n");
                    waiting.pollFirst();
                    continue;
                }
            }
            if (wr.expiresNanos == 0 || now < wr.expiresNanos) {
                if (DeliveryPublisher.hasInterest(account, wr.reply)) {
                    return wr;
                }
            } else {
                consumer.sendStatus(wr.reply, timeout(wr));
            }
            waiting.pollFirst();
        }
        return null;
    }

    /** A message went to {@code wr}: a request that got its batch is done. */
    void delivered(WaitingRequest wr) {
        wr.n--;
        wr.d++;
        if (wr.n <= 0) {
            waiting.remove(wr);
            if (wr.b > 0) {
                consumer.sendStatus(wr.reply, "NATS/1.0 409 Batch Completed\r\nNats-Pending-Messages: " + wr.n
                        + "\r\nNats-Pending-Bytes: " + wr.b + "\r\n\r\n");
            }
        }
    }

    private static String timeout(WaitingRequest wr) {
        return "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: " + wr.n + "\r\nNats-Pending-Bytes: " + wr.b
                + "\r\n\r\n";
    }

    /**
     * Expires requests, drops those without interest, sends request heartbeats (nats-server's processWaiting);
     * at the end of the stream ({@code eos}) a no_wait request that got something is done. Returns the messages
     * the remaining requests still want.
     */
    long process(boolean eos) {
        long now = System.nanoTime();
        long batchPending = 0;
        for (Iterator<WaitingRequest> it = waiting.iterator(); it.hasNext(); ) {
            WaitingRequest wr = it.next();
            if ((eos && wr.noWait && wr.d > 0) || (wr.expiresNanos > 0 && now >= wr.expiresNanos)) {
                consumer.sendStatus(wr.reply, timeout(wr));
                it.remove();
                continue;
            }
            if (eos && wr.noWait && wr.d == 0 && wr.expiresNanos == 0) {
                consumer.sendStatus(wr.reply, "NATS/1.0 404 No Messages\r\n\r\n");
                it.remove();
                continue;
            }
            if (!DeliveryPublisher.hasInterest(account, wr.reply)) {
                it.remove();
                continue;
            }
            batchPending += wr.n;
            if (wr.nextHeartbeatNanos > 0 && now >= wr.nextHeartbeatNanos) {
                consumer.sendIdleHeartbeat(wr.reply);
                wr.nextHeartbeatNanos = now + wr.heartbeatNanos;
            }
        }
        return batchPending;
    }
}
