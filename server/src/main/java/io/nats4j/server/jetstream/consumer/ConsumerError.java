package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JetStream API error of the consumer API: nats-server's {@code ApiError} ({@code code}, {@code err_code},
 * {@code description}), with the texts of nats-server 2.10's {@code server/errors.json}. Thrown by the consumer
 * code and written into the response's {@code error} object.
 */
public final class ConsumerError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public final int code;
    public final int errCode;

    public ConsumerError(int code, int errCode, String description) {
        super(description, null, false, false);
        this.code = code;
        this.errCode = errCode;
    }

    public String description() {
        return getMessage();
    }

    public ObjectNode toJson() {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.put("code", code);
        e.put("err_code", errCode);
        e.put("description", getMessage());
        return e;
    }

    // The table (errors.json): one factory per error the consumer side gives.
    static ConsumerError badRequest() { return new ConsumerError(400, 10003, "bad request"); }
    static ConsumerError invalidJson() { return new ConsumerError(400, 10025, "invalid JSON"); }
    static ConsumerError consumerNotFound() { return new ConsumerError(404, 10014, "consumer not found"); }
    static ConsumerError streamNotFound() { return new ConsumerError(404, 10059, "stream not found"); }
    static ConsumerError streamMismatch() { return new ConsumerError(400, 10056, "stream name in subject does not match request"); }
    static ConsumerError maximumConsumers() { return new ConsumerError(400, 10026, "maximum consumers limit reached"); }
    static ConsumerError create(String err) { return new ConsumerError(500, 10012, err); }
    static ConsumerError durableNotInSubject() { return new ConsumerError(400, 10016, "consumer expected to be durable but no durable name set in subject"); }
    static ConsumerError durableNotMatchSubject() { return new ConsumerError(400, 10017, "consumer name in subject does not match durable name in request"); }
    static ConsumerError durableNotSet() { return new ConsumerError(400, 10018, "consumer expected to be durable but a durable name was not set"); }
    static ConsumerError ephemeralWithDurableName() { return new ConsumerError(400, 10020, "consumer expected to be ephemeral but a durable name was set in request"); }
    static ConsumerError invalidConfig(String err) { return new ConsumerError(500, 10052, err); }
    static ConsumerError replicasNotSupported() { return new ConsumerError(500, 10074, "replicas > 1 not supported in non-clustered mode"); }
    static ConsumerError configRequired() { return new ConsumerError(400, 10078, "consumer config required"); }
    static ConsumerError deliverToWildcards() { return new ConsumerError(400, 10079, "consumer deliver subject has wildcards"); }
    static ConsumerError pushMaxWaiting() { return new ConsumerError(400, 10080, "consumer in push mode can not set max waiting"); }
    static ConsumerError deliverCycle() { return new ConsumerError(400, 10081, "consumer deliver subject forms a cycle"); }
    static ConsumerError maxPendingAckPolicyRequired() { return new ConsumerError(400, 10082, "consumer requires ack policy for max ack pending"); }
    static ConsumerError smallHeartbeat() { return new ConsumerError(400, 10083, "consumer idle heartbeat needs to be >= 100ms"); }
    static ConsumerError pullRequiresAck() { return new ConsumerError(400, 10084, "consumer in pull mode requires ack policy"); }
    static ConsumerError pullWithRateLimit() { return new ConsumerError(400, 10086, "consumer in pull mode can not have rate limit set"); }
    static ConsumerError maxWaitingNegative() { return new ConsumerError(400, 10087, "consumer max waiting needs to be positive"); }
    static ConsumerError hbRequiresPush() { return new ConsumerError(400, 10088, "consumer idle heartbeat requires a push based consumer"); }
    static ConsumerError fcRequiresPush() { return new ConsumerError(400, 10089, "consumer flow control requires a push based consumer"); }
    static ConsumerError directRequiresPush() { return new ConsumerError(400, 10090, "consumer direct requires a push based consumer"); }
    static ConsumerError directRequiresEphemeral() { return new ConsumerError(400, 10091, "consumer direct requires an ephemeral consumer"); }
    static ConsumerError invalidPolicy(String err) { return new ConsumerError(400, 10094, err); }
    static ConsumerError invalidSampling(String err) { return new ConsumerError(400, 10095, "failed to parse consumer sampling configuration: " + err); }
    static ConsumerError wqRequiresExplicitAck() { return new ConsumerError(400, 10098, "workqueue stream requires explicit ack"); }
    static ConsumerError wqMultipleUnfiltered() { return new ConsumerError(400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"); }
    static ConsumerError wqNotUnique() { return new ConsumerError(400, 10100, "filtered consumer not unique on workqueue stream"); }
    static ConsumerError wqNotDeliverAll() { return new ConsumerError(400, 10101, "consumer must be deliver all on workqueue stream"); }
    static ConsumerError nameTooLong(int max) { return new ConsumerError(400, 10102, "consumer name is too long, maximum allowed is " + max); }
    static ConsumerError badDurableName() { return new ConsumerError(400, 10103, "durable name can not contain '.', '*', '>'"); }
    static ConsumerError storeFailed(String err) { return new ConsumerError(500, 10104, "error creating store for consumer: " + err); }
    static ConsumerError existingActive() { return new ConsumerError(400, 10105, "consumer already exists and is still active"); }
    static ConsumerError descriptionTooLong(int max) { return new ConsumerError(400, 10107, "consumer description is too long, maximum allowed is " + max); }
    static ConsumerError fcNeedsHeartbeats() { return new ConsumerError(400, 10108, "consumer with flow control also needs heartbeats"); }
    static ConsumerError invalidDeliverSubject() { return new ConsumerError(400, 10112, "invalid push consumer deliver subject"); }
    static ConsumerError maxRequestBatchNegative() { return new ConsumerError(400, 10114, "consumer max request batch needs to be > 0"); }
    static ConsumerError maxRequestExpiresTooSmall() { return new ConsumerError(400, 10115, "consumer max request expires needs to be >= 1ms"); }
    static ConsumerError maxDeliverBackoff() { return new ConsumerError(400, 10116, "max deliver is required to be > length of backoff values"); }
    static ConsumerError replicasExceedsStream() { return new ConsumerError(400, 10126, "consumer config replica count exceeds parent stream"); }
    static ConsumerError nameContainsPathSeparators() { return new ConsumerError(400, 10127, "Consumer name can not contain path separators"); }
    static ConsumerError filterSubjectMismatch() { return new ConsumerError(400, 10131, "Consumer create request did not match filtered subject from create subject"); }
    static ConsumerError durableAndNameMismatch() { return new ConsumerError(400, 10132, "Consumer Durable and Name have to be equal if both are provided"); }
    static ConsumerError replicasNegative() { return new ConsumerError(400, 10133, "replicas count cannot be negative"); }
    static ConsumerError replicasShouldMatchStream() { return new ConsumerError(400, 10134, "consumer config replicas must match interest retention stream's replicas"); }
    static ConsumerError metadataLength(String limit) { return new ConsumerError(400, 10135, "consumer metadata exceeds maximum size of " + limit); }
    static ConsumerError duplicateFilterSubjects() { return new ConsumerError(400, 10136, "consumer cannot have both FilterSubject and FilterSubjects specified"); }
    static ConsumerError multipleFiltersNotAllowed() { return new ConsumerError(400, 10137, "consumer with multiple subject filters cannot use subject based API"); }
    static ConsumerError overlappingFilters() { return new ConsumerError(400, 10138, "consumer subject filters cannot overlap"); }
    static ConsumerError emptyFilter() { return new ConsumerError(400, 10139, "consumer filter in FilterSubjects cannot be empty"); }
    static ConsumerError maxPendingAckExcess(long limit) { return new ConsumerError(400, 10121, "consumer max ack pending exceeds system limit of " + limit); }
    static ConsumerError inactiveThresholdExcess(String limit) { return new ConsumerError(400, 10153, "consumer inactive threshold exceeds system limit of " + limit); }
    static ConsumerError alreadyExists() { return new ConsumerError(400, 10148, "consumer already exists"); }
    static ConsumerError doesNotExist() { return new ConsumerError(400, 10149, "consumer does not exist"); }
}
