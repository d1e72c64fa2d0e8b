package io.nats4j.server.monitor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.Version;
import io.nats4j.server.log.ServerLogger;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP monitoring listener ({@code -m}, {@code http_port}): nats-server's endpoints under
 * {@code http_base_path}, JSON indented as nats-server's, {@code ?callback=} wrapping as JSONP, plain-text
 * 400s with nats-server's messages. It runs on its own single-thread event loop group, so building a large
 * /connz never delays a client's event loop. Pipeline: HTTP codec, aggregator (requests have no body worth
 * more than 64 KiB), {@link Handler}.
 */
public final class MonitorHttpServer implements AutoCloseable {

    public static final String ROOT = "/";
    public static final String VARZ = "/varz";
    public static final String CONNZ = "/connz";
    public static final String ROUTEZ = "/routez";
    public static final String GATEWAYZ = "/gatewayz";
    public static final String LEAFZ = "/leafz";
    public static final String SUBSZ = "/subsz";
    public static final String ACCOUNTZ = "/accountz";
    public static final String ACCSTATZ = "/accstatz";
    public static final String JSZ = "/jsz";
    public static final String HEALTHZ = "/healthz";
    public static final String METRICS = "/metrics";
    private static final List<String> PATHS = List.of(VARZ, CONNZ, ROUTEZ, GATEWAYZ, LEAFZ, SUBSZ, ACCOUNTZ,
            ACCSTATZ, JSZ, HEALTHZ, METRICS);

    @FunctionalInterface
    private interface Endpoint {
        ObjectNode handle(Map<String, String> query) throws MonitorException;
    }

    private final NatsServer server;
    private final Monitor monitor;
    private final PrometheusMetrics metrics;
    private final ServerLogger log;
    private final String basePath;
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final ConcurrentHashMap<String, LongAdder> requestStats = new ConcurrentHashMap<>();
    private EventLoopGroup group;
    private Channel listener;
    private int boundPort;

    public MonitorHttpServer(NatsServer server, Monitor monitor, ServerLogger log) {
        this.server = server;
        this.monitor = monitor;
        this.metrics = new PrometheusMetrics(server, monitor);
        this.log = log;
        this.basePath = normalizeBasePath(server.options().httpBasePath);
        endpoints.put(VARZ, q -> monitor.varz());
        endpoints.put(CONNZ, monitor::connz);
        endpoints.put(ROUTEZ, monitor::routez);
        endpoints.put(GATEWAYZ, monitor::gatewayz);
        endpoints.put(LEAFZ, monitor::leafz);
        endpoints.put(SUBSZ, monitor::subsz);
        endpoints.put(ACCOUNTZ, monitor::accountz);
        endpoints.put(ACCSTATZ, monitor::accstatz);
        endpoints.put(JSZ, monitor::jsz);
        endpoints.put(HEALTHZ, monitor::healthz);
    }

    /** {@code "nats/"} → {@code "/nats"}, {@code ""} → {@code "/"} (nats-server cleans it the same way). */
    static String normalizeBasePath(String base) {
        String b = base == null ? "" : base.trim();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        while (b.startsWith("/")) {
            b = b.substring(1);
        }
        return "/" + b;
    }

    /** The full path of an endpoint under the base path. */
    String fullPath(String endpoint) {
        return basePath.equals("/") ? endpoint : basePath + endpoint;
    }

    /** Binds {@code host:port} (port -1 or 0 picks a free one); returns once it accepts requests. */
    public void start(String host, int port) throws IOException {
        start(host, port, null);
    }

    /**
     * Same, over TLS when {@code tls} is given (HTTPS monitoring with the server's {@code tls} block; client
     * certificates are not asked for on the monitoring port).
     */
    public void start(String host, int port, io.nats4j.server.tls.ServerTls tls) throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("nats4j-monitor", true),
                NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHttpsHandler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                                .addLast("monitor", new Handler());
                    }
                });
        try {
            listener = b.bind(new InetSocketAddress(host, Math.max(0, port))).sync().channel();
        } catch (Exception e) {
            close();
            throw new IOException("Can't listen to the monitor port: listen tcp " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
        boundPort = ((InetSocketAddress) listener.localAddress()).getPort();
        monitor.attachHttp(host, boundPort, this::requestCounts);
    }

    public int port() {
        return boundPort;
    }

    /** Requests served per endpoint path (nats-server's http_req_stats), sorted by path like Go's map output. */
    public Map<String, Long> requestCounts() {
        Map<String, Long> out = new TreeMap<>();
        requestStats.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** The index page: links to the endpoints, as nats-server's (without its logo). */
    private String indexPage() {
        StringBuilder sb = new StringBuilder(1024);
        sb.append("<html lang=\"en\">\n  <head>\n  <link rel=\"shortcut icon\" href=\"https://nats.io/favicon.ico\">\n")
                .append("  <title>nats4j monitoring</title>\n  </head>\n  <body>\n")
                .append("  <a href=https://github.com/nats-io/nats-server class='version'>v")
                .append(Version.NATS_SERVER).append("</a> (nats4j ").append(Version.NATS4J).append(")\n  <br/>\n");
        String[][] links = {{VARZ, "General"}, {JSZ, "JetStream"}, {CONNZ, "Connections"}, {ACCOUNTZ, "Accounts"},
            {ACCSTATZ, "Account Stats"}, {SUBSZ, "Subscriptions"}, {ROUTEZ, "Routes"}, {LEAFZ, "LeafNodes"},
            {GATEWAYZ, "Gateways"}, {HEALTHZ, "Health Probe"}, {METRICS, "Metrics (Prometheus)"}};
        for (String[] l : links) {
            sb.append("  <a href=.").append(fullPath(l[0])).append(l[0].equals(METRICS) ? " class=last" : "")
                    .append('>').append(l[1]).append("</a>\n");
        }
        sb.append("  <a href=https://docs.nats.io/running-a-nats-service/nats_admin/monitoring class=\"help\">Help</a>\n")
                .append("  </body>\n</html>");
        return sb.toString();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder qs = new QueryStringDecoder(req.uri());
            Map<String, String> query = new HashMap<>();
            qs.parameters().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.get(0)));
            String path = qs.path();
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (path.equals(basePath)) {
                count(ROOT);
                respond(ctx, keepAlive, HttpResponseStatus.OK, "text/html; charset=utf-8", indexPage());
                return;
            }
            String endpoint = null;
            for (String p : PATHS) {
                if (path.equals(fullPath(p))) {
                    endpoint = p;
                    break;
                }
            }
            if (endpoint == null) {
                respond(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                        "404 page not found\n");
                return;
            }
            count(endpoint);
            try {
                if (endpoint.equals(METRICS)) {
                    respond(ctx, keepAlive, HttpResponseStatus.OK, PrometheusMetrics.CONTENT_TYPE,
                            metrics.scrape(query));
                    return;
                }
                ObjectNode body = endpoints.get(endpoint).handle(query);
                HttpResponseStatus status = HttpResponseStatus.OK;
                String json;
                if (endpoint.equals(HEALTHZ)) {
                    json = GoJson.compact(body);
                    if (body.has("error")) {
                        status = HttpResponseStatus.SERVICE_UNAVAILABLE;
                    }
                } else {
                    json = GoJson.pretty(body);
                }
                String callback = query.getOrDefault("callback", "");
                if (!callback.isEmpty()) {
                    respond(ctx, keepAlive, status, "application/javascript", callback + "(" + json + ")");
                } else {
                    respond(ctx, keepAlive, status, "application/json", json);
                }
            } catch (MonitorException e) {
                respond(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8", e.getMessage());
            } catch (RuntimeException e) {
                log.error("Error serving monitoring request " + path + ": " + e);
                respond(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                        "internal error\n");
            }
        }

        private void count(String endpoint) {
            requestStats.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
        }

        private void respond(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status,
                String contentType, String body) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(bytes));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (keepAlive) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (log.isDebugEnabled()) {
                log.debug("Monitoring connection error: " + cause);
            }
            ctx.close();
        }
    }
}
