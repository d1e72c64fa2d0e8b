package io.nats4j.server.monitor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory and CPU use, as nats-server's {@code pse.ProcUsage} reports them for
 * /varz: {@code mem} in bytes (RSS from /proc/self/statm; the JVM's committed heap where /proc is absent)
 * and {@code cpu} in percent of one core (can exceed 100), averaged since the previous sample (at most
 * one sample per second; the first one averages since the start).
 */
public final class ProcessUsage {

    private static final long PAGE_SIZE = 4096;
    private static final long MIN_SAMPLE_NANOS = 1_000_000_000L;

    private final long startNanos = System.nanoTime();
    private long lastWallNanos;
    private long lastCpuNanos;
    private double lastPercent;

    /** Resident set size in bytes. */
    public static long residentBytes() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * PAGE_SIZE;
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().totalMemory();
        }
    }

    /** CPU percent of one core, or 0 when the JVM does not report process CPU time. */
    public synchronized double cpuPercent() {
        long cpu = processCpuNanos();
        if (cpu < 0) {
            return 0;
        }
        long now = System.nanoTime();
        if (lastWallNanos == 0) {
            lastWallNanos = startNanos;
        }
        long wall = now - lastWallNanos;
        if (wall < MIN_SAMPLE_NANOS && lastCpuNanos != 0) {
            return lastPercent;
        }
        double pct = wall <= 0 ? 0 : 100.0 * (cpu - lastCpuNanos) / wall;
        lastWallNanos = now;
        lastCpuNanos = cpu;
        lastPercent = Math.round(pct * 100) / 100.0;
        return lastPercent;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
