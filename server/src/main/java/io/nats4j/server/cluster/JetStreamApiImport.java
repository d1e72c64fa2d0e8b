package io.nats4j.server.cluster;

import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.connection.InternalSubscriber;
import io.nats4j.server.connection.ServerStats;
import io.nats4j.server.sys.InternalClient;
import io.nats4j.server.subject.Subscription;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * nats-server's "mixed mode": a clustered server without JetStream carries its clients' JetStream API requests
 * ({@code $JS.API.>}) into the system account, where the servers of the cluster that run JetStream listen for
 * them (their meta group and stream leaders answer), as nats-server imports the API from the system account into
 * the global account when it has no JetStream. The request gets a {@code Nats-Request-Info} header naming the
 * requesting account (the JetStream servers act in that account) and a mapped {@code _R_} reply in the system
 * account, whose response goes back to the requester's reply subject.
 *
 * <p>The subscription is not forwarded to other servers ({@link #forwardsInterest()}): each of them answers its own
 * clients' requests, and must not send them here to come back twice. Control traffic: a request is copied and
 * published by this server's internal client, one at a time.
 */
final class JetStreamApiImport implements InternalSubscriber {

    static final String API = "$JS.API.>";
    private static final byte[] HEADER_LINE = "NATS/1.0\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Account system;
    private final String serverName;
    private final java.util.function.Supplier<String> clusterName;
    private final InternalClient client;
    /** The accounts subscribed in, and the subscription in each (same index). */
    private final List<Account> subscribedIn = new ArrayList<>();
    private final List<Subscription> subs = new ArrayList<>();
    private final long id = -System.identityHashCode(this) - 1L;

    JetStreamApiImport(Account system, String serverName, java.util.function.Supplier<String> clusterName,
            ServerStats stats) {
        this.system = system;
        this.serverName = serverName;
        this.clusterName = clusterName;
        this.client = new InternalClient(stats);
    }

    /**
     * Subscribes in the accounts nats-server imports the API into: every account with JetStream limits, and the
     * global account when it and the system account are the only ones.
     */
    void wire(Collection<Account> accounts, Account global) {
        List<Account> importers = new ArrayList<>();
        for (Account a : accounts) {
            if (a != system && a.jetStreamLimits() != null) {
                importers.add(a);
            }
        }
        if (accounts.size() == 2 && global != system && !importers.contains(global)) {
            importers.add(global);
        }
        for (Account a : importers) {
            Subscription s = new Subscription(this, API, null, new byte[0]);
            a.subscribe(s);
            synchronized (subs) {
                subscribedIn.add(a);
                subs.add(s);
            }
        }
    }

    void unwire() {
        synchronized (subs) {
            for (int i = 0; i < subs.size(); i++) {
                subs.get(i).closed = true;
                subscribedIn.get(i).unsubscribe(subs.get(i));
            }
            subscribedIn.clear();
            subs.clear();
        }
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public boolean forwardsInterest() {
        return false;
    }

    @Override
    public void deliverInternal(Subscription sub, ClientConnection from, String subject, String reply, byte[] headers,
            byte[] payload) {
        Account requester = from != null ? from.account() : null;
        if (requester == null || reply == null || reply.isEmpty()) {
            return; // the API answers requests only
        }
        String info = "Nats-Request-Info: {\"acc\":" + jsonString(requester.name()) + ",\"rtt\":0,\"server\":"
                + jsonString(serverName) + ",\"cluster\":" + jsonString(clusterName.get()) + "}\r\n";
        byte[] line = info.getBytes(StandardCharsets.UTF_8);
        byte[] hdr;
        if (headers == null || headers.length < HEADER_LINE.length) {
            hdr = new byte[HEADER_LINE.length + line.length + 2];
            System.arraycopy(HEADER_LINE, 0, hdr, 0, HEADER_LINE.length);
            System.arraycopy(line, 0, hdr, HEADER_LINE.length, line.length);
        } else {
            // the client's headers, minus their closing CRLF, then ours
            int keep = headers.length - 2;
            hdr = new byte[keep + line.length + 2];
            System.arraycopy(headers, 0, hdr, 0, keep);
            System.arraycopy(line, 0, hdr, keep, line.length);
        }
        hdr[hdr.length - 2] = '\r';
        hdr[hdr.length - 1] = '\n';
        String mapped = system.mapServiceReply(requester, reply);
        synchronized (client) {
            client.publish(system, subject, mapped, hdr, payload);
        }
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
