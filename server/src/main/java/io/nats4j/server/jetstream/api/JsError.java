package io.nats4j.server.jetstream.api;

/**
 * Every JetStream API error of nats-server 2.10 ({@code server/errors.json}): HTTP-like {@code code}, the
 * stable {@code err_code} clients test for, and the {@code description}, whose {@code {name}} placeholders
 * {@link #with} fills. One table, as nats-server keeps it, so codes and texts cannot drift apart.
 */
public enum JsError {
    ACCOUNT_RESOURCES_EXCEEDED(400, 10002, "resource limits exceeded for account"),
    BAD_REQUEST(400, 10003, "bad request"),
    CLUSTER_INCOMPLETE(503, 10004, "incomplete results"),
    CLUSTER_NO_PEERS(400, 10005, "{err}"),
    CLUSTER_NOT_ACTIVE(500, 10006, "JetStream not in clustered mode"),
    CLUSTER_NOT_ASSIGNED(500, 10007, "JetStream cluster not assigned to this server"),
    CLUSTER_NOT_AVAIL(503, 10008, "JetStream system temporarily unavailable"),
    CLUSTER_NOT_LEADER(500, 10009, "JetStream cluster can not handle request"),
    CLUSTER_REQUIRED(503, 10010, "JetStream clustering support required"),
    CLUSTER_TAGS(400, 10011, "tags placement not supported for operation"),
    CONSUMER_CREATE(500, 10012, "{err}"),
    CONSUMER_NAME_EXIST(400, 10013, "consumer name already in use"),
    CONSUMER_NOT_FOUND(404, 10014, "consumer not found"),
    SNAPSHOT_DELIVER_SUBJECT_INVALID(400, 10015, "deliver subject not valid"),
    CONSUMER_DURABLE_NAME_NOT_IN_SUBJECT(400, 10016, "consumer expected to be durable but no durable name set in subject"),
    CONSUMER_DURABLE_NAME_NOT_MATCH_SUBJECT(400, 10017, "consumer name in subject does not match durable name in request"),
    CONSUMER_DURABLE_NAME_NOT_SET(400, 10018, "consumer expected to be durable but a durable name was not set"),
    CONSUMER_EPHEMERAL_WITH_DURABLE_IN_SUBJECT(400, 10019, "consumer expected to be ephemeral but detected a durable name set in subject"),
    CONSUMER_EPHEMERAL_WITH_DURABLE_NAME(400, 10020, "consumer expected to be ephemeral but a durable name was set in request"),
    STREAM_EXTERNAL_API_OVERLAP(400, 10021, "stream external api prefix {prefix} must not overlap with {subject}"),
    STREAM_EXTERNAL_DEL_PREFIX_OVERLAPS(400, 10022, "stream external delivery prefix {prefix} overlaps with stream subject {subject}"),
    INSUFFICIENT_RESOURCES(503, 10023, "insufficient resources"),
    STREAM_INVALID_EXTERNAL_DELIVERY_SUBJ(400, 10024, "stream external delivery prefix {prefix} must not contain wildcards"),
    INVALID_JSON(400, 10025, "invalid JSON"),
    MAXIMUM_CONSUMERS_LIMIT(400, 10026, "maximum consumers limit reached"),
    MAXIMUM_STREAMS_LIMIT(400, 10027, "maximum number of streams reached"),
    MEMORY_RESOURCES_EXCEEDED(500, 10028, "insufficient memory resources available"),
    MIRROR_CONSUMER_SETUP_FAILED(500, 10029, "{err}"),
    MIRROR_MAX_MESSAGE_SIZE_TOO_BIG(400, 10030, "stream mirror must have max message size >= source"),
    MIRROR_WITH_SOURCES(400, 10031, "stream mirrors can not also contain other sources"),
    MIRROR_WITH_START_SEQ_AND_TIME(400, 10032, "stream mirrors can not have both start seq and start time configured"),
    MIRROR_WITH_SUBJECT_FILTERS(400, 10033, "stream mirrors can not contain filtered subjects"),
    MIRROR_WITH_SUBJECTS(400, 10034, "stream mirrors can not contain subjects"),
    NO_ACCOUNT(503, 10035, "account not found"),
    CLUSTER_UN_SUPPORT_FEATURE(503, 10036, "not currently supported in clustered mode"),
    NO_MESSAGE_FOUND(404, 10037, "no message found"),
    NOT_EMPTY_REQUEST(400, 10038, "expected an empty request payload"),
    NOT_ENABLED_FOR_ACCOUNT(503, 10039, "JetStream not enabled for account"),
    CLUSTER_PEER_NOT_MEMBER(400, 10040, "peer not a member"),
    RAFT_GENERAL(500, 10041, "{err}"),
    RESTORE_SUBSCRIBE_FAILED(500, 10042, "JetStream unable to subscribe to restore snapshot {subject}: {err}"),
    SEQUENCE_NOT_FOUND(400, 10043, "sequence {seq} not found"),
    CLUSTER_SERVER_NOT_MEMBER(400, 10044, "server is not a member of the cluster"),
    SOURCE_CONSUMER_SETUP_FAILED(500, 10045, "{err}"),
    SOURCE_MAX_MESSAGE_SIZE_TOO_BIG(400, 10046, "stream source must have max message size >= target"),
    STORAGE_RESOURCES_EXCEEDED(500, 10047, "insufficient storage resources available"),
    STREAM_ASSIGNMENT(500, 10048, "{err}"),
    STREAM_CREATE(500, 10049, "{err}"),
    STREAM_DELETE(500, 10050, "{err}"),
    STREAM_GENERAL_ERROR(500, 10051, "{err}"),
    STREAM_INVALID_CONFIG(500, 10052, "{err}"),
    STREAM_LIMITS(500, 10053, "{err}"),
    STREAM_MESSAGE_EXCEEDS_MAXIMUM(400, 10054, "message size exceeds maximum allowed"),
    STREAM_MIRROR_NOT_UPDATABLE(400, 10055, "stream mirror configuration can not be updated"),
    STREAM_MISMATCH(400, 10056, "stream name in subject does not match request"),
    STREAM_MSG_DELETE_FAILED(500, 10057, "{err}"),
    STREAM_NAME_EXIST(400, 10058, "stream name already in use with a different configuration"),
    STREAM_NOT_FOUND(404, 10059, "stream not found"),
    STREAM_NOT_MATCH(400, 10060, "expected stream does not match"),
    STREAM_REPLICAS_NOT_UPDATABLE(400, 10061, "Replicas configuration can not be updated"),
    STREAM_RESTORE(500, 10062, "restore failed: {err}"),
    STREAM_SEQUENCE_NOT_MATCH(503, 10063, "expected stream sequence does not match"),
    STREAM_SNAPSHOT(500, 10064, "snapshot failed: {err}"),
    STREAM_SUBJECT_OVERLAP(400, 10065, "subjects overlap with an existing stream"),
    STREAM_TEMPLATE_CREATE(500, 10066, "{err}"),
    STREAM_TEMPLATE_DELETE(500, 10067, "{err}"),
    STREAM_TEMPLATE_NOT_FOUND(404, 10068, "template not found"),
    STREAM_UPDATE(500, 10069, "{err}"),
    STREAM_WRONG_LAST_MSG_ID(400, 10070, "wrong last msg ID: {id}"),
    STREAM_WRONG_LAST_SEQUENCE(400, 10071, "wrong last sequence: {seq}"),
    TEMP_STORAGE_FAILED(500, 10072, "JetStream unable to open temp storage for restore"),
    TEMPLATE_NAME_NOT_MATCH_SUBJECT(400, 10073, "template name in subject does not match request"),
    STREAM_REPLICAS_NOT_SUPPORTED(500, 10074, "replicas > 1 not supported in non-clustered mode"),
    PEER_REMAP(503, 10075, "peer remap failed"),
    NOT_ENABLED(503, 10076, "JetStream not enabled"),
    STREAM_STORE_FAILED(503, 10077, "{err}"),
    CONSUMER_CONFIG_REQUIRED(400, 10078, "consumer config required"),
    CONSUMER_DELIVER_TO_WILDCARDS(400, 10079, "consumer deliver subject has wildcards"),
    CONSUMER_PUSH_MAX_WAITING(400, 10080, "consumer in push mode can not set max waiting"),
    CONSUMER_DELIVER_CYCLE(400, 10081, "consumer deliver subject forms a cycle"),
    CONSUMER_MAX_PENDING_ACK_POLICY_REQUIRED(400, 10082, "consumer requires ack policy for max ack pending"),
    CONSUMER_SMALL_HEARTBEAT(400, 10083, "consumer idle heartbeat needs to be >= 100ms"),
    CONSUMER_PULL_REQUIRES_ACK(400, 10084, "consumer in pull mode requires ack policy"),
    CONSUMER_PULL_NOT_DURABLE(400, 10085, "consumer in pull mode requires a durable name"),
    CONSUMER_PULL_WITH_RATE_LIMIT(400, 10086, "consumer in pull mode can not have rate limit set"),
    CONSUMER_MAX_WAITING_NEGATIVE(400, 10087, "consumer max waiting needs to be positive"),
    CONSUMER_HB_REQUIRES_PUSH(400, 10088, "consumer idle heartbeat requires a push based consumer"),
    CONSUMER_FC_REQUIRES_PUSH(400, 10089, "consumer flow control requires a push based consumer"),
    CONSUMER_DIRECT_REQUIRES_PUSH(400, 10090, "consumer direct requires a push based consumer"),
    CONSUMER_DIRECT_REQUIRES_EPHEMERAL(400, 10091, "consumer direct requires an ephemeral consumer"),
    CONSUMER_ON_MAPPED(400, 10092, "consumer direct on a mapped consumer"),
    CONSUMER_FILTER_NOT_SUBSET(400, 10093, "consumer filter subject is not a valid subset of the interest subjects"),
    CONSUMER_INVALID_POLICY(400, 10094, "{err}"),
    CONSUMER_INVALID_SAMPLING(400, 10095, "failed to parse consumer sampling configuration: {err}"),
    STREAM_INVALID(500, 10096, "stream not valid"),
    STREAM_HEADER_EXCEEDS_MAXIMUM(400, 10097, "header size exceeds maximum allowed of 64k"),
    CONSUMER_WQ_REQUIRES_EXPLICIT_ACK(400, 10098, "workqueue stream requires explicit ack"),
    CONSUMER_WQ_MULTIPLE_UNFILTERED(400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"),
    CONSUMER_WQ_CONSUMER_NOT_UNIQUE(400, 10100, "filtered consumer not unique on workqueue stream"),
    CONSUMER_WQ_CONSUMER_NOT_DELIVER_ALL(400, 10101, "consumer must be deliver all on workqueue stream"),
    CONSUMER_NAME_TOO_LONG(400, 10102, "consumer name is too long, maximum allowed is {max}"),
    CONSUMER_BAD_DURABLE_NAME(400, 10103, "durable name can not contain '.', '*', '>'"),
    CONSUMER_STORE_FAILED(500, 10104, "error creating store for consumer: {err}"),
    CONSUMER_EXISTING_ACTIVE(400, 10105, "consumer already exists and is still active"),
    CONSUMER_REPLACEMENT_WITH_DIFFERENT_NAME(400, 10106, "consumer replacement durable config not the same"),
    CONSUMER_DESCRIPTION_TOO_LONG(400, 10107, "consumer description is too long, maximum allowed is {max}"),
    CONSUMER_WITH_FLOW_CONTROL_NEEDS_HEARTBEATS(400, 10108, "consumer with flow control also needs heartbeats"),
    STREAM_SEALED(400, 10109, "invalid operation on sealed stream"),
    STREAM_PURGE_FAILED(500, 10110, "{err}"),
    STREAM_ROLLUP_FAILED(500, 10111, "{err}"),
    CONSUMER_INVALID_DELIVER_SUBJECT(400, 10112, "invalid push consumer deliver subject"),
    STREAM_MAX_BYTES_REQUIRED(400, 10113, "account requires a stream config to have max bytes set"),
    CONSUMER_MAX_REQUEST_BATCH_NEGATIVE(400, 10114, "consumer max request batch needs to be > 0"),
    CONSUMER_MAX_REQUEST_EXPIRES_TO_SMALL(400, 10115, "consumer max request expires needs to be >= 1ms"),
    CONSUMER_MAX_DELIVER_BACKOFF(400, 10116, "max deliver is required to be > length of backoff values"),
    STREAM_INFO_MAX_SUBJECTS(500, 10117, "subject details would exceed maximum allowed"),
    STREAM_OFFLINE(500, 10118, "stream is offline"),
    CONSUMER_OFFLINE(500, 10119, "consumer is offline"),
    NO_LIMITS(400, 10120, "no JetStream default or applicable tiered limit present"),
    CONSUMER_MAX_PENDING_ACK_EXCESS(400, 10121, "consumer max ack pending exceeds system limit of {limit}"),
    STREAM_MAX_STREAM_BYTES_EXCEEDED(400, 10122, "stream max bytes exceeds account limit max stream bytes"),
    STREAM_MOVE_AND_SCALE(400, 10123, "can not move and scale a stream in a single update"),
    STREAM_MOVE_IN_PROGRESS(400, 10124, "stream move already in progress: {msg}"),
    CONSUMER_MAX_REQUEST_BATCH_EXCEEDED(400, 10125, "consumer max request batch exceeds server limit of {limit}"),
    CONSUMER_REPLICAS_EXCEEDS_STREAM(400, 10126, "consumer config replica count exceeds parent stream"),
    CONSUMER_NAME_CONTAINS_PATH_SEPARATORS(400, 10127, "Consumer name can not contain path separators"),
    STREAM_NAME_CONTAINS_PATH_SEPARATORS(400, 10128, "Stream name can not contain path separators"),
    STREAM_MOVE_NOT_IN_PROGRESS(400, 10129, "stream move not in progress"),
    STREAM_NAME_EXIST_RESTORE_FAILED(400, 10130, "stream name already in use, cannot restore"),
    CONSUMER_CREATE_FILTER_SUBJECT_MISMATCH(400, 10131, "Consumer create request did not match filtered subject from create subject"),
    CONSUMER_CREATE_DURABLE_AND_NAME_MISMATCH(400, 10132, "Consumer Durable and Name have to be equal if both are provided"),
    REPLICAS_COUNT_CANNOT_BE_NEGATIVE(400, 10133, "replicas count cannot be negative"),
    CONSUMER_REPLICAS_SHOULD_MATCH_STREAM(400, 10134, "consumer config replicas must match interest retention stream's replicas"),
    CONSUMER_METADATA_LENGTH(400, 10135, "consumer metadata exceeds maximum size of {limit}"),
    CONSUMER_DUPLICATE_FILTER_SUBJECTS(400, 10136, "consumer cannot have both FilterSubject and FilterSubjects specified"),
    CONSUMER_MULTIPLE_FILTERS_NOT_ALLOWED(400, 10137, "consumer with multiple subject filters cannot use subject based API"),
    CONSUMER_OVERLAPPING_SUBJECT_FILTERS(400, 10138, "consumer subject filters cannot overlap"),
    CONSUMER_EMPTY_FILTER(400, 10139, "consumer filter in FilterSubjects cannot be empty"),
    SOURCE_DUPLICATE_DETECTED(400, 10140, "duplicate source configuration detected"),
    SOURCE_INVALID_STREAM_NAME(400, 10141, "sourced stream name is invalid"),
    MIRROR_INVALID_STREAM_NAME(400, 10142, "mirrored stream name is invalid"),
    MIRROR_WITH_FIRST_SEQ(400, 10143, "stream mirrors can not have first sequence configured"),
    SOURCE_MULTIPLE_FILTERS_NOT_ALLOWED(400, 10144, "source with multiple subject transforms cannot also have a single subject filter"),
    SOURCE_INVALID_SUBJECT_FILTER(400, 10145, "source subject filter is invalid"),
    SOURCE_INVALID_TRANSFORM_DESTINATION(400, 10146, "source transform destination is invalid"),
    SOURCE_OVERLAPPING_SUBJECT_FILTERS(400, 10147, "source filters can not overlap"),
    CONSUMER_ALREADY_EXISTS(400, 10148, "consumer already exists"),
    CONSUMER_DOES_NOT_EXIST(400, 10149, "consumer does not exist"),
    MIRROR_MULTIPLE_FILTERS_NOT_ALLOWED(400, 10150, "mirror with multiple subject transforms cannot also have a single subject filter"),
    MIRROR_INVALID_SUBJECT_FILTER(400, 10151, "mirror subject filter is invalid"),
    MIRROR_OVERLAPPING_SUBJECT_FILTERS(400, 10152, "mirror subject filters can not overlap"),
    CONSUMER_INACTIVE_THRESHOLD_EXCESS(400, 10153, "consumer inactive threshold exceeds system limit of {limit}");

    private final int code;
    private final int errCode;
    private final String description;

    JsError(int code, int errCode, String description) {
        this.code = code;
        this.errCode = errCode;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public int errCode() {
        return errCode;
    }

    /** The description as the table has it (placeholders unfilled). */
    public String description() {
        return description;
    }

    /** This error with its description; placeholders stay as they are. */
    public ApiError error() {
        return new ApiError(code, errCode, description);
    }

    /**
     * This error with its placeholders filled: {@code names} and {@code values} alternate
     * ({@code "{err}", "stream not found"}); a {@code Throwable} value gives its message.
     */
    public ApiError with(Object... nameValues) {
        String d = description;
        for (int i = 0; i + 1 < nameValues.length; i += 2) {
            Object v = nameValues[i + 1];
            String s = v instanceof Throwable t ? String.valueOf(t.getMessage()) : String.valueOf(v);
            d = d.replace(String.valueOf(nameValues[i]), s);
        }
        return new ApiError(code, errCode, d);
    }
}
