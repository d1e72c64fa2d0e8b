package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.jetstream.consumer.ConsumerConfig.AckPolicyConfig;
import io.nats4j.server.jetstream.consumer.ConsumerConfig.DeliverPolicy;
import io.nats4j.server.subject.Subjects;
import java.util.List;
import java.util.Map;

/** Defaults and validation of a consumer config, with nats-server 2.10's rules and errors, in its order. */
final class ConsumerConfigCheck {

    /** nats-server's JSWaitQueueDefaultMax. */
    static final long DEFAULT_MAX_WAITING = 512;
    /** JsAckWaitDefault: 30 s. */
    static final long DEFAULT_ACK_WAIT_NANOS = 30_000_000_000L;
    /** JsDefaultMaxAckPending. */
    static final long DEFAULT_MAX_ACK_PENDING = 1000;
    /** JsDeleteWaitTimeDefault: an ephemeral without interest goes after 5 s. */
    static final long DEFAULT_INACTIVE_THRESHOLD_NANOS = 5_000_000_000L;
    static final int MAX_NAME_LENGTH = 255;
    static final int MAX_DESCRIPTION_LENGTH = 4 * 1024;
    static final int MAX_METADATA_LENGTH = 128 * 1024;

    private ConsumerConfigCheck() {
    }

    /** nats-server's setConsumerConfigDefaults. */
    static void setDefaults(ConsumerConfig c) {
        if (c.deliverSubject.isEmpty() && c.maxWaiting == 0) {
            c.maxWaiting = DEFAULT_MAX_WAITING;
        }
        boolean acks = c.ackPolicy == AckPolicyConfig.EXPLICIT || c.ackPolicy == AckPolicyConfig.ALL;
        if (c.ackWaitNanos == 0 && acks) {
            c.ackWaitNanos = DEFAULT_ACK_WAIT_NANOS;
        }
        if (c.maxDeliver == 0) {
            c.maxDeliver = -1;
        }
        if (!c.backoffNanos.isEmpty()) {
            c.ackWaitNanos = c.backoffNanos.get(0);
        }
        if (acks && c.maxAckPending == 0) {
            c.maxAckPending = DEFAULT_MAX_ACK_PENDING;
        }
    }

    /** Same, with the account's max_ack_pending lowering the default (nats-server's accLim.MaxAckPending). */
    static void setDefaults(ConsumerConfig c, long accountMaxAckPending) {
        boolean acks = c.ackPolicy == AckPolicyConfig.EXPLICIT || c.ackPolicy == AckPolicyConfig.ALL;
        if (acks && c.maxAckPending == 0 && accountMaxAckPending > 0 && accountMaxAckPending < DEFAULT_MAX_ACK_PENDING) {
            c.maxAckPending = accountMaxAckPending;
        }
        setDefaults(c);
    }

    /** nats-server's checkConsumerCfg (single server, no account or server limits beyond the defaults). */
    static void check(ConsumerConfig c, StreamHandle stream) {
        if (c.replicas > 0 && c.replicas > stream.replicas()) {
            throw ConsumerError.replicasExceedsStream();
        }
        if (c.replicas < 0) {
            throw ConsumerError.replicasNegative();
        }
        if (stream.retention() != StreamHandle.Retention.LIMITS && c.replicas != 0 && c.replicas != stream.replicas()) {
            throw ConsumerError.replicasShouldMatchStream();
        }
        if (!c.backoffNanos.isEmpty() && c.maxDeliver != -1 && c.maxDeliver <= c.backoffNanos.size()) {
            throw ConsumerError.maxDeliverBackoff();
        }
        if (c.description.length() > MAX_DESCRIPTION_LENGTH) {
            throw ConsumerError.descriptionTooLong(MAX_DESCRIPTION_LENGTH);
        }
        if (c.isPush()) {
            if (!Subjects.isLiteral(c.deliverSubject)) {
                throw ConsumerError.deliverToWildcards();
            }
            if (!Subjects.isValidSubject(c.deliverSubject)) {
                throw ConsumerError.invalidDeliverSubject();
            }
            for (String s : stream.subjects()) {
                if (Subjects.subjectMatches(c.deliverSubject, s)) {
                    throw ConsumerError.deliverCycle();
                }
            }
            if (c.maxWaiting != 0) {
                throw ConsumerError.pushMaxWaiting();
            }
            if (c.maxAckPending > 0 && c.ackPolicy == AckPolicyConfig.NONE) {
                throw ConsumerError.maxPendingAckPolicyRequired();
            }
            if (c.heartbeatNanos > 0 && c.heartbeatNanos < 100_000_000L) {
                throw ConsumerError.smallHeartbeat();
            }
        } else {
            if (c.ackPolicy == AckPolicyConfig.NONE && stream.retention() == StreamHandle.Retention.WORKQUEUE) {
                throw ConsumerError.pullRequiresAck();
            }
            if (c.rateLimitBps > 0) {
                throw ConsumerError.pullWithRateLimit();
            }
            if (c.maxWaiting < 0) {
                throw ConsumerError.maxWaitingNegative();
            }
            if (c.heartbeatNanos > 0) {
                throw ConsumerError.hbRequiresPush();
            }
            if (c.flowControl) {
                throw ConsumerError.fcRequiresPush();
            }
            if (c.maxRequestBatch < 0) {
                throw ConsumerError.maxRequestBatchNegative();
            }
            if (c.maxRequestExpiresNanos != 0 && c.maxRequestExpiresNanos < 1_000_000L) {
                throw ConsumerError.maxRequestExpiresTooSmall();
            }
        }
        long accMaxAckPending = stream.accountMaxAckPending();
        if (accMaxAckPending > 0 && c.maxAckPending > accMaxAckPending) {
            throw ConsumerError.maxPendingAckExcess(accMaxAckPending);
        }
        long strMaxAckPending = stream.defaultMaxAckPending();
        if (strMaxAckPending > 0 && c.maxAckPending > strMaxAckPending) {
            throw ConsumerError.maxPendingAckExcess(strMaxAckPending);
        }
        long strInactive = stream.defaultInactiveThresholdNanos();
        if (strInactive > 0 && c.inactiveThresholdNanos > strInactive) {
            throw ConsumerError.inactiveThresholdExcess(GoDuration.format(strInactive));
        }
        if (c.direct) {
            if (!c.isPush()) {
                throw ConsumerError.directRequiresPush();
            }
            if (c.isDurable()) {
                throw ConsumerError.directRequiresEphemeral();
            }
        }
        if (!c.filterSubject.isEmpty() && !c.filterSubjects.isEmpty()) {
            throw ConsumerError.duplicateFilterSubjects();
        }
        if (!c.filterSubject.isEmpty() && !Subjects.isValidSubject(c.filterSubject)) {
            throw ConsumerError.invalidConfig("invalid subject");
        }
        for (String f : c.filterSubjects) {
            if (f.isEmpty()) {
                throw ConsumerError.emptyFilter();
            }
        }
        List<String> filters = c.filters();
        for (int i = 0; i < filters.size(); i++) {
            if (!Subjects.isValidSubject(filters.get(i))) {
                throw ConsumerError.invalidConfig("invalid subject");
            }
            for (int j = 0; j < filters.size(); j++) {
                if (i != j && collide(filters.get(i), filters.get(j))) {
                    throw ConsumerError.overlappingFilters();
                }
            }
        }
        switch (c.deliverPolicy) {
            case ALL -> startNotSet(c, "all");
            case LAST -> startNotSet(c, "last");
            case LAST_PER_SUBJECT -> {
                startNotSet(c, "last per subject");
                if (filters.isEmpty()) {
                    throw ConsumerError.invalidPolicy(notSet("last per subject", "filter subject"));
                }
            }
            case NEW -> startNotSet(c, "new");
            case BY_START_SEQUENCE -> {
                if (c.optStartSeq == 0) {
                    throw ConsumerError.invalidPolicy(notSet("by start sequence", "start sequence"));
                }
                if (c.optStartTime != null) {
                    throw ConsumerError.invalidPolicy(badStart("by start sequence", "time"));
                }
            }
            case BY_START_TIME -> {
                if (c.optStartTime == null) {
                    throw ConsumerError.invalidPolicy(notSet("by start time", "start time"));
                }
                if (c.optStartSeq != 0) {
                    throw ConsumerError.invalidPolicy(badStart("by start time", "start sequence"));
                }
            }
        }
        if (!c.sampleFrequency.isEmpty()) {
            String s = c.sampleFrequency.endsWith("%")
                    ? c.sampleFrequency.substring(0, c.sampleFrequency.length() - 1) : c.sampleFrequency;
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw ConsumerError.invalidSampling("strconv.Atoi: parsing \"" + s + "\": invalid syntax");
            }
            if (v < 0) {
                throw ConsumerError.invalidSampling("<nil>");
            }
        }
        if (c.flowControl && c.heartbeatNanos == 0) {
            throw ConsumerError.fcNeedsHeartbeats();
        }
        if (!c.durable.isEmpty() && !c.name.isEmpty() && !c.name.equals(c.durable)) {
            throw ConsumerError.durableAndNameMismatch();
        }
        int md = 0;
        for (Map.Entry<String, String> e : c.metadata.entrySet()) {
            md += e.getKey().length() + e.getValue().length();
        }
        if (md > MAX_METADATA_LENGTH) {
            throw ConsumerError.metadataLength(MAX_METADATA_LENGTH / 1024 + "KB");
        }
    }

    /** nats-server's checkNewConsumerConfig: what an update may change. */
    static void checkUpdate(ConsumerConfig old, ConsumerConfig n) {
        if (old.equals(n)) {
            return;
        }
        if (old.deliverPolicy != n.deliverPolicy) {
            throw ConsumerError.create("deliver policy can not be updated");
        }
        if (old.optStartSeq != n.optStartSeq) {
            throw ConsumerError.create("start sequence can not be updated");
        }
        if (!java.util.Objects.equals(old.optStartTime, n.optStartTime)) {
            throw ConsumerError.create("start time can not be updated");
        }
        if (old.ackPolicy != n.ackPolicy) {
            throw ConsumerError.create("ack policy can not be updated");
        }
        if (old.replayPolicy != n.replayPolicy) {
            throw ConsumerError.create("replay policy can not be updated");
        }
        if (old.heartbeatNanos != n.heartbeatNanos) {
            throw ConsumerError.create("heart beats can not be updated");
        }
        if (old.flowControl != n.flowControl) {
            throw ConsumerError.create("flow control can not be updated");
        }
        if (old.maxWaiting != n.maxWaiting) {
            throw ConsumerError.create("max waiting can not be updated");
        }
        if (!old.deliverSubject.equals(n.deliverSubject)) {
            if (old.deliverSubject.isEmpty()) {
                throw ConsumerError.create("can not update pull consumer to push based");
            }
            if (n.deliverSubject.isEmpty()) {
                throw ConsumerError.create("can not update push consumer to pull based");
            }
        }
        if (!n.backoffNanos.isEmpty() && n.maxDeliver != -1 && n.maxDeliver <= n.backoffNanos.size()) {
            throw ConsumerError.maxDeliverBackoff();
        }
    }

    /** nats-server's isValidName: no whitespace, '.', '*', '>'. */
    static boolean isValidName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch == '.' || ch == '*' || ch == '>' || Character.isWhitespace(ch)) {
                return false;
            }
        }
        return true;
    }

    /** True when some subject matches both filters (nats-server's SubjectsCollide). */
    static boolean collide(String a, String b) {
        String[] ta = a.split("\\.", -1);
        String[] tb = b.split("\\.", -1);
        int n = Math.min(ta.length, tb.length);
        for (int i = 0; i < n; i++) {
            String x = ta[i];
            String y = tb[i];
            if (x.equals(">") || y.equals(">")) {
                return true;
            }
            if (!x.equals(y) && !x.equals("*") && !y.equals("*")) {
                return false;
            }
        }
        return ta.length == tb.length;
    }

    private static void startNotSet(ConsumerConfig c, String dp) {
        if (c.optStartSeq > 0) {
            throw ConsumerError.invalidPolicy(badStart(dp, "sequence"));
        }
        if (c.optStartTime != null) {
            throw ConsumerError.invalidPolicy(badStart(dp, "time"));
        }
    }

    private static String badStart(String dp, String start) {
        return "consumer delivery policy is deliver " + dp + ", but optional start " + start + " is also set";
    }

    private static String notSet(String dp, String what) {
        return "consumer delivery policy is deliver " + dp + ", but optional " + what + " is not set";
    }
}
