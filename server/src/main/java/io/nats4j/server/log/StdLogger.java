package io.nats4j.server.log;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * nats-server's standard logger: one line per call,
 * {@code [<pid>] 2026/11/29 12:00:00.000000 [INF] message}, in local time with microseconds; without
 * the date and time when {@code -T=false}. Writes to stderr, or appends to a log file ({@code -l}),
 * optionally rotated when it grows past {@code log_size_limit}, keeping at most {@code log_max_num}
 * backups (0 = keep all).
 *
 * <p>Thread-safe: each line is formatted by the caller and written with one {@code write} under a
 * lock, so lines never interleave. Debug and trace lines are dropped unless enabled. {@link #fatal}
 * only logs: the caller decides to exit (nats-server exits; an embedded server must not).
 */
public final class StdLogger extends LevelLogger implements Closeable {

    /** Only rotation needs it: a holder keeps DateTimeFormatter's setup out of start-up. */
    private static final class BackupSuffix {
        static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy.MM.dd.HH.mm.ss.nnnnnnnnn");
    }

    private final String pidPrefix;
    private final boolean logTime;
    private final InstantSource clock;
    /**
     * The zone as a {@link TimeZone}: its offsets come from the JDK's tzdb.dat directly. A {@link ZoneId}
     * region's rules go through {@code ZoneRulesProvider}, whose set-up scans every jar on the class path
     * for provider services (tens of milliseconds of start-up; see docs/PERFORMANCE.md).
     */
    private final TimeZone timeZone;
    private final ReentrantLock lock = new ReentrantLock();

    // file logging; all guarded by lock
    private final Path file;
    private final long sizeLimit;
    private final int maxBackups;
    private OutputStream out;
    private long written;

    private StdLogger(Builder b) throws IOException {
        super(b.debug, b.trace);
        this.pidPrefix = "[" + b.pid + "] ";
        this.logTime = b.logTime;
        this.clock = b.clock;
        this.timeZone = b.zone == null ? TimeZone.getDefault() : TimeZone.getTimeZone(b.zone);
        this.file = b.file;
        this.sizeLimit = b.sizeLimit;
        this.maxBackups = b.maxBackups;
        if (file != null) {
            openFile();
        } else {
            this.out = b.out;
        }
    }

    /** Lines to stderr, unbuffered (one write system call per line). */
    public static StdLogger toStderr(boolean logTime, boolean debug, boolean trace) {
        try {
            return builder().output(new FileOutputStream(FileDescriptor.err)).time(logTime).debug(debug).trace(trace).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // no file involved: cannot happen
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void log(LogLevel level, String message) {
        byte[] line = format(level, message).getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            if (out == null) {
                return; // closed
            }
            if (file != null && sizeLimit > 0 && written > 0 && written + line.length > sizeLimit) {
                rotate();
            }
            out.write(line);
            written += line.length;
        } catch (IOException e) {
            // Nowhere better to report a failing log: stderr, once per failed line.
            System.err.println("nats4j: cannot write log: " + e);
        } finally {
            lock.unlock();
        }
    }

    String format(LogLevel level, String message) {
        StringBuilder sb = new StringBuilder(pidPrefix.length() + 33 + message.length());
        sb.append(pidPrefix);
        if (logTime) {
            appendTime(sb, clock.instant());
            sb.append(' ');
        }
        sb.append(level.tag()).append(message).append('\n');
        return sb.toString();
    }

    /** {@code 2006/01/02 15:04:05.000000} in the logger's zone (Go's LstdFlags|Lmicroseconds). */
    void appendTime(StringBuilder sb, Instant now) {
        LocalDateTime t = localTime(now);
        pad(sb, t.getYear(), 4).append('/');
        pad(sb, t.getMonthValue(), 2).append('/');
        pad(sb, t.getDayOfMonth(), 2).append(' ');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2).append('.');
        pad(sb, t.getNano() / 1000, 6);
    }

    private LocalDateTime localTime(Instant now) {
        ZoneOffset offset = ZoneOffset.ofTotalSeconds(timeZone.getOffset(now.toEpochMilli()) / 1000);
        return LocalDateTime.ofEpochSecond(now.getEpochSecond(), now.getNano(), offset);
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        for (int limit = 10, i = 1; i < width; i++, limit *= 10) {
            if (value < limit) {
                sb.append('0');
            }
        }
        return sb.append(value);
    }

    private void openFile() throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        written = Files.size(file);
    }

    /** Lock held. Renames the file to {@code <file>.<timestamp>}, reopens, prunes old backups. */
    private void rotate() throws IOException {
        out.close();
        LocalDateTime now = localTime(clock.instant());
        Path backup = file.resolveSibling(file.getFileName() + "." + BackupSuffix.FORMAT.format(now));
        Files.move(file, backup);
        openFile();
        byte[] note = format(LogLevel.NOTICE, "Rotated log, backup saved as " + backup).getBytes(StandardCharsets.UTF_8);
        out.write(note);
        written += note.length;
        if (maxBackups > 0) {
            pruneBackups();
        }
    }

    private void pruneBackups() throws IOException {
        String prefix = file.getFileName() + ".";
        List<Path> backups = new ArrayList<>();
        try (Stream<Path> siblings = Files.list(file.toAbsolutePath().getParent())) {
            siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(backups::add);
        }
        // the suffix sorts in time order
        backups.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (int i = 0; i < backups.size() - maxBackups; i++) {
            Files.deleteIfExists(backups.get(i));
        }
    }

    /** Closes and reopens the log file (after an external rotation moved it); no-op for stderr. */
    public void reopen() throws IOException {
        lock.lock();
        try {
            if (file != null && out != null) {
                out.close();
                openFile();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes the log file; later lines are dropped. Stderr is left open. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (out != null && file != null) {
                out.close();
            }
            out = null;
        } finally {
            lock.unlock();
        }
    }

    /** Options of a {@link StdLogger}; defaults are nats-server's (time on, debug and trace off). */
    public static final class Builder {
        private OutputStream out;
        private Path file;
        private boolean logTime = true;
        private boolean debug;
        private boolean trace;
        private long pid = ProcessHandle.current().pid();
        private InstantSource clock = InstantSource.system();
        private ZoneId zone; // null: the system default (ZoneId.systemDefault() would set up ZoneRulesProvider)
        private long sizeLimit;
        private int maxBackups;

        private Builder() {
        }

        /** Writes to this stream (each line in one {@code write} call). */
        public Builder output(OutputStream stream) {
            this.out = stream;
            this.file = null;
            return this;
        }

        /** Appends to this file ({@code -l}), creating it and its folders. */
        public Builder file(Path logFile) {
            this.file = logFile;
            this.out = null;
            return this;
        }

        public Builder time(boolean on) {
            this.logTime = on;
            return this;
        }

        public Builder debug(boolean on) {
            this.debug = on;
            return this;
        }

        public Builder trace(boolean on) {
            this.trace = on;
            return this;
        }

        public Builder pid(long processId) {
            this.pid = processId;
            return this;
        }

        /** The clock and the zone of the time stamps (null: the system default zone). */
        public Builder clock(InstantSource source, ZoneId timeZone) {
            this.clock = source;
            this.zone = timeZone;
            return this;
        }

        /** {@code log_size_limit} in bytes (0 = no rotation) and {@code log_max_num} (0 = keep all backups). */
        public Builder rotation(long sizeLimitBytes, int maxBackupFiles) {
            if (sizeLimitBytes < 0 || maxBackupFiles < 0) {
                throw new IllegalArgumentException("log_size_limit and log_max_num must not be negative");
            }
            this.sizeLimit = sizeLimitBytes;
            this.maxBackups = maxBackupFiles;
            return this;
        }

        public StdLogger build() throws IOException {
            if (out == null && file == null) {
                throw new IllegalStateException("StdLogger needs an output stream or a file");
            }
            return new StdLogger(this);
        }
    }
}
