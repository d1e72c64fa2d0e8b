package io.nats4j.server.connection;

import io.nats4j.server.auth.Account;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subscription;
import io.netty.channel.EventLoop;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delivers one message to the subscriptions it matched (nats-server's processMsgResults), for every kind of
 * publisher: clients, the server's internal client, and next routes, leaf nodes and gateways. One instance per
 * publisher, used by the publisher's thread only; it keeps the per-publisher scratch (the relays' destinations
 * and rewritten messages per import depth, the receivers to flush, the batch's counters), so a delivery
 * allocates nothing.
 *
 * <p>The rules, by kind of receiver ({@link SubscriptionOwner}, one {@code switch}) and of sender:
 * <ul>
 *   <li>echo: a client that said {@code echo:false} does not get its own messages; a connection to another
 *       server never gets a message back from itself;</li>
 *   <li>queue groups: one member per group, chosen at random among local members (clients, internal
 *       subscribers, import relays); a remote member ({@link PeerConnection}, a leaf node preferred) only when
 *       no local member took it. A message from another server (route, gateway, leaf node) goes to queue groups
 *       only when it carries a queue list ({@link Message#queues}, {@code RMSG}'s) and only to the groups it
 *       names: the sending server chose the group's member already;</li>
 *   <li>peers: never route to route, never to a gateway what came over a route or gateway, never back to the
 *       sender;
 *       {@link PeerConnection#acceptsFrom} is the loop-prevention hook of leaf nodes;</li>
 *   <li>import relays: the message goes on into another account under a new subject and reply, to at most
 *       {@link #MAX_RELAY_DEPTH} accounts in a chain;</li>
 *   <li>internal subscribers get the message itself, {@link MatchOnly} entries nothing;</li>
 *   <li>no-responders: a client publisher that asked for it gets a 503 status on its reply subject when no
 *       subscription took the message;</li>
 *   <li>accounting: a delivery to a client or peer counts as an out message of the server (added when the
 *       batch ends), marks the receiver for the end-of-batch flush and feeds the publisher's flow control
 *       ({@link ProducerFlowControl}), the same for every sender.</li>
 * </ul>
 */
public final class FanOut {

    /** Imports can chain (A exports to B, B to C); this bounds a cycle. */
    static final int MAX_RELAY_DEPTH = 8;

    private final SubscriptionOwner sender;
    private final ConnectionKind senderKind;
    /** The publisher when it is a client (echo, no-responders, internal subscribers' "from"), else null. */
    private final ClientConnection client;
    private final ServerStats stats;
    private final ProducerFlowControl flow;
    private final PendingFlushSet pendingFlush = new PendingFlushSet();
    private final ImportRelay.Destination[] destinations = new ImportRelay.Destination[MAX_RELAY_DEPTH];
    private final Message[] relayed = new Message[MAX_RELAY_DEPTH];
    /** Per import depth: the peers one message matched, sent once each when its fan-out ends. */
    private final PeerBatch[] peerBatches = new PeerBatch[MAX_RELAY_DEPTH + 1];
    private boolean echo = true;
    /** Deliveries so far (subscriptions that took a message, relayed ones included). */
    private long deliveries;
    private long batchOutMsgs;
    private long batchOutBytes;

    /**
     * @param senderKind the kind of the publisher
     * @param sender the publishing connection when it can also receive (echo and loop rules), else null
     * @param stats the server's counters (out messages and bytes), or null
     * @param flow the publisher's flow control, or null when it cannot be held back
     */
    public FanOut(ConnectionKind senderKind, SubscriptionOwner sender, ServerStats stats, ProducerFlowControl flow) {
        this.sender = sender;
        this.senderKind = senderKind;
        this.client = sender instanceof ClientConnection c ? c : null;
        this.stats = stats;
        this.flow = flow;
    }

    /** The publisher's CONNECT {@code echo}: false keeps its own messages from it. */
    void echo(boolean echo) {
        this.echo = echo;
    }

    /**
     * Delivers {@code msg} to the subscriptions {@code r} of the publisher's account. Returns the number of
     * subscriptions that took it.
     */
    public int deliver(Message msg, SublistResult r) {
        long before = deliveries;
        deliverTo(msg, r, 0);
        return (int) (deliveries - before);
    }

    /** Matches {@code msg} in {@code account} (its shared cache), then {@link #deliver}s it. */
    public int publish(Account account, Message msg) {
        return deliver(msg, account.match(msg.subjectArray(), msg.subjectOffset(), msg.subjectLength()));
    }

    private void deliverTo(Message msg, SublistResult r, int depth) {
        for (Subscription sub : r.psubs) {
            deliverOne(sub, msg, depth);
        }
        Subscription[][] qsubs = r.qsubs;
        if (qsubs.length != 0 && !(senderKind.isPeer() && !msg.hasQueueList())) {
            for (Subscription[] group : qsubs) {
                if (group.length > 0 && (!msg.hasQueueList() || msg.queueListNames(group[0].queue))) {
                    deliverToQueue(group, msg, depth);
                }
            }
        }
        PeerBatch batch = peerBatches[depth];
        if (batch != null && batch.peers > 0) {
            sendToPeers(batch, msg);
        }
    }

    /**
     * The peers this message matched, each once: a route gets one {@code RMSG} with the queue groups it was picked
     * for, never one per subscription (the other server delivers to its plain subscribers once per message).
     */
    private void sendToPeers(PeerBatch batch, Message msg) {
        for (int i = 0; i < batch.peers; i++) {
            PeerConnection peer = batch.peer[i];
            if (peer.deliverRemote(msg, batch.subs[i], batch.count[i])) {
                batchOutMsgs++;
                batchOutBytes += msg.totalSize();
                pendingFlush.add(peer);
                if (flow != null && peer instanceof FlowReceiver receiver) {
                    flow.delivered(receiver); // a client producer waits for a route that falls behind, as for a client
                }
            }
        }
        batch.clear();
    }

    /** One member of the group: a local one if any takes it, else a remote one (when allowed). */
    private boolean deliverToQueue(Subscription[] group, Message msg, int depth) {
        int n = group.length;
        if (n == 0) {
            return false;
        }
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        boolean remotes = false;
        for (int k = 0; k < n; k++) {
            Subscription sub = group[(start + k) % n];
            if (sub.owner.kind().isPeer()) {
                remotes = true;
            } else if (deliverOne(sub, msg, depth)) {
                return true;
            }
        }
        if (!remotes) {
            return false;
        }
        // no local member took it: a leaf node first, then any other server
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < n; k++) {
                Subscription sub = group[(start + k) % n];
                ConnectionKind kind = sub.owner.kind();
                if (kind.isPeer() && (kind == ConnectionKind.LEAF) == (pass == 0) && deliverOne(sub, msg, depth)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Delivers to one subscription by the kind of its owner. */
    private boolean deliverOne(Subscription sub, Message msg, int depth) {
        return switch (sub.owner) {
            case ClientConnection receiver -> {
                if (receiver == sender && !echo) {
                    yield false;
                }
                yield accounted(receiver, receiver.appendMessage(sub, msg), msg);
            }
            case InternalSubscriber is -> {
                if (sub.closed || !is.deliver(sub, client, msg)) {
                    yield false;
                }
                deliveries++;
                yield true;
            }
            case ImportRelay relay -> relay(relay, msg, depth);
            case PeerConnection peer -> {
                if (peer == sender || !peerAccepts(peer.kind()) || !peer.acceptsFrom(senderKind, msg)) {
                    yield false;
                }
                if (sub.closed) {
                    yield false;
                }
                PeerBatch batch = peerBatches[depth];
                if (batch == null) {
                    batch = peerBatches[depth] = new PeerBatch();
                }
                batch.add(peer, sub);
                deliveries++;
                yield true;
            }
            case MatchOnly m -> false;
        };
    }

    /**
     * Never route to route (every server of a cluster delivers to its own clients); a gateway gets only what
     * entered the cluster here, from this server's own connections or a leaf node, never what came over a route
     * or another gateway. Leaf nodes get everything else, subject to their loop-prevention hook.
     */
    private boolean peerAccepts(ConnectionKind receiver) {
        return switch (receiver) {
            case ROUTER -> senderKind != ConnectionKind.ROUTER;
            case GATEWAY -> senderKind != ConnectionKind.ROUTER && senderKind != ConnectionKind.GATEWAY;
            default -> true;
        };
    }

    private boolean accounted(ClientConnection receiver, int written, Message msg) {
        if (written < 0) {
            return false;
        }
        deliveries++;
        batchOutMsgs++;
        batchOutBytes += msg.totalSize();
        pendingFlush.add(receiver);
        if (flow != null && receiver != sender) {
            flow.delivered(receiver);
        }
        return true;
    }

    /**
     * Carries a message across accounts through an import: asks the relay where it goes, then fans it out there
     * under the new subject and reply (further relays included, up to {@link #MAX_RELAY_DEPTH}).
     */
    private boolean relay(ImportRelay relay, Message msg, int depth) {
        if (depth >= MAX_RELAY_DEPTH) {
            return false;
        }
        ImportRelay.Destination d = destinations[depth];
        if (d == null) {
            d = destinations[depth] = new ImportRelay.Destination();
            relayed[depth] = new Message();
        }
        if (!relay.relay(msg.subjectArray(), msg.subjectOffset(), msg.subjectLength(), msg.replyArray(),
                msg.replyOffset(), msg.replyLength(), d)) {
            return false;
        }
        Message out = relayed[depth].copyOf(msg).subject(d.subject(), d.subjectOffset(), d.subjectLength());
        if (d.replyLength() < 0) {
            out.noReply();
        } else {
            out.reply(d.reply(), d.replyOffset(), d.replyLength());
        }
        SublistResult r = d.target().match(out.subjectArray(), out.subjectOffset(), out.subjectLength());
        long before = deliveries;
        deliverTo(out, r, depth + 1);
        return deliveries > before;
    }

    /**
     * No subscription took a request of a client that asked for no-responders: a {@code 503} status goes to the
     * publisher's own subscription on the reply subject, if it has one in {@code account}.
     */
    void noResponders(Account account, Message msg) {
        if (client == null || !msg.hasReply()) {
            return;
        }
        SublistResult r = account.match(msg.replyArray(), msg.replyOffset(), msg.replyLength());
        Subscription mine = null;
        for (Subscription s : r.psubs) {
            if (s.owner == client) {
                mine = s;
                break;
            }
        }
        for (int g = 0; mine == null && g < r.qsubs.length; g++) {
            for (Subscription s : r.qsubs[g]) {
                if (s.owner == client) {
                    mine = s;
                    break;
                }
            }
        }
        if (mine != null && client.appendNoResponders(mine, msg)) {
            pendingFlush.add(client);
        }
    }

    /** Remembers a receiver to flush when the batch ends (a publisher's own protocol replies). */
    void markPending(BatchFlushable receiver) {
        pendingFlush.add(receiver);
    }

    /**
     * Ends a batch (a client's read, an internal publish): adds the out counters to the server's and flushes
     * every receiver written to, each once, in place when it lives on {@code publisherLoop}, otherwise on its
     * own loop ({@code publisherLoop} null: always on its own loop).
     */
    public void endBatch(EventLoop publisherLoop) {
        if (batchOutMsgs != 0) {
            if (stats != null) {
                stats.outMsgs.add(batchOutMsgs);
                stats.outBytes.add(batchOutBytes);
            }
            batchOutMsgs = 0;
            batchOutBytes = 0;
        }
        PendingFlushSet set = pendingFlush;
        int n = set.size();
        for (int i = 0; i < n; i++) {
            set.get(i).flushFrom(publisherLoop);
        }
        set.clear();
    }
}
