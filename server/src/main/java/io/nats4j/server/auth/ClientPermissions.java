package io.nats4j.server.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One connection's view of its user's {@link CompiledPermissions}: a cache of publish decisions (touched
 * only by the connection's event loop; a hit allocates nothing) and, with {@code allow_responses}, the
 * reply subjects it may answer (recorded by publishers' loops when a message with a reply is delivered
 * to it, hence a concurrent map).
 */
public final class ClientPermissions {

    private static final int CACHE_SLOTS = 256;
    /** nats-server prunes the reply map past this size (replyPermLimit). */
    private static final int REPLY_PRUNE_SIZE = 4096;

    private final CompiledPermissions perms;
    private final byte[][] keys = new byte[CACHE_SLOTS][];
    private final boolean[] allowed = new boolean[CACHE_SLOTS];
    private final ConcurrentHashMap<String, long[]> replies;
    /** Set once a wildcard subscription overlaps the subscribe deny list: deliveries are filtered. */
    private volatile boolean deliveryFilter;

    public ClientPermissions(CompiledPermissions perms) {
        this.perms = perms;
        this.replies = perms.response() != null ? new ConcurrentHashMap<>() : null;
    }

    public CompiledPermissions compiled() {
        return perms;
    }

    /** Publish check with the per-connection cache, then the allow_responses replies. Event loop only. */
    public boolean canPublish(byte[] buf, int off, int len) {
        if (!perms.restrictsPublish()) {
            return true;
        }
        int h = hash(buf, off, len);
        int slot = h & (CACHE_SLOTS - 1);
        byte[] k = keys[slot];
        boolean ok;
        if (k != null && Arrays.equals(k, 0, k.length, buf, off, off + len)) {
            ok = allowed[slot];
        } else {
            ok = perms.canPublish(buf, off, len);
            keys[slot] = Arrays.copyOfRange(buf, off, off + len);
            allowed[slot] = ok;
        }
        if (!ok && replies != null) {
            ok = replyAllowed(new String(buf, off, len, StandardCharsets.UTF_8));
        }
        return ok;
    }

    private boolean replyAllowed(String subject) {
        long[] r = replies.get(subject);
        if (r == null) {
            return false;
        }
        ResponsePermission rp = perms.response();
        r[0]++;
        if (rp.maxMsgs() > 0 && r[0] > rp.maxMsgs()) {
            replies.remove(subject);
            return false;
        }
        if (!rp.expires().isZero() && System.nanoTime() - r[1] > rp.expires().toNanos()) {
            replies.remove(subject);
            return false;
        }
        return true;
    }

    /** A message with this reply subject was delivered to the connection (any loop). */
    public void recordReply(byte[] buf, int off, int len) {
        if (replies == null) {
            return;
        }
        replies.put(new String(buf, off, len, StandardCharsets.UTF_8), new long[] {0, System.nanoTime()});
        if (replies.size() > REPLY_PRUNE_SIZE) {
            pruneReplies();
        }
    }

    private void pruneReplies() {
        ResponsePermission rp = perms.response();
        long now = System.nanoTime();
        replies.values().removeIf(r -> (rp.maxMsgs() > 0 && r[0] >= rp.maxMsgs())
                || (!rp.expires().isZero() && now - r[1] > rp.expires().toNanos()));
    }

    public boolean tracksReplies() {
        return replies != null;
    }

    public boolean canSubscribe(String subject, String queue) {
        boolean ok = perms.canSubscribe(subject, queue);
        if (ok && !deliveryFilter && perms.needsDeliveryFilter(subject)) {
            deliveryFilter = true;
        }
        return ok;
    }

    /** True when a delivery on this subject must be dropped (wildcard subscription over a denied subject). */
    public boolean deliveryDenied(byte[] buf, int off, int len) {
        return deliveryFilter && perms.deliveryDenied(buf, off, len);
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off; i < off + len; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
