package io.nats4j.server.connection;

import io.nats4j.server.HotSettings;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.ClientPermissions;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.protocol.ConnectOptions;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.protocol.ProtocolError;
import io.nats4j.server.protocol.ProtocolHandler;
import io.nats4j.server.protocol.ProtocolParser;
import io.nats4j.server.subject.MatchCache;
import io.nats4j.server.subject.Sublist;
import io.nats4j.server.subject.Subscription;
import io.nats4j.server.tls.TlsConnectionState;
import io.nats4j.server.tls.TlsIdentity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * One client connection: the Netty handler, the protocol handler and the receiving end of deliveries.
 *
 * <p>Threading: everything reading input (parser, CONNECT options, per-connection caches, the pending
 * flush set) is touched only by this connection's event loop. The outbound buffer is written by any
 * publisher's thread under {@link Outbound#lock} and handed to the channel only by this connection's loop.
 * Lock order: a thread holds at most one connection's outbound lock at a time and takes no other lock
 * while holding it (the subject index locks are never taken under it).
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter
        implements ProtocolHandler, SubscriptionOwner, BatchFlushable, FlowReceiver {

    private static final byte[] PONG = "PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    final ServerContext server;
    final ServerLogger log;
    final long cid;
    /** Changed by a config reload (max_pending); read by publishers' loops. */
    volatile long maxPending;

    Channel channel;
    EventLoop loop;
    ByteBufAllocator alloc;
    ProtocolParser parser;
    String remote = "?";
    String remoteIp = "";
    int remotePort;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final Instant startTime = Instant.now();

    Account account;
    Sublist sublist;
    final MatchCache matchCache = new MatchCache();
    /** The outbound buffer and flush, the message framing, the subscriptions: one class per role. */
    final Outbound outbound = new Outbound(this);
    private final MessageWriter writer = new MessageWriter(this, outbound);
    final ClientSubscriptions subscriptions;
    /** CONNECT and authentication; re-authorization on reloads and account JWT updates. */
    final ClientAuth auth = new ClientAuth(this);
    private final Reauthorization reauth = new Reauthorization(this);
    /** What this client publishes: the checks, then the fan-out. */
    private final ClientPublisher publisher;

    // authentication (event loop only, except perms: set before any subscription exists, then read by
    // publishers' loops after the sublist insert that makes this connection reachable)
    boolean awaitingAuth;
    String nonce;
    ScheduledFuture<?> authTimer;
    /** Closes the client when its user or account JWT expires (operator mode). */
    ScheduledFuture<?> expiryTimer;
    String userName;
    /** Replaced by a config reload (on this loop); read by publishers' loops, hence volatile. */
    volatile ClientPermissions perms;
    /** Producer flow control (stall, pacing) and the fan-out of what this client publishes. */
    final ProducerFlowControl flow = new ProducerFlowControl(this);
    final FanOut fanOut;

    // auth callout or account fetch (event loop only): CONNECT waits for the service's answer, or for a remote
    // resolver, with the parser paused and any input that arrived after CONNECT held here (reading is off until
    // the answer came)
    boolean calloutPending;
    ByteBuf heldInput;
    /**
     * Authorized by the auth callout: a config reload keeps its account and permissions. Written on the loop;
     * read by account JWT updates on other threads.
     */
    volatile boolean calloutAuthorized;

    // CONNECT options (event loop only)
    boolean connectReceived;
    ConnectOptions connectOptions;
    // nats-server's defaults until CONNECT says otherwise: verbose and pedantic are on
    boolean verbose = true;
    boolean pedantic = true;
    boolean echo = true;
    /** Read by publishers on other loops to decide whether to strip headers, hence volatile. */
    volatile boolean headers;
    boolean noResponders;
    String name = "";
    String lang = "";
    String version = "";
    /** The client's version, language and name from the last CONNECT, part of every log line's prefix. */
    String clientTag = "";

    // input stats (event loop only), flushed to the server's counters per read batch
    long inMsgs;
    long inBytes;
    long batchInMsgs;
    long batchInBytes;

    volatile boolean closed;
    volatile ClosedState closedState;

    /** When the client last sent something (event loop; racy reads for monitoring and the pinger). */
    long lastInNanos;
    /** The last read filled its buffer: the socket likely has more (event loop; read by the pinger). */
    boolean lastReadFull;
    /** Keep-alive and the TLS handshake. */
    final Pinger pinger = new Pinger(this);
    final ClientTls tls = new ClientTls(this);
    final ConnectionClose closing = new ConnectionClose(this);
    /** Registered with the server (and counted in its account). */
    boolean registered;
    /** CONNECT was accepted (a connect event went out; a disconnect event follows). */
    boolean authenticated;

    public ClientConnection(ServerContext server) {
        this.server = server;
        // every line about this client goes through here: what the client sent is escaped (CR, LF, ...)
        this.log = new EscapingLogger(server.logger());
        this.cid = server.nextClientId();
        this.maxPending = opts().maxPending();
        this.fanOut = new FanOut(ConnectionKind.CLIENT, this, server.stats(), flow);
        this.subscriptions = new ClientSubscriptions(this, log);
        this.publisher = new ClientPublisher(this, fanOut);
    }

    /** The server's hot settings: the snapshot a config reload published last (never changed in place). */
    HotSettings opts() {
        return server.settings();
    }

    @Override
    public ConnectionKind kind() {
        return ConnectionKind.CLIENT;
    }

    @Override
    public long id() {
        return cid;
    }

    public Account account() {
        return account;
    }

    /** The nonce sent in INFO for nkey signatures, or null. */
    public String nonce() {
        return nonce;
    }

    /** The user's permissions (null = everything allowed), for $SYS.REQ.USER.INFO. */
    public io.nats4j.server.auth.Permissions permissions() {
        ClientPermissions p = perms;
        return p == null ? null : p.compiled().source();
    }

    /** The authenticated user's name or nkey, or null. */
    public String user() {
        return userName;
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
        return subscriptions.count();
    }

    /**
     * The client's subscriptions (a snapshot; after close, the ones it had when it closed). For monitoring;
     * any thread.
     */
    public List<Subscription> subscriptions() {
        return subscriptions.snapshot();
    }

    /** When the connection was accepted (wall clock, for monitoring). */
    public Instant startTime() {
        return startTime;
    }

    /** When the client last sent something (a racy read of the event loop's clock, for monitoring). */
    public Instant lastActivity() {
        return startTime.plusNanos(lastInNanos - startNanos);
    }

    /** The protocol the client announced in CONNECT (0 before CONNECT). */
    public int clientProtocol() {
        ConnectOptions co = connectOptions;
        return co == null ? 0 : (int) co.protocol;
    }

    /** The user name the client sent in CONNECT, or "" (nats-server's connz user filter matches it). */
    public String connectUser() {
        ConnectOptions co = connectOptions;
        return co == null || co.user == null ? "" : co.user;
    }

    /**
     * What /connz shows as {@code authorized_user} (nats-server's raw auth user): the nkey, else the user name,
     * else the key of the user JWT, from CONNECT; "" without. Unlike nats-server an auth token is not shown: it
     * is a secret (docs/MONITORING.md).
     */
    public String rawAuthUser() {
        return auth.rawAuthUser();
    }

    /**
     * Asks for a round-trip measurement when none exists yet (nats-server pings a client whose RTT is unknown
     * when /connz asks for it). Any thread; the PING is sent from the client's loop.
     */
    public void requestRtt() {
        EventLoop l = loop;
        if (l == null || closed || pinger.rttNanos() != 0) {
            return;
        }
        l.execute(pinger::requestRtt);
    }

    /**
     * Queues an asynchronous INFO (e.g. lame duck mode) for this client and flushes it on the client's
     * loop. Any thread; dropped when the client is closed.
     */
    public void sendAsyncInfo(byte[] info) {
        EventLoop l = loop;
        if (l == null) {
            return;
        }
        if (!outbound.queue(info)) {
            return;
        }
        if (l.inEventLoop()) {
            outbound.flush();
        } else {
            outbound.scheduleFlush();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    public ClosedState closedState() {
        return closedState;
    }

    /** How many times this producer was stalled by a slow receiver. */
    public long stalls() {
        return flow.stalls();
    }

    /** How many times this producer paused briefly for a receiver over its pacing threshold. */
    public long paces() {
        return flow.paces();
    }

    public long rttNanos() {
        return pinger.rttNanos();
    }

    /** The TLS version, suite and client identity once the handshake completed; null without TLS. */
    public TlsConnectionState tlsState() {
        return tls.state();
    }

    /**
     * The identity in the client's certificate (verify / verify_and_map), for mapping to a user; null
     * without TLS, before the handshake completed, or when the client sent no certificate.
     */
    public TlsIdentity tlsIdentity() {
        TlsConnectionState t = tls.state();
        return t == null ? null : t.peer();
    }

    String prefix() {
        return remote + " - cid:" + cid + " - " + clientTag;
    }

    // ------------------------------------------------------------------ Netty lifecycle

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ConnectionSetup.activate(this, ctx);
    }

    void sendInfo() {
        channel.writeAndFlush(channel.alloc().buffer().writeBytes(server.infoFor(this)), channel.voidPromise());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            tls.completed(ctx, done);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (reauth.limitsPending()) {
                reauth.applyPendingLimits();
            }
            if (!closed) {
                lastInNanos = System.nanoTime();
                lastReadFull = !in.isWritable();
                try {
                    parser.parse(in);
                } catch (RuntimeException e) {
                    ProtocolErrors.unexpected(this, e); // the parser is closed now: the rest of this read is dropped
                }
                if (parser.isPaused()) {
                    auth.holdInput(in);
                }
            }
        } finally {
            ReferenceCountUtil.release(in);
        }
        // One flush per receiver per read (as nats-server's readLoop does), not per Netty read batch: a
        // batch can hold up to 16 reads, and holding them all would inflate every receiver's pending bytes.
        flushPending();
        // The time a read took to process counts as the client's activity too: on a loaded machine processing one
        // read took over a second, Pinger then saw a second without input and sent its first PING to a client that
        // was still sending and closed without reading it; the client's kernel answered with a reset, which dropped
        // the rest of its input here (issue #10 item 9, BurstThenCloseTest).
        lastInNanos = System.nanoTime();
        if (flow.holdingBack() && !closed) {
            flow.stall();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeNow(closedState == null ? ClosedState.CLIENT_CLOSED : closedState);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (tls.handshakeFailed(cause)) {
            return;
        }
        if (cause instanceof IOException) {
            if (log.isDebugEnabled()) {
                log.debug(prefix() + "Client connection error: " + cause.getMessage());
            }
            closeNow(ClosedState.READ_ERROR);
        } else {
            ProtocolErrors.unexpected(this, cause);
        }
    }

    // ------------------------------------------------------------------ protocol callbacks

    /** True when the auth callout (not the client's own credentials) authorized this client. */
    public boolean isCalloutAuthorized() {
        return calloutAuthorized;
    }

    /**
     * The PEM text of the certificates the client presented over TLS (leaf first), for the auth callout
     * request; empty without TLS or client certificates. Any thread.
     */
    public List<String> tlsPeerCertificatesPem() {
        return ClientTls.peerCertificatesPem(channel);
    }

    @Override
    public void onConnect(ProtocolParser p, int off, int len) {
        auth.onConnect(p, off, len);
    }

    /**
     * A config reload happened: new limits are in the options, {@code next} holds the new accounts and users;
     * the client is checked again on its own loop ({@link Reauthorization}). Any thread.
     */
    public java.util.concurrent.Future<?> reloaded(Accounts next) {
        return reauth.reloaded(next);
    }

    /** Operator mode: the account's JWT changed; limits are applied again on the client's loop. Any thread. */
    public void jwtLimitsChanged(Accounts.ConnectionLimits limits) {
        reauth.jwtLimitsChanged(limits);
    }

    @Override
    public void onPing() {
        io.nats4j.server.StartupTrace.markFirst("PING");
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
        pinger.pong();
    }

    @Override
    public void onSub(ProtocolParser p) {
        subscriptions.onSub(p);
    }

    @Override
    public void onUnsub(ProtocolParser p) {
        subscriptions.onUnsub(p);
    }

    @Override
    public void onIgnoredOp() {
        // +OK from a client carries nothing for the server.
    }

    @Override
    public void onInfo(ProtocolParser p, int off, int len) {
        ProtocolErrors.onInfo(this, p, off, len);
    }

    @Override
    public void onClientError(ProtocolParser p, int off, int len) {
        ProtocolErrors.onClientError(this, p, off, len);
    }

    @Override
    public void onProtocolError(ProtocolError error, String detail) {
        ProtocolErrors.onProtocolError(this, error, detail);
    }

    // ------------------------------------------------------------------ publish path

    @Override
    public void onMessage(ProtocolParser p, Message m) {
        publisher.onMessage(p, m);
    }

    /**
     * Appends a MSG/HMSG frame of {@code m} for {@code sub} to this connection's outbound buffer (any thread).
     * Returns the bytes queued, or -1 when nothing was delivered.
     */
    int appendMessage(Subscription sub, Message m) {
        return writer.append(sub, m);
    }

    /** Appends the no-responders status for {@code m}'s reply to {@code mine}. */
    boolean appendNoResponders(Subscription mine, Message m) {
        return writer.appendNoResponders(mine, m);
    }

    ClientPermissions perms() {
        return perms;
    }

    /** The client announced header support (read by publishers' threads). */
    boolean headers() {
        return headers;
    }

    /** Over half of max_pending queued (a racy hint for producers). */
    @Override
    public boolean overStallThreshold() {
        return outbound.overStallThreshold();
    }

    /** Over the pacing threshold (a racy hint for producers). */
    @Override
    public boolean overPaceThreshold() {
        return outbound.overPaceThreshold();
    }

    @Override
    public long maxPending() {
        return maxPending;
    }

    EventLoop eventLoop() {
        return loop;
    }

    /**
     * A queue this connection publishes into that is not a connection (a JetStream stream's ingest): when it
     * is over its high-water mark, its producers stop reading until {@link #drained()} says so.
     */
    public interface Backlog {
        /** True once the queue is back below its low-water mark (or gone). Called on the producer's loop. */
        boolean drained();
    }

    /**
     * Holds this publisher back: at the end of the current read it stops reading until {@code backlog} has
     * drained (no time limit: the backlog holds messages that will be acknowledged, none is dropped). Called on
     * this connection's loop, from a delivery of a message it published.
     */
    public void holdBack(Backlog backlog) {
        flow.heldBy(backlog);
    }

    /** Turns reading from this connection's socket on or off (producer flow control). On its loop. */
    void autoRead(boolean on) {
        channel.config().setAutoRead(on);
    }

    // ------------------------------------------------------------------ outbound

    /**
     * Queues a protocol line for this connection. Only from parser callbacks (inside a read batch), so
     * the end-of-batch flush sends it.
     */
    void queueOwn(byte[] proto) {
        if (outbound.queue(proto)) {
            fanOut.markPending(this);
        }
    }

    /** {@code +OK} when the client asked for verbose replies (parser callbacks only). */
    void queueOk() {
        if (verbose) {
            queueOwn(OK);
        }
    }

    void queueErr(String text) {
        queueOwn(("-ERR '" + text + "'\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes this connection's channel has written to its socket so far (racy: any thread). */
    @Override
    public long bytesWritten() {
        return outbound.bytesWritten();
    }

    /** Bytes queued for this client and not yet written to the socket. */
    public long pendingBytes() {
        return outbound.pendingBytes();
    }

    /** Ends a read batch: flushes every receiver written to, each once (in place or on its own loop). */
    void flushPending() {
        ServerStats stats = server.stats();
        if (batchInMsgs != 0) {
            stats.inMsgs.add(batchInMsgs);
            stats.inBytes.add(batchInBytes);
            batchInMsgs = 0;
            batchInBytes = 0;
        }
        fanOut.endBatch(loop);
    }

    @Override
    public void flushFrom(EventLoop publisherLoop) {
        outbound.flushFrom(publisherLoop);
    }

    /** Hands the queued bytes to the channel. On this connection's loop only. */
    void flushOutbound() {
        outbound.flush();
    }

    /** Sends {@code -ERR 'text'}, flushes, then closes with {@code reason}. On this loop. */
    void sendErrAndClose(String text, ClosedState reason) {
        closing.sendErrAndClose(text, reason);
    }

    /** Flushes what is queued and closes once it is written. On this loop. */
    void closeAfterFlush(ClosedState reason) {
        closing.closeAfterFlush(reason);
    }

    /** Called with the outbound lock held, from any thread: stop accepting data now, close on our loop. */
    void markSlowConsumer(ClosedState reason) {
        closing.markSlowConsumer(reason);
    }

    /**
     * Sends {@code -ERR 'text'} and closes once it is written, from any thread (operator mode acting on the
     * clients of an account whose JWT changed: revoked users, excess connections, deleted accounts).
     */
    public void closeWithError(String text, ClosedState reason) {
        closing.onLoop(() -> sendErrAndClose(text, reason));
    }

    /** Closes from any thread. */
    public void close(ClosedState reason) {
        closing.onLoop(() -> closeNow(reason));
    }

    /** Closes on this loop: idempotent. */
    void closeNow(ClosedState reason) {
        closing.closeNow(reason);
    }

    // ------------------------------------------------------------------ timers

    /** Queues and flushes a protocol line outside a read (timers, reload tasks). On this loop. */
    void queueOutsideRead(byte[] proto) {
        if (outbound.queue(proto)) {
            outbound.flush();
        }
    }

    /**
     * Called periodically by the server's housekeeping (any thread): closes this client as a slow
     * consumer when its socket has made no write progress for write_deadline while data was pending.
     */
    public void checkWriteDeadline(long nowNanos, long deadlineNanos) {
        if (closed || deadlineNanos <= 0) {
            return;
        }
        if (outbound.writeDeadlinePassed(nowNanos, deadlineNanos)) {
            synchronized (outbound.lock) {
                markSlowConsumer(ClosedState.SLOW_CONSUMER_WRITE_DEADLINE);
            }
        }
    }

    @Override
    public String toString() {
        return "cid:" + cid + " " + remote;
    }

    public long outMsgs() {
        return outbound.outMsgs();
    }

    public long outBytes() {
        return outbound.outBytes();
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
