package io.nats4j.server.monitor;

import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.ClosedState;
import io.nats4j.server.subject.Subscription;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One client connection as /connz shows it, taken at a point in time: at the request for an open
 * connection, at close for the closed-connections list (nats-server's {@code ConnInfo}). {@code user} is the
 * CONNECT user name (the connz user filter); {@code authorizedUser} is what {@code auth=1} shows: for an open
 * connection the nkey, user name or user JWT's key it authenticated with, for a closed one its user name (as
 * nats-server keeps it).
 */
public record ConnSnapshot(long cid, String ip, int port, Instant start, Instant lastActivity, Instant stop,
        String reason, long rttNanos, long pendingBytes, long inMsgs, long outMsgs, long inBytes, long outBytes,
        String name, String lang, String version, String user, String authorizedUser, String account,
        List<SubDetail> subs) {

    /** A subscription as /connz and /subsz detail it (nats-server's {@code SubDetail}). */
    public record SubDetail(String account, String subject, String queue, String sid, long msgs, long max,
            long cid) {

        static SubDetail of(Subscription s, long cid, String account) {
            return new SubDetail(account, s.subject, s.queue, s.sidString(), s.delivered, s.maxMsgs, cid);
        }
    }

    /** Reads a connection's counters (racy reads of the event loops' values, as monitoring allows). */
    public static ConnSnapshot of(ClientConnection c, Instant stop) {
        ClosedState reason = stop == null ? null : c.closedState();
        List<Subscription> subs = c.subscriptions();
        String account = c.account() == null ? "" : c.account().name();
        List<SubDetail> details = new ArrayList<>(subs.size());
        for (Subscription s : subs) {
            details.add(SubDetail.of(s, c.id(), account));
        }
        return new ConnSnapshot(c.id(), c.remoteIp(), c.remotePort(), c.startTime(), c.lastActivity(), stop,
                reason == null ? null : reason.text(), c.rttNanos(), stop == null ? c.pendingBytes() : 0,
                c.inMsgs(), c.outMsgs(), c.inBytes(), c.outBytes(), c.name(), c.lang(), c.clientVersion(),
                c.connectUser(), stop == null ? c.rawAuthUser() : c.connectUser(), account, List.copyOf(details));
    }

    public int numSubs() {
        return subs.size();
    }

    public boolean isClosed() {
        return stop != null;
    }
}
