package io.nats4j.server.jetstream;

import io.nats4j.server.jetstream.StreamConfig.Discard;
import io.nats4j.server.jetstream.StreamConfig.Retention;
import io.nats4j.server.jetstream.StreamConfig.StorageType;
import io.nats4j.server.jetstream.api.ApiError;
import io.nats4j.server.jetstream.api.ApiException;
import io.nats4j.server.jetstream.api.JsError;
import io.nats4j.server.subject.Subjects;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * nats-server 2.10's rules for a stream configuration ({@code checkStreamCfg}) and for an update
 * ({@code configUpdateCheck}): defaults filled in, refusals with nats-server's errors and texts. What nats4j
 * does not build yet (mirrors, sources, republish, subject transforms, placement, s2 compression) is refused by
 * name.
 */
public final class StreamConfigCheck {

    /** nats-server's limits on names, descriptions and metadata. */
    public static final int MAX_NAME_LEN = 255;
    public static final int MAX_DESCRIPTION_LEN = 4 * 1024;
    public static final int MAX_METADATA_LEN = 128 * 1024;
    public static final long DEFAULT_DUPLICATE_WINDOW_NANOS = 120_000_000_000L;
    private static final long HUNDRED_MS = 100_000_000L;

    private StreamConfigCheck() {
    }

    private static ApiException invalid(String text) {
        return new ApiException(JsError.STREAM_INVALID_CONFIG.with("{err}", text));
    }

    /** nats-server's {@code isValidName}: not empty, no '.', '*', '>' or whitespace. */
    public static boolean isValidName(String n) {
        if (n == null || n.isEmpty()) {
            return false;
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c == '.' || c == '*' || c == '>' || Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The configuration with nats-server's defaults, or an {@link ApiException}.
     *
     * @param serverDuplicatesLimit the server's {@code limits.duplicate_window}, 0 = none
     * @param limits                the account's limits (max_bytes_required, per-stream max bytes)
     * @param others                the account's other streams (subject overlaps)
     */
    public static StreamConfig check(StreamConfig c, long serverDuplicatesLimit, JsLimits limits,
            List<StreamConfig> others) {
        if (!isValidName(c.name())) {
            throw invalid("stream name is required and can not contain '.', '*', '>'");
        }
        if (c.name().length() > MAX_NAME_LEN) {
            throw invalid("stream name is too long, maximum allowed is " + MAX_NAME_LEN);
        }
        if (c.description() != null && c.description().getBytes(StandardCharsets.UTF_8).length > MAX_DESCRIPTION_LEN) {
            throw invalid("stream description is too long, maximum allowed is " + MAX_DESCRIPTION_LEN);
        }
        if (c.metadata() != null) {
            int len = 0;
            for (Map.Entry<String, String> e : c.metadata().entrySet()) {
                len += e.getKey().length() + e.getValue().length();
            }
            if (len > MAX_METADATA_LEN) {
                throw invalid("stream metadata exceeds maximum size of " + MAX_METADATA_LEN + " bytes");
            }
        }
        int replicas = c.replicas() == 0 ? 1 : c.replicas();
        if (replicas > 5) {
            throw invalid("maximum replicas is 5");
        }
        if (replicas < 0) {
            throw new ApiException(JsError.REPLICAS_COUNT_CANNOT_BE_NEGATIVE);
        }
        long dup = c.duplicateWindowNanos();
        if (dup == 0 && c.mirror() == null) {
            long maxWindow = DEFAULT_DUPLICATE_WINDOW_NANOS;
            if (serverDuplicatesLimit > 0 && maxWindow > serverDuplicatesLimit) {
                maxWindow = serverDuplicatesLimit;
            }
            dup = c.maxAgeNanos() != 0 && c.maxAgeNanos() < maxWindow ? c.maxAgeNanos() : maxWindow;
        }
        if (c.maxAgeNanos() > 0 && c.maxAgeNanos() < HUNDRED_MS) {
            throw invalid("max age needs to be >= 100ms");
        }
        if (dup < 0) {
            throw invalid("duplicates window can not be negative");
        }
        if (c.maxAgeNanos() != 0 && dup > c.maxAgeNanos()) {
            throw invalid("duplicates window can not be larger then max age");
        }
        if (serverDuplicatesLimit > 0 && dup > serverDuplicatesLimit) {
            throw invalid("duplicates window can not be larger then server limit of "
                    + io.nats4j.server.config.GoDuration.format(java.time.Duration.ofNanos(serverDuplicatesLimit)));
        }
        if (dup > 0 && dup < HUNDRED_MS) {
            throw invalid("duplicates window needs to be >= 100ms");
        }
        if (c.denyPurge() && c.allowRollup()) {
            throw invalid("roll-ups require the purge permission");
        }
        if (c.discardNewPerSubject()) {
            if (c.discard() != Discard.NEW) {
                throw invalid("discard new per subject requires discard new policy to be set");
            }
            if (c.maxMsgsPerSubject() <= 0) {
                throw invalid("discard new per subject requires max msgs per subject > 0");
            }
        }
        // not built yet: refused by name rather than ignored
        if (c.mirror() != null) {
            throw invalid("mirror is not supported yet by nats4j");
        }
        if (c.sources() != null && !(c.sources().isArray() && c.sources().isEmpty())) {
            throw invalid("sources are not supported yet by nats4j");
        }
        if (c.republish() != null) {
            throw invalid("republish is not supported yet by nats4j");
        }
        if (c.subjectTransform() != null) {
            throw invalid("subject_transform is not supported yet by nats4j");
        }
        if (c.compression().equals("s2")) {
            throw invalid("compression s2 is not supported yet by nats4j");
        }
        if (c.templateOwner() != null && !c.templateOwner().isEmpty()) {
            throw invalid("stream templates are not supported by nats4j");
        }
        List<String> subjects = c.subjects();
        if (subjects.isEmpty()) {
            subjects = List.of(c.name());
        } else {
            Set<String> seen = new HashSet<>();
            for (String s : subjects) {
                if (!Subjects.isValidSubject(s)) {
                    throw invalid("invalid subject");
                }
                if (!seen.add(s)) {
                    throw invalid("duplicate subjects detected");
                }
                if (s.equals(">")) {
                    if (!c.noAck()) {
                        throw invalid("capturing all subjects requires no-ack to be true");
                    }
                    if (replicas != 1) {
                        throw invalid("capturing all subjects requires replicas of 1");
                    }
                }
                if (!c.noAck()) {
                    for (String ns : new String[] {"$JS.>", "$JSC.>", "$NRG.>"}) {
                        if (collide(s, ns) && !Subjects.isSubsetMatch(s, "$JS.EVENT.>")) {
                            throw invalid("subjects that overlap with jetstream api require no-ack to be true");
                        }
                    }
                    if (collide(s, "$SYS.>") && !Subjects.isSubsetMatch(s, "$SYS.ACCOUNT.>")) {
                        throw invalid("subjects that overlap with system api require no-ack to be true");
                    }
                }
            }
        }
        long maxBytes = c.maxBytes() == 0 ? -1 : c.maxBytes();
        StorageType storage = c.storage();
        if (limits != null) {
            long perStream = storage == StorageType.MEMORY ? limits.memoryMaxStreamBytes() : limits.storeMaxStreamBytes();
            if (limits.maxBytesRequired() && maxBytes <= 0) {
                throw new ApiException(JsError.STREAM_MAX_BYTES_REQUIRED);
            }
            if (perStream > 0 && maxBytes > perStream) {
                throw new ApiException(JsError.STREAM_MAX_STREAM_BYTES_EXCEEDED);
            }
        }
        if (subjects.size() > 1) {
            for (String a : subjects) {
                for (String b : subjects) {
                    if (!a.equals(b) && collide(a, b)) {
                        throw invalid("subject \"" + a + "\" overlaps with \"" + b + "\"");
                    }
                }
            }
        }
        StreamConfig out = c.withDefaults(dup, c.maxConsumers() == 0 ? -1 : c.maxConsumers(),
                c.maxMsgs() == 0 ? -1 : c.maxMsgs(), maxBytes,
                c.maxMsgsPerSubject() == 0 ? -1 : c.maxMsgsPerSubject(), c.maxMsgSize() == 0 ? -1 : c.maxMsgSize(),
                replicas, storage, subjects);
        if (replicas > 1) {
            throw new ApiException(JsError.STREAM_REPLICAS_NOT_SUPPORTED);
        }
        if (others != null) {
            for (StreamConfig o : others) {
                if (o.name().equals(out.name())) {
                    continue;
                }
                for (String a : out.subjects()) {
                    for (String b : o.subjects()) {
                        if (collide(a, b)) {
                            throw new ApiException(JsError.STREAM_SUBJECT_OVERLAP);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** nats-server's {@code configUpdateCheck}: the rules an update must follow, on a checked config. */
    public static StreamConfig checkUpdate(StreamConfig old, StreamConfig cfg) {
        if (!cfg.name().equals(old.name())) {
            throw invalid("stream configuration name must match original");
        }
        if (cfg.maxConsumers() != old.maxConsumers()) {
            throw invalid("stream configuration update can not change MaxConsumers");
        }
        if (cfg.storage() != old.storage()) {
            throw invalid("stream configuration update can not change storage type");
        }
        if (cfg.retention() != old.retention()
                && (old.retention() == Retention.WORKQUEUE || cfg.retention() == Retention.WORKQUEUE)) {
            throw invalid("stream configuration update can not change retention policy to/from workqueue");
        }
        if (!cfg.sealed() && old.sealed()) {
            throw invalid("stream configuration update can not unseal a sealed stream");
        }
        if (!cfg.denyDelete() && old.denyDelete()) {
            throw invalid("stream configuration update can not cancel deny message deletes");
        }
        if (!cfg.denyPurge() && old.denyPurge()) {
            throw invalid("stream configuration update can not cancel deny purge");
        }
        if (cfg.sealed()) {
            cfg = cfg.sealedAdjusted();
        }
        return cfg;
    }

    /** True when some literal subject matches both (nats-server's {@code SubjectsCollide}). */
    public static boolean collide(String a, String b) {
        String[] ta = a.split("\\.", -1);
        String[] tb = b.split("\\.", -1);
        int n = Math.min(ta.length, tb.length);
        for (int i = 0; i < n; i++) {
            String x = ta[i];
            String y = tb[i];
            if (x.equals(">") || y.equals(">")) {
                return true;
            }
            if (!x.equals("*") && !y.equals("*") && !x.equals(y)) {
                return false;
            }
        }
        return ta.length == tb.length;
    }

    /** The error of an {@link ApiException}, for callers that answer themselves. */
    public static ApiError errorOf(RuntimeException e) {
        return e instanceof ApiException a ? a.error() : JsError.STREAM_CREATE.with("{err}", e.getMessage());
    }
}
