package io.nats4j.server.connection;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.Accounts;
import io.nats4j.server.auth.ClientPermissions;
import io.nats4j.server.auth.NKeys;
import io.nats4j.server.auth.Relay;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.protocol.ClientText;
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
import io.nats4j.server.tls.ServerTls;
import io.nats4j.server.tls.TlsConnectionState;
import io.nats4j.server.tls.TlsIdentity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
    /**
     * Pacing below the stall threshold: a producer stops reading for a moment while one of its receivers has
     * more than this queued in the server (our queue plus the channel's) and is still writing, until it is
     * down to half. Without it a receiver that drains a little slower than its producer fills (loopback on a
     * busy machine) keeps up to half of max_pending (32 MiB) in direct memory: that backlog was the largest
     * and most variable part of nats4j's peak RSS. nats-server keeps the same backlog in the kernel instead,
     * because its producer writes to the receiver's socket itself at the end of each read. A receiver that
     * writes nothing at all (stuck) does not pace its producers: it is left to the stall and slow-consumer
     * rules exactly as before. See docs/PERFORMANCE.md, "Peak RSS".
     */
    static final long PACE_PENDING_BYTES = 4L * 1024 * 1024;
    /**
     * A receiver that wrote nothing for this long while a producer waited for it counts as stuck. Long enough
     * that a reader merely descheduled on a busy machine is not taken for stuck (which let its producer flood
     * it again: peaks of 30-45 MiB with 20 ms); short enough that a stuck reader costs its producers one pause.
     */
    private static final long PACE_STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ServerContext server;
    private final ServerOptions opts;
    private final ServerLogger log;
    private final long cid;
    /** Changed by a config reload (max_pending); read by publishers' loops. */
    private volatile long maxPending;

    private Channel channel;
    private EventLoop loop;
    private ByteBufAllocator alloc;
    private ProtocolParser parser;
    private String remote = "?";
    private String remoteIp = "";
    private int remotePort;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final Instant startTime = Instant.now();

    private Account account;
    private Sublist sublist;
    private final MatchCache matchCache = new MatchCache();
    private final ConcurrentHashMap<String, Subscription> subs = new ConcurrentHashMap<>();

    // authentication (event loop only, except perms: set before any subscription exists, then read by
    // publishers' loops after the sublist insert that makes this connection reachable)
    private boolean awaitingAuth;
    private String nonce;
    private ScheduledFuture<?> authTimer;
    /** Closes the client when its user or account JWT expires (operator mode). */
    private ScheduledFuture<?> expiryTimer;
    private String userName;
    /** Replaced by a config reload (on this loop); read by publishers' loops, hence volatile. */
    private volatile ClientPermissions perms;
    private int maxSubs;
    /** A user JWT allows no subscriptions at all (its subs limit is 0). */
    private boolean noSubscriptions;
    /** Imports can chain (A exports to B, B to C); this bounds a cycle. */
    private static final int MAX_RELAY_DEPTH = 8;
    /** Where an import relays a message, one per relay depth (publisher's loop only; created on first use). */
    private final Relay.Destination[] routeScratch = new Relay.Destination[MAX_RELAY_DEPTH];
    private static final byte[] SERVICE_REPLY_PREFIX = Account.SERVICE_REPLY_PREFIX.getBytes(StandardCharsets.US_ASCII);
    private final PendingFlushSet pendingFlush = new PendingFlushSet();

    // auth callout or account fetch (event loop only): CONNECT waits for the service's answer, or for a remote
    // resolver, with the parser paused and any input that arrived after CONNECT held here (reading is off until
    // the answer came)
    private boolean calloutPending;
    private ByteBuf heldInput;
    /**
     * Authorized by the auth callout: a config reload keeps its account and permissions. Written on the loop;
     * read by account JWT updates on other threads.
     */
    private volatile boolean calloutAuthorized;

    // CONNECT options (event loop only)
    private boolean connectReceived;
    private ConnectOptions connectOptions;
    // nats-server's defaults until CONNECT says otherwise: verbose and pedantic are on
    private boolean verbose = true;
    private boolean pedantic = true;
    private boolean echo = true;
    /** Read by publishers on other loops to decide whether to strip headers, hence volatile. */
    private volatile boolean headers;
    private boolean noResponders;
    private String name = "";
    private String lang = "";
    private String version = "";
    /** {@link #clientTag(ConnectOptions)} of the last CONNECT, part of every log line's prefix. */
    private String clientTag = "";

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
    /** Set when an append left this receiver over {@link #PACE_PENDING_BYTES} queued (racy hint). */
    private volatile boolean overPaceThreshold;
    /** The receiver this producer waits for while stalled (event loop only). */
    private ClientConnection stalledOn;
    /** True while the wait on {@link #stalledOn} is only pacing, not a nats-server-style stall. */
    private boolean pacing;
    /** Bytes the receiver had written when the pacing wait started or last made progress, and when. */
    private long paceWritten;
    private long paceProgressNanos;
    /** A receiver that made no progress during a pacing wait, and how much it had written then: not waited for again until it writes. */
    private ClientConnection paceStuck;
    private long paceStuckWritten;
    private long paces;
    private long stallStartNanos;
    private long stalls;

    private volatile boolean closed;
    private volatile ClosedState closedState;
    /** The subscriptions at close, kept for the closed-connections list of /connz. */
    private volatile List<Subscription> subsAtClose;

    // pings (event loop only)
    private int pingsOut;
    private long lastInNanos;
    private long rttStartNanos;
    private long rttNanos;
    private ScheduledFuture<?> pingTimer;

    // TLS (event loop only): null when the port has no TLS; state set once the handshake completed
    private ServerTls tls;
    private boolean tlsHandshaking;
    private volatile TlsConnectionState tlsState;

    // write deadline tracking (read by the server's housekeeping thread)
    /** Bytes handed off when the current write-deadline window began (-1: nothing pending). */
    private long deadlineMarkBytes = -1;
    private long deadlineMarkNanos;

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
        List<Subscription> atClose = subsAtClose;
        return atClose != null ? atClose.size() : subs.size();
    }

    /**
     * The client's subscriptions (a snapshot; after close, the ones it had when it closed). For monitoring;
     * any thread.
     */
    public List<Subscription> subscriptions() {
        List<Subscription> atClose = subsAtClose;
        return atClose != null ? atClose : new ArrayList<>(subs.values());
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
        ConnectOptions co = connectOptions;
        if (co == null) {
            return "";
        }
        if (co.nkey != null && !co.nkey.isEmpty()) {
            return co.nkey;
        }
        if (co.user != null && !co.user.isEmpty()) {
            return co.user;
        }
        if (co.jwt != null && !co.jwt.isEmpty() && userName != null) {
            return userName;
        }
        return "";
    }

    /**
     * Asks for a round-trip measurement when none exists yet (nats-server pings a client whose RTT is unknown
     * when /connz asks for it). Any thread; the PING is sent from the client's loop.
     */
    public void requestRtt() {
        EventLoop l = loop;
        if (l == null || closed || rttNanos != 0) {
            return;
        }
        l.execute(() -> {
            if (!closed && connectReceived && rttNanos == 0 && rttStartNanos == 0) {
                pingsOut++;
                rttStartNanos = System.nanoTime();
                queueOwnOutsideRead(PING);
            }
        });
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
        synchronized (outLock) {
            if (closed) {
                return;
            }
            outBufForWrite(info.length).writeBytes(info);
        }
        if (l.inEventLoop()) {
            flushOutbound();
        } else if (flushScheduled.compareAndSet(false, true)) {
            l.execute(flushTask);
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
        return stalls;
    }

    /** How many times this producer paused briefly for a receiver over {@link #PACE_PENDING_BYTES}. */
    public long paces() {
        return paces;
    }

    public long rttNanos() {
        return rttNanos;
    }

    /** The TLS version, suite and client identity once the handshake completed; null without TLS. */
    public TlsConnectionState tlsState() {
        return tlsState;
    }

    /**
     * The identity in the client's certificate (verify / verify_and_map), for mapping to a user; null
     * without TLS, before the handshake completed, or when the client sent no certificate.
     */
    public TlsIdentity tlsIdentity() {
        TlsConnectionState t = tlsState;
        return t == null ? null : t.peer();
    }

    private String prefix() {
        return remote + " - cid:" + cid + " - " + clientTag;
    }

    /** A log message with the control characters a client may have put into it escaped (CR, LF, ...). */
    private static String esc(String message) {
        return ClientText.controls(message);
    }

    /**
     * nats-server names the client in its log lines once CONNECT arrived: {@code "v<version>:<lang>:<name>"}
     * (Go-quoted, absent parts left out, nothing when all three are empty), e.g. {@code "v2.22.0:java"}.
     */
    private static String clientTag(ConnectOptions co) {
        StringBuilder sb = new StringBuilder();
        if (!co.version.isEmpty()) {
            sb.append('v').append(co.version);
        }
        for (String part : new String[] {co.lang, co.name}) {
            if (!part.isEmpty()) {
                (sb.isEmpty() ? sb : sb.append(':')).append(part);
            }
        }
        return sb.isEmpty() ? "" : Accounts.goQuote(sb.toString()) + " - ";
    }

    /** nats-server's authViolation log line: its detail depends on the server's auth configuration. */
    private void logAuthError(Accounts accounts, ConnectOptions co) {
        log.error(prefix() + esc("authentication error" + accounts.authErrorDetail(co)));
    }

    // ------------------------------------------------------------------ Netty lifecycle

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        io.nats4j.server.StartupTrace.markFirst("connection active");
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
        maxSubs = opts.maxSubscriptions;
        lastInNanos = System.nanoTime();
        Accounts accounts = server.accounts();
        if (accounts.authRequired()) {
            awaitingAuth = true;
            parser.connectRequired(true);
            if (accounts.nonceRequired()) {
                nonce = NKeys.newNonce();
            }
        }
        if (log.isDebugEnabled()) {
            log.debug(prefix() + esc("Client connection created"));
        }
        tls = server.tls();
        boolean tlsFirst = tls != null && tls.handshakeFirst();
        // Register before the first write: writing INFO to a client that already reset fails at once and closes
        // this connection (exceptionCaught -> detach) before the write call returns, and detach can only undo a
        // registration that exists. Registering after INFO left such a connection registered for good.
        boolean admitted = register();
        if (!tlsFirst) {
            sendInfo();
        }
        io.nats4j.server.StartupTrace.markFirst("INFO queued");
        if (!admitted) {
            sendErrAndClose("maximum connections exceeded", ClosedState.MAX_CONNECTIONS_EXCEEDED);
            return;
        }
        if (closed) {
            return; // INFO could not be written: closed and detached already
        }
        if (awaitingAuth) {
            // as nats-server: with TLS the client gets at least the handshake timeout plus a second
            long authNanos = opts.authTimeout.toNanos();
            if (tls != null) {
                authNanos = Math.max(authNanos, tls.options().timeout.toNanos() + TimeUnit.SECONDS.toNanos(1));
            }
            authTimer = loop.schedule(this::authTimeout, authNanos, TimeUnit.NANOSECONDS);
        }
        if (tls != null) {
            // INFO went out in plain text (it is past the pipeline already): everything after it is TLS. With
            // handshake_first the handler has been in the pipeline from the start and INFO waits for it.
            if (!tlsFirst) {
                ctx.pipeline().addBefore(ctx.name(), "tls", tls.newHandler(alloc));
            }
            tlsHandshaking = true;
            if (log.isDebugEnabled()) {
                log.debug(prefix() + esc("Starting TLS client connection handshake"));
            }
        } else {
            startPingTimer();
        }
        ctx.fireChannelActive();
    }

    /**
     * Adds this connection to the server's and its account's counts, unless it is already closed (then there is
     * nothing to undo later). On this connection's loop, like {@link #detach}, so the two cannot interleave.
     */
    private boolean register() {
        if (closed || detached || !server.register(this)) {
            return false;
        }
        registered = true;
        account.addConnection();
        return true;
    }

    private void sendInfo() {
        channel.writeAndFlush(channel.alloc().buffer().writeBytes(server.infoFor(this)), channel.voidPromise());
    }

    private void startPingTimer() {
        long firstPing = Math.min(FIRST_PING_DELAY_NANOS, opts.pingInterval.toNanos());
        pingTimer = loop.schedule(this::pingTimerFired, firstPing, TimeUnit.NANOSECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            onTlsHandshake(ctx, done);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The TLS handshake ended: on success the client proceeds (INFO first with handshake_first). */
    private void onTlsHandshake(ChannelHandlerContext ctx, SslHandshakeCompletionEvent done) {
        if (!tlsHandshaking || closed) {
            return;
        }
        tlsHandshaking = false;
        if (!done.isSuccess()) {
            log.error(prefix() + esc("TLS handshake error: " + tlsErrorText(done.cause())));
            closeNow(ClosedState.TLS_HANDSHAKE_ERROR);
            return;
        }
        SslHandler handler = ctx.pipeline().get(SslHandler.class);
        TlsConnectionState state = TlsConnectionState.of(handler);
        tlsState = state;
        if (log.isDebugEnabled()) {
            log.debug(prefix() + esc("TLS handshake complete"));
            log.debug(prefix() + esc("TLS version " + state.version() + ", cipher suite " + state.cipherSuite()));
        }
        if (tls.handshakeFirst()) {
            sendInfo();
        }
        startPingTimer();
    }

    private static String tlsErrorText(Throwable cause) {
        Throwable c = cause;
        while (c instanceof io.netty.handler.codec.DecoderException && c.getCause() != null) {
            c = c.getCause();
        }
        // nats-server's (Go's) wording for the two common cases
        if (c instanceof io.netty.handler.ssl.NotSslRecordException) {
            return "tls: first record does not look like a TLS handshake";
        }
        if (c instanceof java.nio.channels.ClosedChannelException) {
            return "EOF";
        }
        while (c.getCause() != null && c.getMessage() != null && c.getMessage().startsWith("javax.net.ssl")) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    /**
     * Input this server could not process (a bug, not a client error nats-server would name): the client gets
     * nats-server's answer to input it cannot parse, {@code -ERR 'Unknown Protocol Operation'}, and is closed;
     * the log line has the exception with its client bytes escaped.
     */
    private void unexpected(Throwable cause) {
        log.error(prefix() + esc("Unexpected error, closing: " + cause));
        if (!closed && channel != null) {
            sendErrAndClose(ProtocolError.UNKNOWN_OPERATION.clientText(), ClosedState.PROTOCOL_VIOLATION);
        } else {
            closeNow(ClosedState.PROTOCOL_VIOLATION);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!closed) {
                lastInNanos = System.nanoTime();
                try {
                    parser.parse(in);
                } catch (RuntimeException e) {
                    unexpected(e); // the parser is closed now: the rest of this read is dropped
                }
                if (parser.isPaused()) {
                    holdInput(in);
                }
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
        if (pacing) {
            paces++;
            paceWritten = stalledOn.bytesWritten();
            paceProgressNanos = stallStartNanos;
        } else {
            stalls++;
        }
        channel.config().setAutoRead(false);
        loop.schedule(this::checkStall, STALL_CHECK_NANOS, TimeUnit.NANOSECONDS);
    }

    private void checkStall() {
        ClientConnection r = stalledOn;
        if (closed) {
            return;
        }
        boolean done;
        if (r == null || r.closed || System.nanoTime() - stallStartNanos > STALL_MAX_NANOS) {
            done = true;
        } else if (pacing && !r.overStallThreshold) {
            long written = r.bytesWritten();
            long now = System.nanoTime();
            if (written != paceWritten) {
                paceWritten = written;
                paceProgressNanos = now;
                done = r.pendingBytes() <= PACE_PENDING_BYTES / 2;
            } else if (now - paceProgressNanos > PACE_STUCK_NANOS) {
                // stuck: leave it to the stall and slow-consumer rules
                paceStuck = r;
                paceStuckWritten = written;
                done = true;
            } else {
                done = false;
            }
        } else {
            pacing = false; // over the stall threshold meanwhile: wait as nats-server does
            done = r.pendingBytes() <= r.maxPending / 2;
        }
        if (done) {
            stalledOn = null;
            pacing = false;
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
        if (tlsHandshaking || closedState == ClosedState.TLS_HANDSHAKE_ERROR) {
            // the handshake failed: the SslHandler reports it as a completion event and as this exception
            if (tlsHandshaking) {
                log.error(prefix() + esc("TLS handshake error: " + tlsErrorText(cause)));
                tlsHandshaking = false;
            }
            closeNow(ClosedState.TLS_HANDSHAKE_ERROR);
            return;
        }
        if (cause instanceof IOException) {
            if (log.isDebugEnabled()) {
                log.debug(prefix() + esc("Client connection error: " + cause.getMessage()));
            }
            closeNow(ClosedState.READ_ERROR);
        } else {
            unexpected(cause);
        }
    }

    // ------------------------------------------------------------------ protocol callbacks

    @Override
    public void onConnect(ProtocolParser p, int off, int len) {
        if (log.isTraceEnabled()) {
            log.trace(prefix() + esc("<<- [CONNECT " + redactPass(new String(p.line(), off, len, StandardCharsets.UTF_8)) + "]"));
        }
        ConnectOptions co;
        try {
            co = ConnectOptions.parse(p.line(), off, len, connectOptions); // a second CONNECT amends the first
        } catch (IllegalArgumentException e) {
            log.error(prefix() + esc("Client parser ERROR: " + e.getMessage()));
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
        clientTag = clientTag(co);
        long protocol = co.protocol;
        connectReceived = true;
        if (awaitingAuth) {
            if (server.accounts().needsCallout(co)) {
                startCallout(null);
                return;
            }
            String fetch = server.accounts().accountToFetch(co);
            if (fetch != null) {
                startAccountFetch(fetch);
                return;
            }
            Accounts.AuthResult r = server.accounts().authenticate(co, nonce, tlsIdentity(), remoteIp);
            Account calloutAccount = server.accounts().operatorCallout(r);
            if (calloutAccount != null) {
                // operator mode: the user JWT is valid, and its account hands its users to an auth callout
                startCallout(calloutAccount);
                return;
            }
            if (!applyAuth(co, r)) {
                return;
            }
        }
        connectAccepted(protocol);
    }

    /** CONNECT passed authentication: the protocol checks, +OK, the connect event. */
    private void connectAccepted(long protocol) {
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
        if (!authenticated) {
            authenticated = true;
            server.clientConnected(this);
        }
    }

    // ------------------------------------------------------------------ auth callout

    /**
     * Hands CONNECT to the auth callout and stops reading until it answers: the parser pauses after CONNECT
     * and what the client sent after it waits in {@link #heldInput}. As nats-server clears the auth timer
     * once CONNECT arrived, the wait is bounded by the callout's own timeout (the auth timeout).
     * {@code operatorAccount}: in operator mode the account whose JWT enables the callout; null for the
     * configured one.
     */
    private void startCallout(Account operatorAccount) {
        if (authTimer != null) {
            authTimer.cancel(false);
            authTimer = null;
        }
        calloutPending = true;
        parser.pause();
        channel.config().setAutoRead(false);
        EventLoop l = loop;
        boolean sent = server.authCallout(this, operatorAccount, r -> l.execute(() -> calloutDone(r)));
        if (!sent) {
            calloutPending = false;
            applyAuth(connectOptions, null);
        }
    }

    /**
     * The user JWT's account is not loaded and comes from a remote resolver: CONNECT waits (parser paused, input
     * held, as for the callout) while a resolver thread fetches it, so that no event loop waits on the network.
     * The auth timer keeps running: a fetch that outlasts it closes the connection as an auth timeout would.
     */
    private void startAccountFetch(String accountKey) {
        calloutPending = true;
        parser.pause();
        channel.config().setAutoRead(false);
        EventLoop l = loop;
        server.fetchAccount(accountKey, () -> l.execute(() -> {
            if (!closed && calloutPending) {
                Accounts.AuthResult r = server.accounts().authenticateFetched(connectOptions, nonce, tlsIdentity(),
                        remoteIp);
                Account calloutAccount = server.accounts().operatorCallout(r);
                if (calloutAccount != null) {
                    calloutPending = false;
                    startCallout(calloutAccount); // parser and reading stay paused
                    return;
                }
                authDecided(r, false);
            }
        }));
    }

    /** Input read while the callout decides: kept, in order, for when it answered. */
    private void holdInput(ByteBuf in) {
        if (!in.isReadable()) {
            return;
        }
        if (heldInput == null) {
            heldInput = alloc.buffer(in.readableBytes());
        }
        heldInput.writeBytes(in);
    }

    /** True when the auth callout (not the client's own credentials) authorized this client. */
    public boolean isCalloutAuthorized() {
        return calloutAuthorized;
    }

    /** The auth callout answered (or not in time): on this loop. */
    private void calloutDone(Accounts.AuthResult r) {
        if (closed || !calloutPending) {
            return;
        }
        authDecided(r, true);
    }

    /** CONNECT on hold (callout, account fetch) was decided: on this loop; reading resumes if authorized. */
    private void authDecided(Accounts.AuthResult r, boolean byCallout) {
        calloutPending = false;
        ConnectOptions co = connectOptions;
        if (!applyAuth(co, r)) {
            flushPending();
            return;
        }
        calloutAuthorized = byCallout;
        connectAccepted(co.protocol);
        parser.resume();
        ByteBuf held = heldInput;
        heldInput = null;
        if (held != null) {
            try {
                if (!closed) {
                    parser.parse(held);
                    if (parser.isPaused()) {
                        holdInput(held);
                    }
                }
            } finally {
                held.release();
            }
        }
        flushPending();
        if (closed || parser.isPaused()) {
            return;
        }
        if (stalledOn != null) {
            stallProducer(); // turns reading back on once the receiver drained
        } else {
            channel.config().setAutoRead(true);
        }
    }

    /**
     * The PEM text of the certificates the client presented over TLS (leaf first), for the auth callout
     * request; empty without TLS or client certificates. Any thread.
     */
    public List<String> tlsPeerCertificatesPem() {
        Channel ch = channel;
        SslHandler h = ch == null ? null : ch.pipeline().get(SslHandler.class);
        if (h == null) {
            return List.of();
        }
        try {
            java.security.cert.Certificate[] certs = h.engine().getSession().getPeerCertificates();
            List<String> out = new ArrayList<>(certs.length);
            java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'});
            for (java.security.cert.Certificate c : certs) {
                out.add("-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n");
            }
            return out;
        } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateEncodingException e) {
            return List.of();
        }
    }

    /**
     * Binds the connection to the outcome of authentication: its account, permissions and limits; on a
     * failure (null or failed {@code r}) an Authorization Violation. False when the connection was closed.
     */
    private boolean applyAuth(ConnectOptions co, Accounts.AuthResult r) {
        if (r == null || r.failed()) {
            if (r != null && r.error() != null) {
                // operator mode: nats-server logs the reason at debug and a bare "authentication error"
                if (log.isDebugEnabled()) {
                    log.debug(prefix() + esc(r.error()));
                }
                log.error(prefix() + esc("authentication error"));
            } else {
                logAuthError(server.accounts(), co);
            }
            authViolation();
            return false;
        }
        if (authTimer != null) {
            authTimer.cancel(false);
            authTimer = null;
        }
        awaitingAuth = false;
        parser.connectRequired(false);
        userName = r.user() == null ? null : r.user().displayName();
        if (r.permissions() != null) {
            perms = new ClientPermissions(r.permissions());
        }
        Account a = r.account();
        if (a != account) {
            if (!a.tryAddConnection()) {
                log.error(prefix() + esc("maximum account active connections exceeded"));
                sendErrAndClose("maximum account active connections exceeded", ClosedState.MAX_ACCOUNT_CONNECTIONS_EXCEEDED);
                return false;
            }
            if (registered) {
                account.removeConnection();
            }
            account = a;
            sublist = a.sublist();
            matchCache.clear();
            if (a.maxSubscriptions() > 0 && (maxSubs <= 0 || a.maxSubscriptions() < maxSubs)) {
                maxSubs = a.maxSubscriptions();
            }
            if (a.maxPayload() > 0 && a.maxPayload() < opts.maxPayload) {
                parser.maxPayload(a.maxPayload());
            }
        }
        if (r.limits() != null) {
            applyJwtLimits(r.limits());
        }
        if (log.isDebugEnabled() && userName != null) {
            log.debug(prefix() + esc("Client authenticated as \"" + userName + "\" in account \"" + account.name() + "\""));
        }
        return true;
    }

    /**
     * A config reload happened: new limits are in the options, {@code next} holds the new accounts and users.
     * Re-checks this client on its own loop as nats-server's reloadAuthorization does: a client whose user is
     * gone or now belongs to another account is closed (Client Closed), one whose credentials no longer pass
     * gets an Authorization Violation, the others move to the new account object (same sublist) with their
     * new permissions; subscriptions the new permissions deny are removed. Any thread.
     */
    public java.util.concurrent.Future<?> reloaded(Accounts next) {
        EventLoop l = loop;
        if (l == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        if (l.inEventLoop()) {
            applyReload(next);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        return l.submit(() -> applyReload(next));
    }

    private void applyReload(Accounts next) {
        if (closed || parser == null) {
            return;
        }
        maxPending = opts.maxPending;
        parser.maxControlLine(opts.maxControlLine);
        if (!connectReceived || awaitingAuth) {
            // CONNECT has not been accepted yet: it will be checked against the new accounts
            if (next.authRequired() && !awaitingAuth) {
                awaitingAuth = true;
                parser.connectRequired(true);
            }
            limitsFor(account);
            return;
        }
        ConnectOptions co = connectOptions;
        if (calloutAuthorized) {
            // authorized by the callout service, not by the configuration: keep the account (the object of
            // the same name after the reload) and the permissions it granted
            // (operator mode: the account as the rebuilt operator mode loads it, as for JWT clients below)
            Account a = next.operatorMode() != null ? next.operatorMode().lookup(account.name())
                    : next.get(account.name());
            if (a == null || (next.callout() == null && next.operatorMode() == null)) {
                if (log.isDebugEnabled()) {
                    log.debug(prefix() + esc("Closing client: auth callout or its account removed by a config reload"));
                }
                closeNow(ClosedState.CLIENT_CLOSED);
                return;
            }
            if (a != account) {
                a.addConnection();
                account.removeConnection();
                account = a;
                sublist = a.sublist();
                matchCache.clear();
            }
            return;
        }
        String accName = next.accountOfUser(co);
        if (accName == null || (!accName.isEmpty() && !accName.equals(account.name()))) {
            if (log.isDebugEnabled()) {
                log.debug(prefix() + esc("Closing client: user removed or moved to another account by a config reload"));
            }
            closeNow(ClosedState.CLIENT_CLOSED);
            return;
        }
        Accounts.AuthResult r = next.authenticate(co, nonce, tlsIdentity(), remoteIp);
        if (r == null || !r.account().name().equals(account.name())) {
            logAuthError(next, co);
            authViolation();
            flushOutbound();
            return;
        }
        Account a = r.account();
        if (a != account) {
            a.addConnection();
            account.removeConnection();
            account = a;
            sublist = a.sublist();
            matchCache.clear();
        }
        userName = r.user() == null ? null : r.user().displayName();
        ClientPermissions np = r.permissions() == null ? null : new ClientPermissions(r.permissions());
        perms = np;
        limitsFor(a);
        if (np != null) {
            for (Subscription sub : new ArrayList<>(subs.values())) {
                if (!np.canSubscribe(sub.subject, sub.queue)) {
                    removeSubscription(sub);
                    log.error(prefix() + esc("Removed subscription on \"" + sub.subject + "\" after a config reload: permissions changed"));
                    queueOwnOutsideRead(("-ERR 'Permissions Violation for Subscription to \"" + sub.subject + "\"'\r\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    /** The server's limits combined with the account's (at CONNECT and after a reload). */
    private void limitsFor(Account a) {
        maxSubs = opts.maxSubscriptions;
        if (a.maxSubscriptions() > 0 && (maxSubs <= 0 || a.maxSubscriptions() < maxSubs)) {
            maxSubs = a.maxSubscriptions();
        }
        int mp = opts.maxPayload;
        if (a.maxPayload() > 0 && a.maxPayload() < mp) {
            mp = a.maxPayload();
        }
        parser.maxPayload(mp);
    }

    /** The subscription and payload limits of a user JWT: the tighter of it and the server's wins. */
    private void applySubsAndPayload(Accounts.ConnectionLimits l) {
        if (l.maxSubscriptions() > 0 && (maxSubs <= 0 || l.maxSubscriptions() < maxSubs)) {
            maxSubs = l.maxSubscriptions();
        }
        // nats-io/jwt: a limit the JWT leaves out is 0, and 0 allows no subscriptions (here maxSubs 0 = none)
        noSubscriptions = l.maxSubscriptions() == 0;
        if (l.maxPayload() > 0 && l.maxPayload() < opts.maxPayload) {
            parser.maxPayload(l.maxPayload());
        } else if (l.maxPayload() == 0) {
            // nats-io/jwt: a payload limit of 0 (also a JWT that leaves it out) allows empty messages only;
            // the parser reads 0 as "unlimited" and has MIN_VALUE for this
            parser.maxPayload(Integer.MIN_VALUE);
        }
    }

    /** Limits and expiry of a user JWT (operator mode): the tighter limit wins; expiry closes the client. */
    private void applyJwtLimits(Accounts.ConnectionLimits l) {
        applySubsAndPayload(l);
        if (l.expiresAtMillis() > 0) {
            long delayMillis = Math.max(0, l.expiresAtMillis() - System.currentTimeMillis());
            String text = l.expiredError();
            expiryTimer = loop.schedule(() -> {
                if (!closed) {
                    if (log.isDebugEnabled()) {
                        log.debug(prefix() + esc(text));
                    }
                    sendErrAndClose(text, ClosedState.AUTHENTICATION_EXPIRED);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void authViolation() {
        if (!closed) {
            server.clientAuthError(this);
        }
        sendErrAndClose("Authorization Violation", ClosedState.AUTHENTICATION_VIOLATION);
    }

    private void authTimeout() {
        authTimer = null;
        if (closed || !awaitingAuth) {
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug(prefix() + esc("Authentication Timeout"));
        }
        sendErrAndClose("Authentication Timeout", ClosedState.AUTHENTICATION_TIMEOUT);
    }

    private static String redactPass(String json) {
        return json.replaceAll("(\"(?:pass|auth_token|sig)\"\\s*:\\s*\")[^\"]*\"", "$1[REDACTED]\"");
    }

    @Override
    public void onPing() {
        io.nats4j.server.StartupTrace.markFirst("PING");
        if (log.isTraceEnabled()) {
            log.trace(prefix() + esc("<<- [PING]"));
        }
        queueOwn(PONG);
    }

    @Override
    public void onPong() {
        if (log.isTraceEnabled()) {
            log.trace(prefix() + esc("<<- [PONG]"));
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
            log.trace(prefix() + esc("<<- [SUB " + subject + (queue == null ? "" : " " + queue) + " "
                    + new String(sid, StandardCharsets.US_ASCII) + "]"));
        }
        if (perms != null && !perms.canSubscribe(subject, queue)) {
            log.error(prefix() + esc("Subscription Violation - User \"" + userName + "\", Subject \"" + subject + "\""
                    + (queue == null ? "" : ", Queue: \"" + queue + "\"") + ", SID " + new String(sid, StandardCharsets.US_ASCII)));
            queueErr("Permissions Violation for Subscription to \"" + subject + "\""
                    + (queue == null ? "" : " using queue \"" + queue + "\""));
            return;
        }
        String sidKey = new String(sid, StandardCharsets.US_ASCII);
        if ((noSubscriptions || (maxSubs > 0 && subs.size() >= maxSubs)) && !subs.containsKey(sidKey)) {
            log.error(prefix() + esc("Maximum Subscriptions Exceeded (max " + (noSubscriptions ? 0 : maxSubs) + ")"));
            queueErr("maximum subscriptions exceeded");
            return;
        }
        // as nats-server: after the limit, and only what its sublist refuses (empty tokens, '>' not last)
        if (!Subjects.isValidSublistSubject(subject)) {
            queueErr("Invalid Subject");
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
        // nats-server: a maximum that does not parse as a size (-1) removes the subscription now, like none
        int max = p.argCount() == 2 ? ProtocolParser.parseSize(l, p.argOffset(1), p.argLength(1)) : 0;
        if (log.isTraceEnabled()) {
            log.trace(prefix() + esc("<<- [UNSUB " + sidKey + (max > 0 ? " " + max : "") + "]"));
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
        // +OK from a client carries nothing for the server.
    }

    @Override
    public void onInfo(ProtocolParser p, int off, int len) {
        // nats-server decodes a client's INFO and ignores it, but closes the client when it is not JSON
        try {
            ConnectOptions.validateJson(p.line(), off, len);
        } catch (IllegalArgumentException e) {
            log.error(prefix() + esc("Client parser ERROR: " + e.getMessage()));
            parser.close();
            closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
        }
    }

    @Override
    public void onClientError(ProtocolParser p, int off, int len) {
        // as nats-server: logged, and the client closed (Parse Error), without an -ERR back
        log.error(prefix() + esc("Client Error " + new String(p.line(), off, len, StandardCharsets.UTF_8)));
        parser.close();
        closeAfterFlush(ClosedState.PARSE_ERROR);
    }

    @Override
    public void onProtocolError(ProtocolError error, String detail) {
        switch (error) {
            case MAX_PAYLOAD -> {
                log.error(prefix() + esc(detail));
                sendErrAndClose(error.clientText(), ClosedState.MAX_PAYLOAD_EXCEEDED);
            }
            case MAX_CONTROL_LINE -> {
                log.error(prefix() + esc("Client parser ERROR: " + detail));
                sendErrAndClose(error.clientText(), ClosedState.MAX_CONTROL_LINE_EXCEEDED);
            }
            case UNKNOWN_OPERATION -> {
                log.error(prefix() + esc("Client parser ERROR: " + detail));
                sendErrAndClose(error.clientText(), ClosedState.PROTOCOL_VIOLATION);
            }
            case AUTH_VIOLATION -> {
                logAuthError(server.accounts(), null);
                authViolation();
            }
            case BAD_ARGUMENTS -> {
                log.error(prefix() + esc("Client parser ERROR: " + detail));
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
            log.error(prefix() + esc("Client parser ERROR: message headers not supported"));
            closeAfterFlush(ClosedState.PROTOCOL_VIOLATION);
            parser.close();
            return;
        }
        if (pedantic && !Subjects.isValidLiteralSubject(l, subjOff, subjLen)) {
            // as nats-server: the error is sent and the message is still delivered
            queueErr("Invalid Publish Subject");
        }
        if (perms != null && !perms.canPublish(l, subjOff, subjLen)) {
            String subject = new String(l, subjOff, subjLen, StandardCharsets.UTF_8);
            log.error(prefix() + esc("Publish Violation - User \"" + userName + "\", Subject \"" + subject + "\""));
            queueErr("Permissions Violation for Publish to \"" + subject + "\"");
            return;
        }
        if (p.hasReply() && isServiceReply(l, p.replyOffset(), p.replyLength())) {
            String reply = new String(l, p.replyOffset(), p.replyLength(), StandardCharsets.UTF_8);
            log.error(prefix() + esc("Publish Violation - User \"" + userName + "\", Reply \"" + reply + "\""));
            queueErr("Permissions Violation for Publish with Reply of \"" + reply + "\"");
            return;
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

    private static boolean isServiceReply(byte[] l, int off, int len) {
        byte[] pre = SERVICE_REPLY_PREFIX;
        return len >= pre.length && java.util.Arrays.equals(l, off, off + pre.length, pre, 0, pre.length);
    }

    /** Delivers to one subscription and records the receiver for the end-of-batch flush. */
    private boolean deliver(Subscription sub, ProtocolParser p, ByteBuf payload) {
        if (!(sub.owner instanceof ClientConnection receiver)) {
            byte[] l = p.line();
            if (sub.owner instanceof InternalSubscriber is) {
                return toInternal(is, sub, this, l, p.subjectOffset(), p.subjectLength(), l,
                        p.hasReply() ? p.replyOffset() : 0, p.hasReply() ? p.replyLength() : -1, p, payload);
            }
            return relay((Relay) sub.owner, l, p.subjectOffset(), p.subjectLength(), l,
                    p.hasReply() ? p.replyOffset() : 0, p.hasReply() ? p.replyLength() : -1, p, payload, 0);
        }
        int written = receiver.appendMessage(sub, p, payload);
        return delivered(receiver, written, p);
    }

    private boolean delivered(ClientConnection receiver, int written, ProtocolParser p) {
        if (written < 0) {
            return false;
        }
        batchOutMsgs++;
        batchOutBytes += p.totalSize();
        pendingFlush.add(receiver);
        if (receiver != this) {
            if (receiver.overStallThreshold) {
                stalledOn = receiver;
                pacing = false;
            } else if (receiver.overPaceThreshold && stalledOn == null
                    && (receiver != paceStuck || receiver.bytesWritten() != paceStuckWritten)) {
                stalledOn = receiver;
                pacing = true;
                paceStuck = null;
            }
        }
        return true;
    }

    /**
     * Carries a message across accounts through an import: asks the relay where it goes, then delivers it
     * to the subscribers there under the new subject and reply (further relays included, up to
     * {@link #MAX_RELAY_DEPTH}). On the publisher's loop. {@code replyLen} is -1 when there is no reply.
     */
    private boolean relay(Relay relay, byte[] subj, int subjOff, int subjLen, byte[] reply, int replyOff, int replyLen,
            ProtocolParser p, ByteBuf payload, int depth) {
        if (depth >= MAX_RELAY_DEPTH) {
            return false;
        }
        Relay.Destination d = routeScratch[depth];
        if (d == null) {
            d = routeScratch[depth] = new Relay.Destination();
        }
        if (!relay.route(subj, subjOff, subjLen, reply, replyOff, replyLen, d)) {
            return false;
        }
        byte[] ns = d.subject();
        int nsOff = d.subjectOffset();
        int nsLen = d.subjectLength();
        byte[] nr = d.reply();
        int nrOff = d.replyOffset();
        int nrLen = d.replyLength();
        SublistResult res = d.target().sublist().match(ns, nsOff, nsLen);
        boolean delivered = false;
        for (Subscription s : res.psubs) {
            delivered |= deliverRouted(s, ns, nsOff, nsLen, nr, nrOff, nrLen, p, payload, depth);
        }
        for (Subscription[] group : res.qsubs) {
            int n = group.length;
            int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
            for (int k = 0; k < n; k++) {
                if (deliverRouted(group[(start + k) % n], ns, nsOff, nsLen, nr, nrOff, nrLen, p, payload, depth)) {
                    delivered = true;
                    break;
                }
            }
        }
        return delivered;
    }

    private boolean deliverRouted(Subscription s, byte[] subj, int subjOff, int subjLen, byte[] reply, int replyOff,
            int replyLen, ProtocolParser p, ByteBuf payload, int depth) {
        if (s.owner instanceof Relay next) {
            return relay(next, subj, subjOff, subjLen, reply, replyOff, replyLen, p, payload, depth + 1);
        }
        if (s.owner instanceof InternalSubscriber is) {
            return toInternal(is, s, this, subj, subjOff, subjLen, reply, replyOff, replyLen, p, payload);
        }
        ClientConnection receiver = (ClientConnection) s.owner;
        return delivered(receiver, receiver.appendMessage(s, subj, subjOff, subjLen, reply, replyOff, replyLen, p, payload),
                p);
    }

    /** Hands a message to a server-side subscriber as arrays (headers split off). */
    static boolean toInternal(InternalSubscriber is, Subscription sub, ClientConnection from, byte[] subj, int subjOff,
            int subjLen, byte[] reply, int replyOff, int replyLen, ProtocolParser p, ByteBuf payload) {
        if (sub.closed) {
            return false;
        }
        int hs = p.headerSize();
        int total = p.totalSize();
        int at = payload.readerIndex();
        byte[] hdr = null;
        if (hs > 0) {
            hdr = new byte[hs];
            payload.getBytes(at, hdr);
        }
        byte[] body = new byte[total - Math.max(hs, 0)];
        payload.getBytes(at + Math.max(hs, 0), body);
        is.deliverInternal(sub, from, new String(subj, subjOff, subjLen, StandardCharsets.UTF_8),
                replyLen < 0 ? null : new String(reply, replyOff, replyLen, StandardCharsets.UTF_8), hdr, body);
        return true;
    }

    /**
     * Delivers a message the server publishes itself (system account events and service responses), parsed
     * by the publisher's own {@link ProtocolParser}: appends it and has this connection's loop flush it. Any
     * thread; false when nothing was delivered.
     */
    public boolean deliverFromServer(Subscription sub, byte[] subj, byte[] reply, ProtocolParser p, ByteBuf payload) {
        int n = appendMessage(sub, subj, 0, subj.length, reply, 0, reply == null ? -1 : reply.length, p, payload);
        if (n < 0) {
            return false;
        }
        EventLoop l = loop;
        if (l != null && flushScheduled.compareAndSet(false, true)) {
            l.execute(flushTask);
        }
        return true;
    }

    /**
     * Appends a MSG/HMSG frame for {@code sub} to this connection's outbound buffer. Called on the
     * publisher's loop. Returns the bytes queued, or -1 when nothing was delivered (closed, slow consumer,
     * or the subscription reached its maximum).
     */
    int appendMessage(Subscription sub, ProtocolParser p, ByteBuf payload) {
        byte[] l = p.line();
        return appendMessage(sub, l, p.subjectOffset(), p.subjectLength(), l,
                p.hasReply() ? p.replyOffset() : 0, p.hasReply() ? p.replyLength() : -1, p, payload);
    }

    /** Same, with the subject and reply given apart ({@code replyLen} -1 = none): imports rewrite them. */
    int appendMessage(Subscription sub, byte[] subj, int subjOff, int subjLen, byte[] reply, int replyOff, int replyLen,
            ProtocolParser p, ByteBuf payload) {
        if (closed || sub.closed) {
            return -1;
        }
        ClientPermissions rp = perms;
        if (rp != null) {
            if (rp.deliveryDenied(subj, subjOff, subjLen)) {
                return -1;
            }
            if (replyLen > 0 && rp.tracksReplies()) {
                rp.recordReply(reply, replyOff, replyLen);
            }
        }
        boolean hasReply = replyLen >= 0;
        // as nats-server: an empty header block (HPUB x 0 2) is no header, delivered as MSG
        boolean hdr = p.headerSize() > 0;
        int size = p.totalSize();
        int skip = 0;
        boolean strip = hdr && !headers;
        if (strip) {
            // as nats-server: a client that did not announce header support gets the payload without headers
            skip = p.headerSize();
            size -= skip;
            hdr = false;
        }
        int sizeDigits = strip ? decimalLength(size) : p.totalSizeDigitsLength();
        int lineLen = (hdr ? 5 : 4) + subjLen + 1 + sub.sid.length + 1
                + (hasReply ? replyLen + 1 : 0)
                + (hdr ? p.headerSizeDigitsLength() + 1 : 0) + sizeDigits + 2;
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
            b.writeBytes(subj, subjOff, subjLen);
            b.writeByte(' ');
            b.writeBytes(sub.sid);
            b.writeByte(' ');
            if (hasReply) {
                b.writeBytes(reply, replyOff, replyLen);
                b.writeByte(' ');
            }
            byte[] l = p.line();
            if (hdr) {
                b.writeBytes(l, p.headerSizeDigitsOffset(), p.headerSizeDigitsLength());
                b.writeByte(' ');
            }
            if (strip) {
                writeDecimal(b, size, sizeDigits);
            } else {
                b.writeBytes(l, p.totalSizeDigitsOffset(), p.totalSizeDigitsLength());
            }
            b.writeShort(CRLF);
            b.writeBytes(payload, payload.readerIndex() + skip, size);
            b.writeShort(CRLF);
            sub.delivered++;
            outMsgs++;
            outBytes += size;
            // volatile hints read by producers on other loops: stored only when they change, not per message
            long queued = pending + frame;
            boolean overStall = queued > maxPending / 2;
            if (overStall != overStallThreshold) {
                overStallThreshold = overStall;
            }
            boolean overPace = queued > PACE_PENDING_BYTES;
            if (overPace != overPaceThreshold) {
                overPaceThreshold = overPace;
            }
        }
        if (removeAfter) {
            removeSubscription(sub);
        }
        return frame;
    }

    private static int decimalLength(int n) {
        int len = 1;
        while (n >= 10) {
            n /= 10;
            len++;
        }
        return len;
    }

    private static void writeDecimal(ByteBuf b, int n, int digits) {
        int at = b.writerIndex() + digits;
        b.writerIndex(at);
        do {
            b.setByte(--at, '0' + n % 10);
            n /= 10;
        } while (n > 0);
    }

    private void sendNoResponders(ProtocolParser p) {
        byte[] l = p.line();
        SublistResult r = sublist.match(l, p.replyOffset(), p.replyLength());
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
        log.trace(prefix() + esc("<<- [" + verb + " " + (sp > 0 ? args.substring(sp + 1).trim() : "") + "]"));
        int max = opts.maxTracedMsgLen;
        int n = max > 0 ? Math.min(p.totalSize(), max) : p.totalSize();
        log.trace(prefix() + esc("<<- MSG_PAYLOAD: [\"" + payload.toString(payload.readerIndex(), n, StandardCharsets.UTF_8)
                + (n < p.totalSize() ? "...\"]" : "\"]")));
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

    /** Bytes this connection's channel has written to its socket so far (racy: any thread). */
    long bytesWritten() {
        return handedOff - channelPendingBytes();
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
        log.notice(prefix() + esc("Slow Consumer Detected: " + (reason == ClosedState.SLOW_CONSUMER_PENDING_BYTES
                ? "MaxPending of " + maxPending + " Exceeded"
                : "WriteDeadline of " + opts.writeDeadline.toMillis() + "ms exceeded")));
        loop.execute(() -> closeNow(reason));
    }

    /**
     * Sends {@code -ERR 'text'} and closes once it is written, from any thread (operator mode acting on the
     * clients of an account whose JWT changed: revoked users, excess connections, deleted accounts).
     */
    public void closeWithError(String text, ClosedState reason) {
        EventLoop l = loop;
        if (l == null) {
            return;
        }
        if (l.inEventLoop()) {
            sendErrAndClose(text, reason);
        } else {
            l.execute(() -> sendErrAndClose(text, reason));
        }
    }

    /**
     * Operator mode: the account's JWT changed; the server's and account's limits are applied again with the
     * user's new {@code limits} (subscriptions, payload) on top, as nats-server's applyAccountLimits. Any thread.
     */
    public void jwtLimitsChanged(io.nats4j.server.auth.Accounts.ConnectionLimits limits) {
        EventLoop l = loop;
        if (l == null || limits == null) {
            return;
        }
        l.execute(() -> {
            if (closed || parser == null) {
                return;
            }
            limitsFor(account);
            applySubsAndPayload(limits);
            // nats-server's subsAtLimit after applyAccountLimits: at or over the new limit closes the client
            if ((maxSubs > 0 && subs.size() >= maxSubs) || (noSubscriptions && !subs.isEmpty())) {
                log.error(prefix() + esc("maximum subscriptions exceeded"));
                sendErrAndClose("maximum subscriptions exceeded", ClosedState.MAX_SUBSCRIPTIONS_EXCEEDED);
            }
        });
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
    /** CONNECT was accepted (a connect event went out; a disconnect event follows). */
    private boolean authenticated;

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
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
        }
        List<Subscription> all = new ArrayList<>(subs.values());
        subsAtClose = all;
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
        if (heldInput != null) {
            heldInput.release();
            heldInput = null;
        }
        if (registered) {
            server.unregister(this);
            account.removeConnection();
            if (authenticated) {
                server.clientClosed(this, reason);
            }
        }
        if (log.isDebugEnabled()) {
            log.debug(prefix() + esc("Client connection closed: " + reason.text()));
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
                log.debug(prefix() + esc("Delaying PING due to client activity"));
            }
        } else {
            if (pingsOut + 1 > opts.pingMax) {
                log.debug(prefix() + esc("Stale Client Connection - Closing"));
                sendErrAndClose("Stale Connection", ClosedState.STALE_CONNECTION);
                return;
            }
            pingsOut++;
            rttStartNanos = System.nanoTime();
            if (log.isTraceEnabled()) {
                log.trace(prefix() + esc("->> [PING]"));
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
        // Like a write call in nats-server that must finish within write_deadline: the bytes handed to the
        // socket by the time a window starts must all be written before the window is write_deadline old.
        // Partial progress does not reset it, so a reader that trickles is caught as well as one that stopped.
        long handed = handedOff;
        long pending = channelPendingBytes();
        long written = handed - pending;
        if (deadlineMarkBytes < 0 || written >= deadlineMarkBytes) {
            if (pending > 0) {
                deadlineMarkBytes = handed;
                deadlineMarkNanos = nowNanos;
            } else {
                deadlineMarkBytes = -1;
            }
            return;
        }
        if (nowNanos - deadlineMarkNanos > deadlineNanos) {
            synchronized (outLock) {
                markSlowConsumer(ClosedState.SLOW_CONSUMER_WRITE_DEADLINE);
            }
        }
    }

    @Override
    public String toString() {
        return "cid:" + cid + " " + remote;
    }

    public long outMsgs() {
        synchronized (outLock) {
            return outMsgs;
        }
    }

    public long outBytes() {
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
