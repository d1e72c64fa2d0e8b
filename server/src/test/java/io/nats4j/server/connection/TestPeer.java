package io.nats4j.server.connection;

import io.nats4j.server.auth.Account;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only kind of connection: a stand-in for a route, gateway or leaf node. It is all a new kind needs —
 * this class (a {@link PeerConnection}) and the fan-out's existing case for peers: it subscribes through the
 * account (so its subscriptions are matched like any other), receives through the real {@link FanOut}, and
 * publishes through one of its own, as a route would for an {@code RMSG}.
 */
final class TestPeer implements PeerConnection {

    private static final AtomicInteger IDS = new AtomicInteger();

    private final long id = 2_000_000_000L + IDS.incrementAndGet();
    private final ConnectionKind kind;
    private final FanOut fanOut;
    private final Message message = new Message();
    /** What arrived: "subject sid [reply] body". */
    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger flushes = new AtomicInteger();
    /** The loop-prevention hook's answer. */
    volatile boolean accepts = true;

    TestPeer(ConnectionKind kind) {
        this.kind = kind;
        this.fanOut = new FanOut(kind, this, null, null);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public ConnectionKind kind() {
        return kind;
    }

    @Override
    public boolean deliverRemote(Message msg, Subscription[] subs, int count) {
        for (int i = 0; i < count; i++) {
            received.add(msg.subjectString() + " " + subs[i].sidString() + (msg.hasReply() ? " " + msg.replyString() : "")
                    + " " + new String(msg.bodyBytes(), StandardCharsets.UTF_8));
        }
        return true;
    }

    @Override
    public boolean acceptsFrom(ConnectionKind sender, Message msg) {
        return accepts;
    }

    @Override
    public void flushFrom(EventLoop publisherLoop) {
        flushes.incrementAndGet();
    }

    /** Subscribes in {@code account} on behalf of the remote side. */
    Subscription subscribe(Account account, String subject, String queue, String sid) {
        Subscription s = new Subscription(this, subject, queue, sid.getBytes(StandardCharsets.US_ASCII));
        account.subscribe(s);
        return s;
    }

    /** A message that arrived from the remote side; {@code queues} is its queue list, or null for none. */
    int publish(Account account, String subject, String reply, String body, String... queues) {
        byte[] subj = subject.getBytes(StandardCharsets.US_ASCII);
        ByteBuf data = Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8));
        Message m = message.subject(subj, 0, subj.length).sizes(-1, data.readableBytes()).data(data, 0);
        if (reply != null) {
            byte[] r = reply.getBytes(StandardCharsets.US_ASCII);
            m.reply(r, 0, r.length);
        } else {
            m.noReply();
        }
        if (queues.length > 0) {
            String joined = String.join("", queues);
            int[] offs = new int[queues.length];
            int[] lens = new int[queues.length];
            for (int i = 0, at = 0; i < queues.length; at += queues[i].length(), i++) {
                offs[i] = at;
                lens[i] = queues[i].length();
            }
            m.queues(joined.getBytes(StandardCharsets.US_ASCII), offs, lens, queues.length);
        } else {
            m.noQueueList();
        }
        try {
            return fanOut.publish(account, m);
        } finally {
            fanOut.endBatch(null);
        }
    }
}
