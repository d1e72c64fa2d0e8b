package io.nats4j.server.connection;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.protocol.ProtocolError;
import io.nats4j.server.protocol.ProtocolHandler;
import io.nats4j.server.protocol.ProtocolParser;
import io.nats4j.server.subject.MatchCache;
import io.nats4j.server.subject.Sublist;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subjects;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.subject.SubscriptionOwner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client connection: the Netty handler, the protocol handler and the receiving end of deliveries.
 *
 * <p>Threading: everything reading input (parser, CONNECT options, per-connection caches, the pending
 * flush set) is touched only by this connection's event loop. The outbound buffer is written by any
 * publisher's loop under {@link #outLock} and handed to the channel only by this connection's loop.
 * Lock order: a thread holds at most one connection's {@code outLock} at a time and takes no other lock
 * while holding it (the subject index locks are never taken under it).
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter implements ProtocolHandler, SubscriptionOwner {

    private static final byte[] PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MSG = "MSG ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HMSG = "HMSG ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_RESPONDERS_HEADER = "16 16\r\nNATS/1.0 503\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final short CRLF = ('\r' << 8) | '\n';
    /** nats-server sends the first PING to a client early (firstClientPingInterval). */
    static final long FIRST_PING_DELAY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int INITIAL_OUT_BUFFER = 1024;
    private static final int MAX_OUT_BUFFER_HINT = 256 * 1024;
    /** nats-server 2.9 stalls a fast producer for up to a second. */
    static final long STALL_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long STALL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ServerContext server;
    private final ServerOptions opts;
    private final ServerLogger log;
    private final long cid;
    private final long maxPending;

    private Channel channel;
    private EventLoop loop;
    private ByteBufAllocator alloc;
    private ProtocolParser parser;
    private String remote = "?";
    private String remoteIp = "";
    private int remotePort;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();

    private Account account;
    private Sublist sublist;
    private final MatchCache matchCache = new MatchCache();
    private final ConcurrentHashMap<String, Subscription> subs = new ConcurrentHashMap<>();
    private final PendingFlushSet pendingFlush = new PendingFlushSet();

    // CONNECT options (event loop only)
    private boolean connectReceived;
    private ConnectOptions connectOptions;
    // nats-server's defaults until CONNECT says otherwise: verbose and pedantic are on
    private boolean verbose = true;
    private boolean pedantic = true;
    private boolean echo = true;
    private boolean headers;
    private boolean noResponders;
    private String name = "";
    private String lang = "";
    private String version = "";

    // input stats (event loop only), flushed to the server's counters per read batch
    private long inMsgs;
    private long inBytes;
    private long batchInMsgs;
    private long batchInBytes;
    private long batchOutMsgs;
    private long batchOutBytes;

    // outbound: guarded by outLock
    private final Object outLock = new Object();
    private final OutboundQueue out = new OutboundQueue();
    /** What {@link #flushOutbound} is handing to the channel: this connection's loop only, empty in between. */
    private final OutboundQueue flushing = new OutboundQueue();
    private long outMsgs;
    private long outBytes;
    /** Bytes handed to the channel so far; with the channel's pending bytes this shows write progress. */
    private volatile long handedOff;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Size of the last flushed buffer: the next buffer starts that big, so it rarely has to grow. */
    private int lastFlushBytes = INITIAL_OUT_BUFFER;
    private final Runnable flushTask = this::scheduledFlush;

    /** Set when an append left this receiver over half its max_pending (read by producers, racy hint). */
    private volatile boolean overStallThreshold;
    /** The receiver this producer waits for while stalled (event loop only). */
    private ClientConnection stalledOn;
    private long stallStartNanos;
    private long stalls;

    private volatile boolean closed;
    private volatile ClosedState closedState;

    // pings (event loop only)
    private int pingsOut;
    private long lastInNanos;
    private long rttStartNanos;
    private long rttNanos;
    private ScheduledFuture<?> pingTimer;

    // write deadline tracking (read by the server's housekeeping thread)
    private long lastWrittenSample;
    private long stalledSinceNanos;

    public ClientConnection(ServerContext server) {
        this.server = server;
        this.opts = server.options();
        this.log = server.logger();
        this.cid = server.nextClientId();
        this.maxPending = opts.maxPending;
    }

    @Override
    public long id() {
        return cid;
    }

    public Account account() {
        return account;
    }

    public String remoteIp() {
        return remoteIp;
    }

    public int remotePort() {
        return remotePort;
    }

    /** The client's CONNECT, or null before it arrived. */
    public ConnectOptions connectOptions() {
        return connectOptions;
    }

    public String name() {
        return name;
    }

    public String lang() {
        return lang;
    }

    public String clientVersion() {
        return version;
    }

    public long startMillis() {
        return startMillis;
    }

    public int subscriptionCount() {
        return subs.size();
    }

    public boolean isClosed() {
        return closed;
    }

    public ClosedState closedState() {
        return closedState;
    }

    /** How many times this producer was stalled by a slow receiver. */
    public long stalls() {
        return stalls;
    }

    public long rttNanos() {
        return rttNanos;
    }

    private String prefix() {
        return remote + " - cid:" + cid + " - ";
    }

    // ------------------------------------------------------------------ Netty lifecycle

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = channel.eventLoop();
        alloc = ctx.alloc();
        if (channel.remoteAddress() instanceof InetSocketAddress isa) {
            remoteIp = isa.getAddress() == null ? isa.getHostString() : isa.getAddress().getHostAddress();
            remotePort = isa.getPort();
            remote = (remoteIp.indexOf(':') >= 0 ? "[" + remoteIp + "]" : remoteIp) + ":" + remotePort;
        }
        parser = new ProtocolParser(this, alloc, opts.maxControlLine, opts.maxPayload);
        account = server.globalAccount();
        sublist = account.sublist();
        lastInNanos = System.nanoTime();
        if (log.isDebugEnabled()) {
            log.debug(prefix() + "Client connection created");
        }
        channel.writeAndFlush(channel.alloc().buffer().writeBytes(server.infoFor(this)), channel.voidPromise());
        if (!server.register(this)) {
            sendErrAndClose("maximum connections exceeded", ClosedState.MAX_CONNECTIONS_EXCEEDED);
            return;
        }
        registered = true;
        account.addConnection();
        long firstPing = Math.min(FIRST_PING_DELAY_NANOS, opts.pingInterval.toNanos());
        pingTimer = loop.schedule(this::pingTimerFired, firstPing, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!closed) {
                lastInNanos = System.nanoTime();
                parser.parse(in);
            }
        } finally {
            ReferenceCountUtil.release(in);
        }
        // One flush per receiver per read (as nats-server's readLoop does), not per Netty read batch: a
        // batch can hold up to 16 reads, and holding them all would inflate every receiver's pending bytes.
        flushPending();
        if (stalledOn != null && !closed) {
            stallProducer();
        }
    }

    /**
     * A receiver of this producer is over half its max_pending: stop reading from this producer until the
     * receiver drains below half, it closes, or {@link #STALL_MAX_NANOS} passes (nats-server stalls a fast
     * producer the same way). Only this connection stops reading; its event loop keeps serving others.
     */
    private void stallProducer() {
        stallStartNanos = System.nanoTime();
        stalls++;
        channel.config().setAutoRead(false);
        loop.schedule(this::checkStall, STALL_CHECK_NANOS, TimeUnit.NANOSECONDS);
    }

    private void checkStall() {
        ClientConnection r = stalledOn;
        if (closed) {
            return;
        }
        if (r == null || r.closed || r.pendingBytes() <= r.maxPending / 2
                || System.nanoTime() - stallStartNanos > STALL_MAX_NANOS) {
            stalledOn = null;
            channel.config().setAutoRead(true);
            return;
        }
        loop.schedule(this::checkStall, STALL_CHECK_NANOS, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeNow(closedState == null ? ClosedState.CLIENT_CLOSED : closedState);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            if (log.isDebugEnabled()) {
                log.debug(prefix() + "Client connection error: " + cause.getMessage());
            }
            closeNow(ClosedState.READ_ERROR);
        } else {
            log.error(prefix() + "Unexpected error, closing: " + cause);
            closeNow(ClosedState.PROTOCOL_VIOLATION);
        }
    }

    // ------------------------------------------------------------------ protocol callbacks

    @Override
    public void onConnect(ProtocolParser p, int off, int len) {
        if (log.isTraceEnabled()) {
            log.trace(prefix() + "<<- [CONNECT " + redactPass(new String(p.line(), off, len, StandardCharsets.UTF_8)) + "]");
        }
        ConnectOptions co;
        try {
            co = ConnectOptions.parse(p.line(), off, len);
        } catch (IllegalArgumentException e) {
            log.error(prefix() + "Client parser ERROR: " + e.getMessage());
            closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
            parser.close();
            return;
        }
        connectOptions = co;
        verbose = co.verbose;
        pedantic = co.pedantic;
        echo = co.echo;
        headers = co.headers && !opts.noHeaderSupport;
        noResponders = co.noResponders;
        name = co.name;
        lang = co.lang;
        version = co.version;
        int protocol = co.protocol;
        connectReceived = true;
        if (protocol < 0 || protocol > 1) {
            sendErrAndClose("invalid client protocol", ClosedState.BAD_CLIENT_PROTOCOL_VERSION);
            return;
        }
        if (noResponders && !headers) {
            sendErrAndClose("no responders requires headers support", ClosedState.NO_RESPONDERS_REQUIRES_HEADERS);
            return;
        }
        if (verbose) {
            queueOwn(OK);
        }
    }

    private static String redactPass(String json) {
        return json.replaceAll("(\"(?:pass|auth_token|sig)\"\\s*:\\s*\")[^\"]*\"", "$1[REDACTED]\"");
    }

    @Override
    public void onPing() {
        if (log.isTraceEnabled()) {
            log.trace(prefix() + "<<- [PING]");
        }
        queueOwn(PONG);
    }

    @Override
    public void onPong() {
        if (log.isTraceEnabled()) {
            log.trace(prefix() + "<<- [PONG]");
        }
        pingsOut = 0;
        if (rttStartNanos != 0) {
            rttNanos = System.nanoTime() - rttStartNanos;
        }
    }

    @Override
    public void onSub(ProtocolParser p) {
        byte[] l = p.line();
        int n = p.argCount();
        String subject = new String(l, p.argOffset(0), p.argLength(0), StandardCharsets.UTF_8);
        String queue = n == 3 ? new String(l, p.argOffset(1), p.argLength(1), StandardCharsets.UTF_8) : null;
        byte[] sid = new byte[p.argLength(n - 1)];
        System.arraycopy(l, p.argOffset(n - 1), sid, 0, sid.length);
        if (log.isTraceEnabled()) {
            log.trace(prefix() + "<<- [SUB " + subject + (queue == null ? "" : " " + queue) + " "
                    + new String(sid, StandardCharsets.US_ASCII) + "]");
        }
        if (!Subjects.isValidSubject(subject)) {
            queueErr("Invalid Subject");
            return;
        }
        String sidKey = new String(sid, StandardCharsets.US_ASCII);
        if (opts.maxSubscriptions > 0 && subs.size() >= opts.maxSubscriptions && !subs.containsKey(sidKey)) {
            log.error(prefix() + "Maximum Subscriptions Exceeded (max " + opts.maxSubscriptions + ")");
            queueErr("maximum subscriptions exceeded");
            return;
        }
        Subscription sub = new Subscription(this, subject, queue, sid);
        if (subs.putIfAbsent(sidKey, sub) == null) {
            sublist.insert(sub);
        }
        if (verbose) {
            queueOwn(OK);
        }
    }

    @Override
    public void onUnsub(ProtocolParser p) {
        byte[] l = p.line();
        String sidKey = new String(l, p.argOffset(0), p.argLength(0), StandardCharsets.US_ASCII);
        int max = p.argCount() == 2 ? ProtocolParser.parseSize(l, p.argOffset(1), p.argLength(1)) : 0;
        if (log.isTraceEnabled()) {
            log.trace(prefix() + "<<- [UNSUB " + sidKey + (max > 0 ? " " + max : "") + "]");
        }
        Subscription sub = subs.get(sidKey);
        if (sub != null) {
            boolean removeNow;
            synchronized (outLock) {
                if (max > 0 && sub.delivered < max) {
                    sub.maxMsgs = max;
                    removeNow = false;
                } else {
                    removeNow = true;
                }
            }
            if (removeNow) {
                removeSubscription(sub);
            }
        }
        if (verbose) {
            queueOwn(OK);
        }
    }

    @Override
    public void onIgnoredOp() {
        // INFO, +OK and -ERR from a client carry nothing for the server.
    }

    @Override
    public void onProtocolError(ProtocolError error, String detail) {
        switch (error) {
            case MAX_PAYLOAD -> {
                log.error(prefix() + detail);
                sendErrAndClose(error.clientText(), ClosedState.MAX_PAYLOAD_EXCEEDED);
            }
            case MAX_CONTROL_LINE -> {
                log.error(prefix() + "Client parser ERROR: " + detail);
                sendErrAndClose(error.clientText(), ClosedState.MAX_CONTROL_LINE_EXCEEDED);
            }
            case UNKNOWN_OPERATION -> {
                log.error(prefix() + "Client parser ERROR: " + detail);
                sendErrAndClose(error.clientText(), ClosedState.PROTOCOL_VIOLATION);
            }
            case BAD_ARGUMENTS -> {
                log.error(prefix() + "Client parser ERROR: " + detail);
                closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
            }
        }
    }

    // ------------------------------------------------------------------ publish path

    @Override
    public void onMessage(ProtocolParser p, ByteBuf payload) {
        int size = p.totalSize();
        inMsgs++;
        inBytes += size;
        batchInMsgs++;
        batchInBytes += size;
        byte[] l = p.line();
        int subjOff = p.subjectOffset();
        int subjLen = p.subjectLength();
        if (log.isTraceEnabled()) {
            traceInMessage(p, payload);
        }
        if (p.headerSize() >= 0 && !headers) {
            // nats-server closes a client that sends HPUB without announcing header support, without -ERR
            log.error(prefix() + "Client parser ERROR: message headers not supported");
            closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
            parser.close();
            return;
        }
        if (pedantic && !Subjects.isValidLiteralSubject(l, subjOff, subjLen)) {
            // as nats-server: the error is sent and the message is still delivered
            queueErr("Invalid Publish Subject");
        }
        if (verbose) {
            queueOwn(OK);
        }
        SublistResult r = matchCache.match(sublist, l, subjOff, subjLen);
        boolean delivered = false;
        Subscription[] psubs = r.psubs;
        for (Subscription sub : psubs) {
            if (!echo && sub.owner == this) {
                continue;
            }
            delivered |= deliver(sub, p, payload);
        }
        Subscription[][] qsubs = r.qsubs;
        for (Subscription[] group : qsubs) {
            delivered |= deliverToQueue(group, p, payload);
        }
        if (!delivered && noResponders && p.hasReply()) {
            sendNoResponders(p);
        }
    }

    private boolean deliverToQueue(Subscription[] group, ProtocolParser p, ByteBuf payload) {
        int n = group.length;
        if (n == 0) {
            return false;
        }
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        for (int k = 0; k < n; k++) {
            Subscription sub = group[(start + k) % n];
            if (!echo && sub.owner == this) {
                continue;
            }
            if (deliver(sub, p, payload)) {
                return true;
            }
        }
        return false;
    }

    /** Delivers to one subscription and records the receiver for the end-of-batch flush. */
    private boolean deliver(Subscription sub, ProtocolParser p, ByteBuf payload) {
        ClientConnection receiver = (ClientConnection) sub.owner;
        int written = receiver.appendMessage(sub, p, payload);
        if (written < 0) {
            return false;
        }
        batchOutMsgs++;
        batchOutBytes += p.totalSize();
        pendingFlush.add(receiver);
        if (receiver.overStallThreshold && receiver != this) {
            stalledOn = receiver;
        }
        return true;
    }

    /**
     * Appends a MSG/HMSG frame for {@code sub} to this connection's outbound buffer. Called on the
     * publisher's loop. Returns the bytes queued, or -1 when nothing was delivered (closed, slow consumer,
     * or the subscription reached its maximum).
     */
    int appendMessage(Subscription sub, ProtocolParser p, ByteBuf payload) {
        if (closed || sub.closed) {
            return -1;
        }
        byte[] l = p.line();
        boolean hdr = p.headerSize() >= 0;
        int size = p.totalSize();
        int lineLen = (hdr ? 5 : 4) + p.subjectLength() + 1 + sub.sid.length + 1
                + (p.hasReply() ? p.replyLength() + 1 : 0)
                + (hdr ? p.headerSizeDigitsLength() + 1 : 0) + p.totalSizeDigitsLength() + 2;
        int frame = lineLen + size + 2;
        boolean removeAfter = false;
        synchronized (outLock) {
            if (closed) {
                return -1;
            }
            if (sub.maxMsgs > 0) {
                if (sub.delivered >= sub.maxMsgs) {
                    return -1;
                }
                removeAfter = sub.delivered + 1 == sub.maxMsgs;
            }
            long pending = out.readableBytes() + channelPendingBytes();
            if (pending + frame > maxPending) {
                markSlowConsumer(ClosedState.SLOW_CONSUMER_PENDING_BYTES);
                return -1;
            }
            ByteBuf b = out.writable(alloc, frame, lastFlushBytes);
            b.writeBytes(hdr ? HMSG : MSG);
            b.writeBytes(l, p.subjectOffset(), p.subjectLength());
            b.writeByte(' ');
            b.writeBytes(sub.sid);
            b.writeByte(' ');
            if (p.hasReply()) {
                b.writeBytes(l, p.replyOffset(), p.replyLength());
                b.writeByte(' ');
            }
            if (hdr) {
                b.writeBytes(l, p.headerSizeDigitsOffset(), p.headerSizeDigitsLength());
                b.writeByte(' ');
            }
            b.writeBytes(l, p.totalSizeDigitsOffset(), p.totalSizeDigitsLength());
            b.writeShort(CRLF);
            b.writeBytes(payload, payload.readerIndex(), size);
            b.writeShort(CRLF);
            sub.delivered++;
            outMsgs++;
            outBytes += size;
            overStallThreshold = pending + frame > maxPending / 2;
        }
        if (removeAfter) {
            removeSubscription(sub);
        }
        return frame;
    }

    private void sendNoResponders(ProtocolParser p) {
        byte[] l = p.line();
        String reply = new String(l, p.replyOffset(), p.replyLength(), StandardCharsets.UTF_8);
        SublistResult r = sublist.match(reply);
        Subscription mine = null;
        for (Subscription s : r.psubs) {
            if (s.owner == this) {
                mine = s;
                break;
            }
        }
        if (mine == null) {
            for (Subscription[] g : r.qsubs) {
                for (Subscription s : g) {
                    if (s.owner == this) {
                        mine = s;
                        break;
                    }
                }
            }
        }
        if (mine == null) {
            return;
        }
        synchronized (outLock) {
            if (closed) {
                return;
            }
            ByteBuf b = outBufForWrite(16 + p.replyLength() + mine.sid.length + NO_RESPONDERS_HEADER.length);
            b.writeBytes(HMSG);
            b.writeBytes(l, p.replyOffset(), p.replyLength());
            b.writeByte(' ');
            b.writeBytes(mine.sid);
            b.writeByte(' ');
            b.writeBytes(NO_RESPONDERS_HEADER);
        }
        pendingFlush.add(this);
    }

    private void traceInMessage(ProtocolParser p, ByteBuf payload) {
        String args = new String(p.line(), 0, p.lineLength(), StandardCharsets.UTF_8);
        int sp = args.indexOf(' ');
        String verb = sp > 0 ? args.substring(0, sp).toUpperCase(java.util.Locale.ROOT) : args;
        log.trace(prefix() + "<<- [" + verb + " " + (sp > 0 ? args.substring(sp + 1).trim() : "") + "]");
        int n = Math.min(p.totalSize(), 1024);
        log.trace(prefix() + "<<- MSG_PAYLOAD: [\"" + payload.toString(payload.readerIndex(), n, StandardCharsets.UTF_8) + "\"]");
    }

    // ------------------------------------------------------------------ outbound

    /** Must hold outLock. */
    private ByteBuf outBufForWrite(int bytes) {
        return out.writable(alloc, bytes, lastFlushBytes);
    }

    /**
     * Queues a protocol line for this connection. Only from parser callbacks (inside a read batch), so
     * the end-of-batch flush sends it.
     */
    private void queueOwn(byte[] proto) {
        synchronized (outLock) {
            if (closed) {
                return;
            }
            outBufForWrite(proto.length).writeBytes(proto);
        }
        pendingFlush.add(this);
    }

    private void queueErr(String text) {
        queueOwn(("-ERR '" + text + "'\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private long channelPendingBytes() {
        Channel ch = channel;
        if (ch == null) {
            return 0;
        }
        ChannelOutboundBuffer cob = ch.unsafe().outboundBuffer();
        return cob == null ? 0 : cob.totalPendingWriteBytes();
    }

    /** Bytes queued for this client and not yet written to the socket. */
    public long pendingBytes() {
        long own;
        synchronized (outLock) {
            own = out.readableBytes();
        }
        return own + channelPendingBytes();
    }

    /** Ends a read batch: flushes every receiver written to, each once (in place or on its own loop). */
    private void flushPending() {
        ServerStats stats = server.stats();
        if (batchInMsgs != 0) {
            stats.inMsgs.add(batchInMsgs);
            stats.inBytes.add(batchInBytes);
            batchInMsgs = 0;
            batchInBytes = 0;
        }
        if (batchOutMsgs != 0) {
            stats.outMsgs.add(batchOutMsgs);
            stats.outBytes.add(batchOutBytes);
            batchOutMsgs = 0;
            batchOutBytes = 0;
        }
        PendingFlushSet set = pendingFlush;
        int n = set.size();
        for (int i = 0; i < n; i++) {
            set.get(i).flushFrom(loop);
        }
        set.clear();
    }

    private void flushFrom(EventLoop publisherLoop) {
        if (loop == publisherLoop) {
            flushOutbound();
        } else if (flushScheduled.compareAndSet(false, true)) {
            loop.execute(flushTask);
        }
    }

    private void scheduledFlush() {
        flushScheduled.set(false);
        flushOutbound();
    }

    /** Hands the queued bytes to the channel. On this connection's loop only. */
    void flushOutbound() {
        synchronized (outLock) {
            if (out.isEmpty()) {
                return;
            }
            // a racy hint for the next allocation; bounded so one burst does not pin a huge buffer
            lastFlushBytes = (int) Math.min(Math.max(INITIAL_OUT_BUFFER, out.readableBytes()), MAX_OUT_BUFFER_HINT);
            out.moveTo(flushing);
        }
        if (closed) {
            flushing.release();
            return;
        }
        handedOff += flushing.writeAndFlush(channel);
    }

    /** Sends {@code -ERR 'text'}, flushes, then closes with {@code reason}. */
    private void sendErrAndClose(String text, ClosedState reason) {
        synchronized (outLock) {
            if (!closed) {
                outBufForWrite(text.length() + 10).writeBytes(("-ERR '" + text + "'\r\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        if (parser != null) {
            parser.close();
        }
        closeAfterFlush(reason);
    }

    /** Flushes what is queued and closes once it is written. On this connection's loop. */
    private void closeAfterFlush(ClosedState reason) {
        if (closed) {
            return;
        }
        if (closedState == null) {
            closedState = reason;
        }
        synchronized (outLock) {
            out.moveTo(flushing);
        }
        if (flushing.readableBytes() > 0 && channel.isActive()) {
            handedOff += flushing.writeAndFlush(channel);
            // an empty write completes after the ones queued before it
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> closeNow(reason));
            // stop reading and delivering right away
            closed = true;
            detach(reason);
        } else {
            flushing.release();
            closeNow(reason);
        }
    }

    private void markSlowConsumer(ClosedState reason) {
        // Called under outLock from any loop: stop accepting data now, close on our loop.
        if (closed) {
            return;
        }
        closed = true;
        closedState = reason;
        server.stats().slowConsumers.increment();
        out.release();
        log.notice(prefix() + "Slow Consumer Detected: " + (reason == ClosedState.SLOW_CONSUMER_PENDING_BYTES
                ? "MaxPending of " + maxPending + " Exceeded"
                : "WriteDeadline of " + opts.writeDeadline.toMillis() + "ms exceeded"));
        loop.execute(() -> closeNow(reason));
    }

    /** Closes from any thread. */
    public void close(ClosedState reason) {
        if (loop == null) {
            return;
        }
        if (loop.inEventLoop()) {
            closeNow(reason);
        } else {
            loop.execute(() -> closeNow(reason));
        }
    }

    /** Closes on this loop: idempotent. */
    private void closeNow(ClosedState reason) {
        if (closedState == null) {
            closedState = reason;
        }
        closed = true;
        detach(closedState);
        if (channel != null && channel.isOpen()) {
            channel.close();
        }
    }

    private boolean detached;
    private boolean registered;

    /** Removes the connection from the server and its account: once. */
    private void detach(ClosedState reason) {
        if (detached) {
            return;
        }
        detached = true;
        if (parser != null) {
            parser.close();
        }
        if (pingTimer != null) {
            pingTimer.cancel(false);
        }
        List<Subscription> all = new ArrayList<>(subs.values());
        subs.clear();
        for (Subscription s : all) {
            s.closed = true;
        }
        if (sublist != null && !all.isEmpty()) {
            sublist.removeAll(all);
        }
        synchronized (outLock) {
            out.release();
        }
        if (registered) {
            server.unregister(this);
            account.removeConnection();
        }
        if (log.isDebugEnabled()) {
            log.debug(prefix() + "Client connection closed: " + reason.text());
        }
    }

    private void removeSubscription(Subscription sub) {
        if (subs.remove(sub.sidString(), sub)) {
            sub.closed = true;
            sublist.remove(sub);
        }
    }

    // ------------------------------------------------------------------ timers

    private void pingTimerFired() {
        pingTimer = null;
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        long interval = opts.pingInterval.toNanos();
        boolean needRtt = rttNanos == 0;
        if (now - lastInNanos < interval && !needRtt) {
            if (log.isDebugEnabled()) {
                log.debug(prefix() + "Delaying PING due to client activity");
            }
        } else {
            if (pingsOut + 1 > opts.pingMax) {
                log.debug(prefix() + "Stale Client Connection - Closing");
                sendErrAndClose("Stale Connection", ClosedState.STALE_CONNECTION);
                return;
            }
            pingsOut++;
            rttStartNanos = System.nanoTime();
            if (log.isTraceEnabled()) {
                log.trace(prefix() + "->> [PING]");
            }
            queueOwnOutsideRead(PING);
        }
        pingTimer = loop.schedule(this::pingTimerFired, interval, TimeUnit.NANOSECONDS);
    }

    private void queueOwnOutsideRead(byte[] proto) {
        synchronized (outLock) {
            if (closed) {
                return;
            }
            outBufForWrite(proto.length).writeBytes(proto);
        }
        flushOutbound();
    }

    /**
     * Called periodically by the server's housekeeping (any thread): closes this client as a slow
     * consumer when its socket has made no write progress for write_deadline while data was pending.
     */
    public void checkWriteDeadline(long nowNanos, long deadlineNanos) {
        if (closed || deadlineNanos <= 0) {
            return;
        }
        long pending = channelPendingBytes();
        long written = handedOff - pending;
        if (pending == 0 || written != lastWrittenSample) {
            lastWrittenSample = written;
            stalledSinceNanos = 0;
            return;
        }
        if (stalledSinceNanos == 0) {
            stalledSinceNanos = nowNanos;
        } else if (nowNanos - stalledSinceNanos > deadlineNanos) {
            synchronized (outLock) {
                markSlowConsumer(ClosedState.SLOW_CONSUMER_WRITE_DEADLINE);
            }
        }
    }

    @Override
    public String toString() {
        return "cid:" + cid + " " + remote;
    }

    long outMsgs() {
        synchronized (outLock) {
            return outMsgs;
        }
    }

    long outBytes() {
        synchronized (outLock) {
            return outBytes;
        }
    }

    public long inMsgs() {
        return inMsgs;
    }

    public long inBytes() {
        return inBytes;
    }

    boolean connectReceived() {
        return connectReceived;
    }

    long startNanos() {
        return startNanos;
    }
}
