package io.nats4j.server.jetstream.consumer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Flow control of a push consumer, as nats-server's: a {@code 100 FlowControl Request} (reply
 * {@code $JS.FC.<stream>.<consumer>.<random>}) when half the window is outstanding, no delivery past the window
 * until the client answers, the window doubling from 2 MiB up to {@link #MAX_PENDING}. The consumer's thread only.
 */
final class PushFlowControl {

    /** nats-server's JsFlowControlMaxPending. */
    static final long MAX_PENDING = 32L * 1024 * 1024;
    /** The header of a flow-control request. */
    static final byte[] REQUEST = "NATS/1.0 100 FlowControl Request\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final String DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private final String replyPrefix;
    /** Bytes delivered and not yet covered by an answered request. */
    private long pbytes;
    /** The window. */
    private long maxpb = MAX_PENDING / 16;
    /** The reply subject of the outstanding request, empty when none. */
    private String fcid = "";
    private long fcsz;

    /** @param replyPrefix {@code $JS.FC.<stream>.<consumer>.} */
    PushFlowControl(String replyPrefix) {
        this.replyPrefix = replyPrefix;
    }

    /** Past the window: no delivery until the client answers. */
    boolean blocked() {
        return pbytes > maxpb;
    }

    /** The reply subject of the outstanding request, or empty: {@code Nats-Consumer-Stalled} in heartbeats. */
    String outstanding() {
        return fcid;
    }

    /**
     * Counts a delivery of {@code size} bytes; returns the reply subject of a flow-control request to send now,
     * or null.
     */
    String delivered(long size) {
        pbytes += size;
        if (fcid.isEmpty() && pbytes > maxpb / 2) {
            fcsz = pbytes;
            fcid = replyPrefix + random4();
            return fcid;
        }
        if (!fcid.isEmpty() && pbytes - fcsz >= maxpb) {
            fcsz += size;
        }
        return null;
    }

    /** The client answered on {@code subject}; true when it was the outstanding request (the window grows). */
    boolean answered(String subject) {
        if (!subject.equals(fcid)) {
            return false;
        }
        if (maxpb < MAX_PENDING) {
            maxpb = Math.min(maxpb * 2, MAX_PENDING);
        }
        pbytes = Math.max(0, pbytes - fcsz);
        fcid = "";
        fcsz = 0;
        return true;
    }

    /** Four random base-62 characters, as nats-server's flow-control reply suffix. */
    private static String random4() {
        long n = ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            c[i] = DIGITS.charAt((int) (n % 62));
            n /= 62;
        }
        return new String(c);
    }
}
