package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.jetstream.events.JsAdvisories;

/**
 * What one consumer reports on {@code $JS.EVENT.>} (nats-server 2.10's consumer advisories and ack metric): a
 * {@code -NAK}, a {@code +TERM} (and a pending message that the stream's limits removed), a message that reached
 * {@code max_deliver}, and the acks that {@code sample_freq} picks. {@link JsAdvisories} sends each only when
 * someone in the account listens. The consumer's thread only.
 */
final class ConsumerEvents {

    private final Consumer consumer;
    private final StreamHandle stream;
    /** The {@code sample_freq} the percentage was parsed from (the config may be updated). */
    private String sampleText = "";
    private int samplePercent;

    ConsumerEvents(Consumer consumer, StreamHandle stream) {
        this.consumer = consumer;
        this.stream = stream;
    }

    private JsAdvisories out() {
        return stream.advisories();
    }

    void nak(long consumerSeq, long streamSeq, long deliveries) {
        out().nak(stream.account(), stream.name(), consumer.name, consumerSeq, streamSeq, deliveries);
    }

    /** {@code reason}: the text after {@code +TERM}, or nats-server's limits reason, or empty. */
    void terminated(long consumerSeq, long streamSeq, long deliveries, String reason) {
        out().terminated(stream.account(), stream.name(), consumer.name, consumerSeq, streamSeq, deliveries, reason);
    }

    void maxDeliveries(long streamSeq, long deliveries) {
        out().maxDeliveries(stream.account(), stream.name(), consumer.name, streamSeq, deliveries);
    }

    /**
     * An explicit ack of a pending message delivered at {@code deliveredWallNanos}: sampled under the consumer's
     * {@code sample_freq} (nats-server samples {@code +ACK} and {@code +NXT}, not {@code +TERM}).
     */
    void acked(long consumerSeq, long streamSeq, long deliveries, long deliveredWallNanos) {
        String f = consumer.config().sampleFrequency;
        if (f == null || f.isEmpty()) {
            return;
        }
        if (!f.equals(sampleText)) {
            sampleText = f;
            samplePercent = parsePercent(f);
        }
        if (JsAdvisories.shouldSample(samplePercent)) {
            out().ackSample(stream.account(), stream.name(), consumer.name, consumerSeq, streamSeq,
                    JsTime.nowNanos() - deliveredWallNanos, deliveries);
        }
    }

    /** {@code "25%"} or {@code "25"} (already validated by the config check). */
    static int parsePercent(String f) {
        String s = f.endsWith("%") ? f.substring(0, f.length() - 1) : f;
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
