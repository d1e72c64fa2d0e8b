package io.nats4j.server.log;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Syslog output, like nats-server's {@code -r} (remote) and {@code -s} (local) options.
 *
 * <p>Remote ({@code udp://host:port}, {@code tcp://host:port}, {@code unix:///path}): lines
 * {@code <PRI>2026-11-29T12:00:00+01:00 hostname nats4j[pid]: message}, facility kern, one datagram
 * (or one newline-terminated write) per line, as Go's {@code log/syslog} sends them for nats-server.
 *
 * <p>Local ({@code -s}): {@code <PRI>Nov 29 12:00:00 nats4j[pid]: message}, facility daemon, to
 * {@code /dev/log} (or {@code /var/run/syslog}, {@code /var/run/log}). The JDK can only open
 * <em>stream</em> Unix sockets; most syslog daemons listen on a datagram socket there, in which case
 * {@link #local} fails with an {@link IOException} saying so.
 *
 * <p>Severities: notice 5, warn 4, error 3, fatal 2 (crit), debug 7, trace 5 (notice).
 */
public final class SyslogLogger extends LevelLogger implements Closeable {

    public static final String DEFAULT_TAG = "nats4j";
    private static final int FACILITY_KERN = 0;
    private static final int FACILITY_DAEMON = 3 << 3;
    private static final List<String> LOCAL_SOCKETS = List.of("/dev/log", "/var/run/syslog", "/var/run/log");
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX", Locale.ROOT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private final ChannelOpener opener;
    private final boolean stream;
    private final boolean local;
    private final int facility;
    private final String header; // "hostname tag[pid]: " or "tag[pid]: "
    private final InstantSource clock;
    private final ZoneId zone;
    private final ReentrantLock lock = new ReentrantLock();
    private ByteChannel channel; // guarded by lock

    @FunctionalInterface
    private interface ChannelOpener {
        ByteChannel open() throws IOException;
    }

    private SyslogLogger(ChannelOpener opener, boolean stream, boolean local, String tag, boolean debug, boolean trace,
            InstantSource clock, ZoneId zone) throws IOException {
        super(debug, trace);
        this.opener = opener;
        this.stream = stream;
        this.local = local;
        this.facility = local ? FACILITY_DAEMON : FACILITY_KERN;
        long pid = ProcessHandle.current().pid();
        this.header = local ? tag + "[" + pid + "]: " : hostname() + " " + tag + "[" + pid + "]: ";
        this.clock = clock;
        this.zone = zone;
        this.channel = opener.open();
    }

    /**
     * A remote syslog logger for nats-server's {@code -r} / {@code remote_syslog} value:
     * {@code udp://host:port}, {@code tcp://host:port} or {@code unix:///path} (stream sockets only).
     *
     * @throws IllegalArgumentException for a malformed URL or another scheme
     * @throws IOException when the socket cannot be opened or connected
     */
    public static SyslogLogger remote(String url, boolean debug, boolean trace) throws IOException {
        return remote(url, DEFAULT_TAG, debug, trace, InstantSource.system(), ZoneId.systemDefault());
    }

    static SyslogLogger remote(String url, String tag, boolean debug, boolean trace, InstantSource clock, ZoneId zone)
            throws IOException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("error parsing remote syslog address " + url + ": " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "udp", "tcp" -> {
                if (uri.getHost() == null || uri.getPort() < 0) {
                    throw new IllegalArgumentException("remote syslog address needs host and port: " + url);
                }
                InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort());
                boolean tcp = scheme.equals("tcp");
                ChannelOpener opener = tcp ? () -> SocketChannel.open(address) : () -> DatagramChannel.open().connect(address);
                return new SyslogLogger(opener, tcp, false, tag, debug, trace, clock, zone);
            }
            case "unix" -> {
                SocketAddress address = UnixDomainSocketAddress.of(uri.getPath());
                return new SyslogLogger(() -> openUnixStream(address), true, false, tag, debug, trace, clock, zone);
            }
            default -> throw new IllegalArgumentException("error invalid network type: \"" + scheme + "\" in remote syslog address "
                    + url + " (use udp://host:port, tcp://host:port or unix:///path)");
        }
    }

    /**
     * The local syslog daemon ({@code -s}), through the first of /dev/log, /var/run/syslog,
     * /var/run/log that accepts a stream connection.
     *
     * @throws IOException when none does; its message explains the datagram-socket limitation
     */
    public static SyslogLogger local(boolean debug, boolean trace) throws IOException {
        IOException last = null;
        for (String path : LOCAL_SOCKETS) {
            Path socket = Path.of(path);
            if (!Files.exists(socket)) {
                continue;
            }
            SocketAddress address = UnixDomainSocketAddress.of(socket);
            try {
                return new SyslogLogger(() -> openUnixStream(address), true, true, DEFAULT_TAG, debug, trace,
                        InstantSource.system(), ZoneId.systemDefault());
            } catch (IOException e) {
                last = e;
            }
        }
        String why = last == null ? "no syslog socket at " + String.join(", ", LOCAL_SOCKETS)
                : "cannot connect to the local syslog socket (" + last.getMessage() + "); the JDK can only open stream Unix "
                        + "sockets and this syslog daemon listens on a datagram socket";
        throw new IOException("local syslog (-s/syslog) is not available: " + why
                + ". Use remote syslog instead (-r udp://127.0.0.1:514) or a log file (-l)", last);
    }

    private static ByteChannel openUnixStream(SocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(address);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    String format(LogLevel level, String message, Instant now) {
        ZonedDateTime t = now.atZone(zone);
        StringBuilder sb = new StringBuilder(header.length() + message.length() + 40);
        sb.append('<').append(facility | level.syslogSeverity()).append('>');
        sb.append(local ? STAMP.format(t) : RFC3339.format(t)).append(' ');
        sb.append(header).append(message);
        if (stream || !message.endsWith("\n")) {
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public void log(LogLevel level, String message) {
        ByteBuffer line = ByteBuffer.wrap(format(level, message, clock.instant()).getBytes(StandardCharsets.UTF_8));
        lock.lock();
        try {
            if (channel == null) {
                return;
            }
            try {
                write(line);
            } catch (IOException first) {
                // like Go's log/syslog: reconnect once, then give up on this line
                closeQuietly();
                channel = opener.open();
                line.rewind();
                write(line);
            }
        } catch (IOException e) {
            System.err.println("nats4j: cannot write to syslog: " + e);
        } finally {
            lock.unlock();
        }
    }

    private void write(ByteBuffer line) throws IOException {
        while (line.hasRemaining()) {
            channel.write(line);
        }
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // reconnecting anyway
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
