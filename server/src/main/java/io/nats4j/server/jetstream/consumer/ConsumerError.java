package io.nats4j.server.jetstream.consumer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.jetstream.api.ApiError;
import io.nats4j.server.jetstream.api.JsError;

/**
 * A JetStream API error of the consumer API: nats-server's {@code ApiError} ({@code code}, {@code err_code},
 * {@code description}) taken from {@link JsError}, the one table of nats-server 2.10's {@code server/errors.json}. Thrown by the consumer
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

    /** From the one table of JetStream errors ({@link JsError}, nats-server's errors.json). */
    static ConsumerError of(JsError e, Object... nameValues) {
        ApiError a = nameValues.length == 0 ? e.error() : e.with(nameValues);
        return new ConsumerError(a.code(), a.errCode(), a.description());
    }

    // The errors the consumer side gives, by name.
    static ConsumerError badRequest() { return of(JsError.BAD_REQUEST); }
    static ConsumerError invalidJson() { return of(JsError.INVALID_JSON); }
    static ConsumerError consumerNotFound() { return of(JsError.CONSUMER_NOT_FOUND); }
    static ConsumerError streamNotFound() { return of(JsError.STREAM_NOT_FOUND); }
    static ConsumerError streamMismatch() { return of(JsError.STREAM_MISMATCH); }
    static ConsumerError maximumConsumers() { return of(JsError.MAXIMUM_CONSUMERS_LIMIT); }
    static ConsumerError create(String err) { return of(JsError.CONSUMER_CREATE, "{err}", err); }
    static ConsumerError durableNotInSubject() { return of(JsError.CONSUMER_DURABLE_NAME_NOT_IN_SUBJECT); }
    static ConsumerError durableNotMatchSubject() { return of(JsError.CONSUMER_DURABLE_NAME_NOT_MATCH_SUBJECT); }
    static ConsumerError durableNotSet() { return of(JsError.CONSUMER_DURABLE_NAME_NOT_SET); }
    static ConsumerError ephemeralWithDurableName() { return of(JsError.CONSUMER_EPHEMERAL_WITH_DURABLE_NAME); }
    static ConsumerError invalidConfig(String err) { return of(JsError.STREAM_INVALID_CONFIG, "{err}", err); }
    static ConsumerError replicasNotSupported() { return of(JsError.STREAM_REPLICAS_NOT_SUPPORTED); }
    static ConsumerError configRequired() { return of(JsError.CONSUMER_CONFIG_REQUIRED); }
    static ConsumerError deliverToWildcards() { return of(JsError.CONSUMER_DELIVER_TO_WILDCARDS); }
    static ConsumerError pushMaxWaiting() { return of(JsError.CONSUMER_PUSH_MAX_WAITING); }
    static ConsumerError deliverCycle() { return of(JsError.CONSUMER_DELIVER_CYCLE); }
    static ConsumerError maxPendingAckPolicyRequired() { return of(JsError.CONSUMER_MAX_PENDING_ACK_POLICY_REQUIRED); }
    static ConsumerError smallHeartbeat() { return of(JsError.CONSUMER_SMALL_HEARTBEAT); }
    static ConsumerError pullRequiresAck() { return of(JsError.CONSUMER_PULL_REQUIRES_ACK); }
    static ConsumerError pullWithRateLimit() { return of(JsError.CONSUMER_PULL_WITH_RATE_LIMIT); }
    static ConsumerError maxWaitingNegative() { return of(JsError.CONSUMER_MAX_WAITING_NEGATIVE); }
    static ConsumerError hbRequiresPush() { return of(JsError.CONSUMER_HB_REQUIRES_PUSH); }
    static ConsumerError fcRequiresPush() { return of(JsError.CONSUMER_FC_REQUIRES_PUSH); }
    static ConsumerError directRequiresPush() { return of(JsError.CONSUMER_DIRECT_REQUIRES_PUSH); }
    static ConsumerError directRequiresEphemeral() { return of(JsError.CONSUMER_DIRECT_REQUIRES_EPHEMERAL); }
    static ConsumerError invalidPolicy(String err) { return of(JsError.CONSUMER_INVALID_POLICY, "{err}", err); }
    static ConsumerError invalidSampling(String err) { return of(JsError.CONSUMER_INVALID_SAMPLING, "{err}", err); }
    static ConsumerError wqRequiresExplicitAck() { return of(JsError.CONSUMER_WQ_REQUIRES_EXPLICIT_ACK); }
    static ConsumerError wqMultipleUnfiltered() { return of(JsError.CONSUMER_WQ_MULTIPLE_UNFILTERED); }
    static ConsumerError wqNotUnique() { return of(JsError.CONSUMER_WQ_CONSUMER_NOT_UNIQUE); }
    static ConsumerError wqNotDeliverAll() { return of(JsError.CONSUMER_WQ_CONSUMER_NOT_DELIVER_ALL); }
    static ConsumerError nameTooLong(int max) { return of(JsError.CONSUMER_NAME_TOO_LONG, "{max}", max); }
    static ConsumerError badDurableName() { return of(JsError.CONSUMER_BAD_DURABLE_NAME); }
    static ConsumerError storeFailed(String err) { return of(JsError.CONSUMER_STORE_FAILED, "{err}", err); }
    static ConsumerError existingActive() { return of(JsError.CONSUMER_EXISTING_ACTIVE); }
    static ConsumerError descriptionTooLong(int max) { return of(JsError.CONSUMER_DESCRIPTION_TOO_LONG, "{max}", max); }
    static ConsumerError fcNeedsHeartbeats() { return of(JsError.CONSUMER_WITH_FLOW_CONTROL_NEEDS_HEARTBEATS); }
    static ConsumerError invalidDeliverSubject() { return of(JsError.CONSUMER_INVALID_DELIVER_SUBJECT); }
    static ConsumerError maxRequestBatchNegative() { return of(JsError.CONSUMER_MAX_REQUEST_BATCH_NEGATIVE); }
    static ConsumerError maxRequestExpiresTooSmall() { return of(JsError.CONSUMER_MAX_REQUEST_EXPIRES_TO_SMALL); }
    static ConsumerError maxDeliverBackoff() { return of(JsError.CONSUMER_MAX_DELIVER_BACKOFF); }
    static ConsumerError replicasExceedsStream() { return of(JsError.CONSUMER_REPLICAS_EXCEEDS_STREAM); }
    static ConsumerError nameContainsPathSeparators() { return of(JsError.CONSUMER_NAME_CONTAINS_PATH_SEPARATORS); }
    static ConsumerError filterSubjectMismatch() { return of(JsError.CONSUMER_CREATE_FILTER_SUBJECT_MISMATCH); }
    static ConsumerError durableAndNameMismatch() { return of(JsError.CONSUMER_CREATE_DURABLE_AND_NAME_MISMATCH); }
    static ConsumerError replicasNegative() { return of(JsError.REPLICAS_COUNT_CANNOT_BE_NEGATIVE); }
    static ConsumerError replicasShouldMatchStream() { return of(JsError.CONSUMER_REPLICAS_SHOULD_MATCH_STREAM); }
    static ConsumerError metadataLength(String limit) { return of(JsError.CONSUMER_METADATA_LENGTH, "{limit}", limit); }
    static ConsumerError duplicateFilterSubjects() { return of(JsError.CONSUMER_DUPLICATE_FILTER_SUBJECTS); }
    static ConsumerError multipleFiltersNotAllowed() { return of(JsError.CONSUMER_MULTIPLE_FILTERS_NOT_ALLOWED); }
    static ConsumerError overlappingFilters() { return of(JsError.CONSUMER_OVERLAPPING_SUBJECT_FILTERS); }
    static ConsumerError emptyFilter() { return of(JsError.CONSUMER_EMPTY_FILTER); }
    static ConsumerError maxPendingAckExcess(long limit) { return of(JsError.CONSUMER_MAX_PENDING_ACK_EXCESS, "{limit}", limit); }
    static ConsumerError inactiveThresholdExcess(String limit) { return of(JsError.CONSUMER_INACTIVE_THRESHOLD_EXCESS, "{limit}", limit); }
    static ConsumerError alreadyExists() { return of(JsError.CONSUMER_ALREADY_EXISTS); }
    static ConsumerError doesNotExist() { return of(JsError.CONSUMER_DOES_NOT_EXIST); }
}
