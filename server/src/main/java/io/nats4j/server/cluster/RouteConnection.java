package io.nats4j.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats4j.server.auth.Account;
import io.nats4j.server.connection.ConnectionKind;
import io.nats4j.server.connection.FanOut;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.subject.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One route: a connection to another server of the cluster, accepted on the route port or solicited (dialed)
 * by this one. nats-server 2.9's route protocol (proto 2, accounts in every verb): {@code CONNECT} (the
 * soliciting side) and {@code INFO} (both sides), {@code RS+}/{@code RS-} (interest per account, queue
 * weights), {@code RMSG}/{@code HMSG} (messages with reply and queue list), {@code PING}/{@code PONG}.
 *
 * <p>Inbound: frames are decoded in the read buffer ({@link RouteReader} copies only a frame split across reads);
 * a message is handed to the one fan-out as slices of the control line and the payload, matched through the
 * route account's own cache, and the fan-out's receivers are flushed once when the read ends. Outbound:
 * {@link RouteOutbound}.
 */
public final class RouteConnection extends ChannelInboundHandlerAdapter implements RouteReader.Frames {

    private static final byte[] PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    private final Cluster cluster;
    private final long id;
    /** The URL this server dialed, or null for an accepted route. */
    final URI solicitedUrl;
    /** An explicit route (configured, or taken over from a duplicate): redialed when it closes. */
    volatile URI reconnectUrl;
    private final FanOut fanOut;
    private final Message message = new Message();

    private ChannelHandlerContext ctx;
    private EventLoop loop;
    private String remoteAddress = "";
    private String logPrefix = "";

    final RouteOutbound outbound;

    // ---- state (the route's loop, unless volatile)
    private volatile boolean closed;
    /** nats-server's close reason, logged when the connection is gone; a peer that closed: "Client Closed". */
    private volatile String closeReason;
    private volatile boolean registered;
    private boolean connectReceived;
    private boolean infoReceived;
    /** A solicited route: the PONG to the PING sent after CONNECT arrived (the peer accepted the CONNECT). */
    private boolean handshakePong;
    /** A solicited route's first INFO, held until {@link #handshakePong}. */
    private JsonNode pendingInfo;
    private volatile String remoteId;
    private volatile String remoteName = "";
    private volatile boolean headers;
    private volatile List<String> connectUrls = List.of();
    private volatile String remoteRouteUrl;
    private int pingsOut;
    private ScheduledFuture<?> pingTimer;
    private ScheduledFuture<?> authTimer;
    final ConcurrentHashMap<String, RouteAccount> accounts = new ConcurrentHashMap<>();
    private RouteAccount lastAccount;
    final RouteInCounters inCounters = new RouteInCounters();
    private final java.time.Instant start = java.time.Instant.now();

    // ---- parser (the route's loop)
    private final RouteLine ln = new RouteLine();
    private RouteReader reader;
    /** Bytes of payload plus CRLF still expected for the message whose line is in {@link #ln}; -1: none. */
    private int awaitingPayload = -1;

    RouteConnection(Cluster cluster, URI solicitedUrl, boolean explicit) {
        this.cluster = cluster;
        this.id = cluster.nextId();
        this.solicitedUrl = solicitedUrl;
        this.reconnectUrl = explicit ? solicitedUrl : null;
        this.fanOut = new FanOut(ConnectionKind.ROUTER, null, cluster.stats(), null);
        this.outbound = new RouteOutbound(this, cluster);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    Cluster cluster() {
        return cluster;
    }

    public long id() {
        return id;
    }

    public String remoteId() {
        return remoteId;
    }

    public String remoteName() {
        return remoteName;
    }

    public boolean solicited() {
        return solicitedUrl != null;
    }

    /** An explicit route (configured), as /routez's is_configured. */
    public boolean configured() {
        return reconnectUrl != null;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    List<String> connectUrls() {
        return connectUrls;
    }

    String remoteRouteUrl() {
        return remoteRouteUrl;
    }

    boolean isRegistered() {
        return registered;
    }

    /** Monitoring figures (any thread; racy reads). */
    public record Stats(java.time.Instant start, long lastActivityMillis, long inMsgs, long inBytes, long outMsgs,
            long outBytes, long pending) {
    }

    public Stats stats() {
        return new Stats(start, inCounters.lastActivityMillis, inCounters.inMsgs, inCounters.inBytes, outbound.outMsgs(), outbound.outBytes(),
                outbound.pendingBytes());
    }

    /** The peer's subscriptions as "account subject [queue]" (monitoring; a snapshot taken on the route's loop). */
    public List<String[]> remoteSubscriptions() {
        return closed ? List.of() : RouteAccount.snapshot(loop, accounts.values());
    }

    /** Subscriptions the peer holds here (monitoring). */
    public int remoteSubscriptionCount() {
        int n = 0;
        for (RouteAccount ra : accounts.values()) {
            n += ra.remoteSubs.size();
        }
        return n;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.channel().eventLoop();
        this.reader = new RouteReader(this, ctx.alloc());
        outbound.attach(ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        if (ch.remoteAddress() instanceof InetSocketAddress a) {
            remoteAddress = a.getAddress().getHostAddress() + ":" + a.getPort();
        }
        logPrefix = remoteAddress + " - rid:" + id + " - ";
        if (!cluster.registerConnection(this)) {
            ctx.close();
            return;
        }
        if (solicited()) {
            queue(cluster.connectLine(solicitedUrl));
        } else if (cluster.authRequired()) {
            long ms = cluster.authTimeoutMillis();
            authTimer = loop.schedule(() -> {
                if (!connectReceived) {
                    debug("Authentication Timeout");
                    sendErrAndClose("Authentication Timeout", "Authentication Timeout");
                }
            }, ms, TimeUnit.MILLISECONDS);
        }
        queue(cluster.routeInfo());
        if (solicited()) {
            // the peer answers this PING only after it accepted our CONNECT: we register (and send our interest)
            // once the PONG is back, so that a refusal's -ERR is read, not lost to a reset caused by writing more
            queue(PING);
        }
        flush();
        long pingMs = cluster.pingInterval().toMillis();
        pingTimer = loop.scheduleAtFixedRate(this::ping, pingMs, pingMs, TimeUnit.MILLISECONDS);
        notice("Route connection created");
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        if (pingTimer != null) {
            pingTimer.cancel(false);
        }
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        outbound.release();
        reader.release();
        for (RouteAccount ra : accounts.values()) {
            ra.account.removeInterestListener(ra);
            ra.account.unsubscribeAll(new ArrayList<>(ra.remoteSubs.values()));
            ra.remoteSubs.clear();
        }
        notice("Router connection closed: " + (closeReason == null ? "Client Closed" : closeReason));
        cluster.routeClosed(this);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!closed) {
            Throwable tlsCause = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                    ? cause.getCause() : cause;
            // a peer that goes away resets the connection: nats-server reports that as a closed route, not an error
            if (tlsCause instanceof javax.net.ssl.SSLException) {
                error("TLS route handshake error: " + tlsCause.getMessage());
                close("TLS Handshake Failure");
                return;
            }
            if (cause instanceof java.io.IOException) {
                debug("Error reading from route: " + cause.getMessage());
                close("Client Closed");
                return;
            } else {
                error("Error reading from route: " + cause.getMessage());
            }
        }
        close("Read Error");
    }

    /** Closes the route; {@code reason} is logged as nats-server's close reason. Any thread. */
    public void close(String reason) {
        if (closed) {
            return;
        }
        closeReason = reason;
        closed = true;
        if (ctx != null) {
            ctx.channel().eventLoop().execute(() -> {
                outbound.flush();
                ctx.close();
            });
        }
    }

    private void sendErrAndClose(String err, String reason) {
        queue(("-ERR '" + err + "'\r\n").getBytes(StandardCharsets.UTF_8));
        flush();
        close(reason);
    }

    private void ping() {
        if (closed) {
            return;
        }
        if (pingsOut + 1 > cluster.pingMax()) {
            debug("Stale Client Connection - Closing");
            sendErrAndClose("Stale Connection", "Stale Connection");
            return;
        }
        pingsOut++;
        queue(PING);
        flush();
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reader.read((ByteBuf) msg);
    }

    @Override
    public int awaitingPayload() {
        return awaitingPayload;
    }

    @Override
    public void decode(ByteBuf in) {
        while (!closed) {
            if (awaitingPayload >= 0) {
                if (in.readableBytes() < awaitingPayload) {
                    return;
                }
                int at = in.readerIndex();
                int end = at + awaitingPayload;
                awaitingPayload = -1;
                if (in.getByte(end - 2) != '\r' || in.getByte(end - 1) != '\n') {
                    protocolError("Message payload without CRLF");
                    return;
                }
                deliverInbound(in, at);
                in.readerIndex(end);
                continue;
            }
            int read = ln.read(in);
            if (read != RouteLine.READ) {
                if (read == RouteLine.TOO_LONG) {
                    protocolError("Maximum Control Line Exceeded");
                }
                return;
            }
            processLine();
        }
        in.skipBytes(in.readableBytes());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        inCounters.endRead(cluster.stats());
        fanOut.endBatch(loop);
        super.channelReadComplete(ctx);
    }

    private void processLine() {
        if (ln.length == 0) {
            return;
        }
        if ((connectReceived || solicited()) && ln.verbIs("RMSG")) { // the common case first
            processMessageLine(false, 5);
            return;
        }
        boolean connectFirst = !solicited() && !connectReceived;
        if (ln.verbIs("CONNECT")) {
            processConnect(ln.rest(7));
            return;
        }
        if (connectFirst) {
            // nats-server: anything before CONNECT on an accepted route is an authorization violation
            error("authentication error");
            sendErrAndClose("Authorization Violation", "Authentication Failure");
            return;
        }
        if (ln.verbIs("RMSG")) {
            processMessageLine(false, 5);
        } else if (ln.verbIs("HMSG")) {
            processMessageLine(true, 5);
        } else if (ln.verbIs("RS+")) {
            processRemoteSub(4);
        } else if (ln.verbIs("RS-")) {
            processRemoteUnsub(4);
        } else if (ln.verbIs("PING")) {
            queue(PONG);
            flush();
        } else if (ln.verbIs("PONG")) {
            pingsOut = 0;
            if (!handshakePong) {
                handshakePong = true;
                if (pendingInfo != null) {
                    JsonNode info = pendingInfo;
                    pendingInfo = null;
                    register(info);
                }
            }
        } else if (ln.verbIs("INFO")) {
            processInfo(ln.rest(4));
        } else if (ln.verbIs("+OK")) {
            // verbose is off on routes
        } else if (ln.verbIs("-ERR")) {
            error("Route Error " + ln.rest(4));
            close("Protocol Violation");
        } else {
            // LS+/LS-/LMSG included: nats-server sends them only to routes that announce "lnoc" (leaf node origin
            // clusters), which nats4j does not while it has no leaf nodes
            unknownProtocol();
        }
    }

    /** nats-server's parse error on a route: -ERR 'Unknown Protocol Operation', the line logged, closed. */
    private void unknownProtocol() {
        queue("-ERR 'Unknown Protocol Operation'\r\n".getBytes(StandardCharsets.US_ASCII));
        flush();
        error("Router parser ERROR, state=0, i=0: proto='\"" + ln.head(32) + "\\r\"...'");
        close("Protocol Violation");
    }

    private void protocolError(String what) {
        error(what);
        sendErrAndClose(what, "Protocol Violation");
    }

    // ---- CONNECT and INFO

    private void processConnect(String json) {
        JsonNode c = RouteHandshake.parse(json);
        if (c == null) {
            protocolError("Protocol Error");
            return;
        }
        RouteHandshake.Refusal no = RouteHandshake.checkConnect(cluster, c, this);
        if (no != null) {
            if (no.text() == null) { // a wrong user or password: nats-server logs and sends different texts
                error("authentication error");
                sendErrAndClose("Authorization Violation", no.reason());
            } else {
                error(no.text());
                sendErrAndClose(no.text(), no.reason());
            }
            if (no.logAfter() != null) {
                error(no.logAfter());
            }
            return;
        }
        connectReceived = true;
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        remoteId = RouteHandshake.text(c, "name");
        headers = cluster.headersSupported() && c.path("headers").asBoolean(false);
    }

    private void processInfo(String json) {
        JsonNode info = RouteHandshake.parse(json);
        if (info == null) {
            protocolError("Protocol Error");
            return;
        }
        String theirId = RouteHandshake.text(info, "server_id");
        if (theirId.equals(cluster.serverId())) {
            debug("Detected route to self, ignoring \"" + remoteAddress + "\"");
            cluster.routeToSelf(this);
            close("Duplicate Route");
            return;
        }
        String theirCluster = RouteHandshake.text(info, "cluster");
        if (!theirCluster.isEmpty() && !cluster.acceptClusterName(theirCluster, info.path("cluster_dynamic").asBoolean(false),
                this)) {
            error("Rejecting connection, cluster name \"" + theirCluster + "\" does not match \"" + cluster.name() + "\"");
            close("Cluster Name Conflict");
            return;
        }
        if (infoReceived) {
            if (remoteId != null && !remoteId.equals(theirId)) {
                cluster.implicitRoute(info); // gossip: a server this peer knows
                return;
            }
            if (info.path("ldm").asBoolean(false)) {
                cluster.remoteLameDuck(this);
            }
            return;
        }
        String name = RouteHandshake.text(info, "server_name");
        if (!solicited() && name.equals(cluster.serverName())) {
            error("Remote server has a duplicate name: \"" + name + "\"");
            close("Duplicate Server Name");
            return;
        }
        infoReceived = true;
        remoteId = theirId;
        remoteName = name;
        headers = cluster.headersSupported() && info.path("headers").asBoolean(false);
        connectUrls = RouteHandshake.connectUrls(info);
        remoteRouteUrl = RouteHandshake.routeUrl(info, remoteAddress);
        if (solicited() && !handshakePong) {
            pendingInfo = info;
            return;
        }
        register(info);
    }

    /** Registers the route with the cluster (or closes it as a duplicate) and starts the interest exchange. */
    private void register(JsonNode info) {
        if (closed) {
            return;
        }
        String theirId = remoteId;
        if (!cluster.addRoute(this, info)) {
            debug("Detected duplicate remote route \"" + theirId + "\"");
            close("Duplicate Route");
            return;
        }
        registered = true;
        debug("Registering remote route \"" + theirId + "\"");
        if (info.path("jetstream").asBoolean(false)) {
            cluster.remoteJetStream(this);
        }
        // this server's interest in every account, then every change of it (RS+/RS-); accounts wired before the
        // registration (the peer's RS+ can arrive first) start listening now, or their interest would be lost
        for (Account a : cluster.accounts()) {
            RouteAccount ra = wire(a);
            if (!ra.listening) {
                ra.listening = true;
                a.addInterestListener(ra);
            }
        }
        flush();
    }

    /** Starts sending this server's interest in {@code a} (what exists first) and keeps the peer's there. */
    RouteAccount wire(Account a) {
        RouteAccount ra = accounts.get(a.name());
        if (ra != null && ra.account == a) {
            return ra;
        }
        if (ra != null) {
            // the account was replaced (reload, JWT update): its interest and ours move to the new object
            ra.account.removeInterestListener(ra);
            ra.account.unsubscribeAll(new ArrayList<>(ra.remoteSubs.values()));
        }
        RouteAccount fresh = new RouteAccount(this, a);
        accounts.put(a.name(), fresh);
        if (!closed && registered) {
            fresh.listening = true;
            a.addInterestListener(fresh);
        }
        return fresh;
    }

    // ---- RS+ / RS-

    private RouteAccount accountOf(int arg) {
        RouteAccount last = lastAccount;
        if (last != null && ln.argIs(arg, last.name)) {
            return last;
        }
        String name = ln.arg(arg);
        RouteAccount ra = accounts.get(name);
        if (ra == null) {
            Account a = cluster.account(name);
            if (a == null) {
                return null;
            }
            ra = wire(a);
        }
        lastAccount = ra;
        return ra;
    }

    private void processRemoteSub(int from) {
        ln.tokenize(from);
        if (ln.argCount != 2 && ln.argCount != 4) {
            protocolError("Protocol Error");
            return;
        }
        RouteAccount ra = accountOf(0);
        String subject = ln.arg(1);
        if (ra == null) {
            error("Unknown account \"" + ln.arg(0) + "\" for remote subject \"" + subject + "\"");
            return;
        }
        String queue = ln.argCount == 4 ? ln.arg(2) : null;
        String key = queue == null ? subject : subject + " " + queue;
        int weight;
        try {
            weight = queue == null ? 0 : Integer.parseInt(ln.arg(3));
        } catch (NumberFormatException e) {
            protocolError("Protocol Error");
            return;
        }
        if (ra.remoteSub(key, subject, queue, weight) && cluster.traceEnabled()) {
            trace("<<- [RS+ " + ra.account.name() + " " + key + "]");
        }
    }

    private void processRemoteUnsub(int from) {
        ln.tokenize(from);
        if (ln.argCount != 2 && ln.argCount != 3) {
            protocolError("Protocol Error");
            return;
        }
        RouteAccount ra = accountOf(0);
        if (ra == null) {
            return;
        }
        ra.remoteUnsub(ln.argCount == 3 ? ln.arg(1) + " " + ln.arg(2) : ln.arg(1));
    }

    // ---- RMSG / HMSG

    /** RMSG acc subject [+ reply q... | | q... | reply] size; HMSG the same with header size before size. */
    private void processMessageLine(boolean hasHeaders, int from) {
        int total = ln.messageArgs(message, hasHeaders, from);
        if (total < 0) {
            protocolError("Protocol Error");
            return;
        }
        awaitingPayload = total + 2;
    }

    private void deliverInbound(ByteBuf in, int at) {
        inCounters.count(message.totalSize());
        RouteAccount ra = accountOf(0);
        if (ra == null) {
            debug("Unknown account \"" + ln.arg(0) + "\" for routed message on subject: \"" + message.subjectString() + "\"");
            return;
        }
        message.data(in, at);
        int at2 = RouteLine.jsAckSplit(message);
        if (at2 < 0) {
            fanOut.deliver(message, ra.match(message));
            return;
        }
        // a JetStream delivery from a Go node: matched on the subject it was routed on (the consumer's deliver
        // subject), handed to clients with the stream subject that follows '@' in the reply, and the ack reply
        // before it (nats-server routes "$JS.ACK...@<subject>" so that the subject survives the route)
        var r = ra.match(message);
        byte[] reply = message.replyArray();
        int replyOffset = message.replyOffset();
        int replyLength = message.replyLength();
        message.subject(reply, at2 + 1, replyOffset + replyLength - at2 - 1).reply(reply, replyOffset, at2 - replyOffset);
        fanOut.deliver(message, r);
    }

    // ------------------------------------------------------------------ outbound

    /** Queues raw protocol bytes. Any thread. */
    void queue(byte[] bytes) {
        outbound.queue(bytes);
    }

    /** Queues bytes and flushes them from the route's loop. Any thread. */
    void send(byte[] bytes) {
        if (outbound.queue(bytes)) {
            outbound.scheduleFlush();
        }
    }

    /** RS+/RS- for this server's interest in an account. Under that account's index lock; any thread. */
    void sendInterest(byte[] account, String subject, String queue, int weight) {
        if (registered) {
            outbound.interest(account, subject, queue, weight);
        }
    }

    /** One RMSG/HMSG for the peer's subscriptions {@code subs} in the account. On the publisher's thread. */
    boolean sendMessage(byte[] account, Message msg, Subscription[] subs, int count) {
        return outbound.message(account, msg, subs, count, headers);
    }

    void flushFrom(EventLoop publisherLoop) {
        outbound.flushFrom(publisherLoop);
    }

    void scheduleFlush() {
        outbound.scheduleFlush();
    }

    /** Writes what is queued. On the route's loop. */
    void flush() {
        if (!closed) {
            outbound.flush();
        }
    }

    /** Runs {@code task} on the route's loop. */
    void channelLoop(Runnable task) {
        EventLoop l = loop;
        if (l != null && !closed) {
            l.execute(task);
        }
    }

    // ------------------------------------------------------------------ logs

    void notice(String s) {
        cluster.log().notice(logPrefix + s);
    }

    void error(String s) {
        cluster.log().error(logPrefix + s);
    }

    void debug(String s) {
        if (cluster.log().isDebugEnabled()) {
            cluster.log().debug(logPrefix + s);
        }
    }

    void trace(String s) {
        cluster.log().trace(logPrefix + s);
    }

    @Override
    public String toString() {
        return "route " + logPrefix + remoteId;
    }
}
