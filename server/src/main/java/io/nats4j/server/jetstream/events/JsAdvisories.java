package io.nats4j.server.jetstream.events;

import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;

/**
 * The JetStream advisories and metrics nats-server 2.10 publishes in an account, on {@code $JS.EVENT.ADVISORY.>}
 * and {@code $JS.EVENT.METRIC.>} ({@code server/jetstream_events.go}): API audit, stream and consumer actions,
 * deliveries exceeded, naks, terms and sampled acks. Each is sent only when something in the account listens on
 * its subject (nats-server 2.10 checks interest before it builds the JSON), so an account nobody watches pays one
 * subject match per event.
 *
 * <p>Any thread may call these methods; they return at once (the JSON is built and published on the publisher's
 * own thread). The defaults do nothing: {@link #NONE} is what a stream host without a server (tests) has.
 */
public interface JsAdvisories {

    /** Sends nothing. */
    JsAdvisories NONE = new JsAdvisories() {
    };

    String PREFIX = "$JS.EVENT.ADVISORY";
    String API_AUDIT = PREFIX + ".API";
    String STREAM_CREATED = PREFIX + ".STREAM.CREATED";
    String STREAM_DELETED = PREFIX + ".STREAM.DELETED";
    String STREAM_UPDATED = PREFIX + ".STREAM.UPDATED";
    String CONSUMER_CREATED = PREFIX + ".CONSUMER.CREATED";
    String CONSUMER_DELETED = PREFIX + ".CONSUMER.DELETED";
    String MAX_DELIVERIES = PREFIX + ".CONSUMER.MAX_DELIVERIES";
    String MSG_NAKED = PREFIX + ".CONSUMER.MSG_NAKED";
    String MSG_TERMINATED = PREFIX + ".CONSUMER.MSG_TERMINATED";
    String METRIC_ACK = "$JS.EVENT.METRIC.CONSUMER.ACK";

    String API_AUDIT_TYPE = "io.nats.jetstream.advisory.v1.api_audit";
    String STREAM_ACTION_TYPE = "io.nats.jetstream.advisory.v1.stream_action";
    String CONSUMER_ACTION_TYPE = "io.nats.jetstream.advisory.v1.consumer_action";
    String MAX_DELIVER_TYPE = "io.nats.jetstream.advisory.v1.max_deliver";
    String NAK_TYPE = "io.nats.jetstream.advisory.v1.nak";
    String TERMINATED_TYPE = "io.nats.jetstream.advisory.v1.terminated";
    String ACK_METRIC_TYPE = "io.nats.jetstream.metric.v1.consumer_ack";

    /** The reason nats-server gives a message it terminates because limits removed it while pending. */
    String TERM_LIMITS_REASON = "Message deleted by stream limits";

    /** What a stream or consumer action was (nats-server's {@code ActionAdvisoryType}). */
    enum Action {
        CREATE("create"), DELETE("delete"), MODIFY("modify");

        public final String json;

        Action(String json) {
            this.json = json;
        }
    }

    /**
     * A {@code $JS.API} request was answered: {@code io.nats.jetstream.advisory.v1.api_audit} with the request and
     * the response as strings. {@code from} is the requesting connection (its account and RTT are reported), or
     * null.
     */
    default void apiAudit(Account account, ClientConnection from, String subject, byte[] request, byte[] response) {
    }

    /** {@code $JS.EVENT.ADVISORY.STREAM.CREATED|UPDATED|DELETED.<stream>}. */
    default void streamAction(Account account, String stream, Action action) {
    }

    /** {@code $JS.EVENT.ADVISORY.CONSUMER.CREATED|DELETED.<stream>.<consumer>}. */
    default void consumerAction(Account account, String stream, String consumer, Action action) {
    }

    /** A message reached {@code max_deliver}: {@code $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>}. */
    default void maxDeliveries(Account account, String stream, String consumer, long streamSeq, long deliveries) {
    }

    /** A {@code -NAK}: {@code $JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.<stream>.<consumer>}. */
    default void nak(Account account, String stream, String consumer, long consumerSeq, long streamSeq, long deliveries) {
    }

    /**
     * A {@code +TERM} (with its reason, or empty), or a pending message removed by the stream's limits:
     * {@code $JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>}.
     */
    default void terminated(Account account, String stream, String consumer, long consumerSeq, long streamSeq,
            long deliveries, String reason) {
    }

    /**
     * An acknowledged message picked by {@code sample_freq}: {@code $JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>}
     * with the time from its delivery to the ack.
     */
    default void ackSample(Account account, String stream, String consumer, long consumerSeq, long streamSeq,
            long ackTimeNanos, long deliveries) {
    }

    /**
     * Whether an ack should be sampled under {@code sample_freq} (a percentage, 0 for none): nats-server's
     * {@code shouldSample}, which picks a random number in 0..99 and samples when it is at most the percentage.
     */
    static boolean shouldSample(int sampleFreqPercent) {
        if (sampleFreqPercent <= 0) {
            return false;
        }
        if (sampleFreqPercent >= 100) {
            return true;
        }
        return java.util.concurrent.ThreadLocalRandom.current().nextInt(100) <= sampleFreqPercent;
    }
}
