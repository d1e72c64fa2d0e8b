package io.nats4j.server;

/**
 * Start-up timing for measuring where the time to the first accepted connection goes:
 * {@code -Dnats4j.startup.trace=true} prints one line per phase on stderr, with the wall-clock time in
 * milliseconds since the epoch (to line up with a poller's own clock) and the time since the previous line.
 * Off by default; the check is a constant the JIT folds away.
 */
public final class StartupTrace {

    private static final boolean ON = Boolean.getBoolean("nats4j.startup.trace");
    private static long last;

    private StartupTrace() {
    }

    public static void mark(String phase) {
        if (ON) {
            print(phase);
        }
    }

    /** As {@link #mark}, but only the first time this phase is reached (per-connection steps of the first client). */
    public static void markFirst(String phase) {
        if (ON) {
            synchronized (StartupTrace.class) {
                if (!FIRSTS.add(phase)) {
                    return;
                }
            }
            print(phase);
        }
    }

    private static final java.util.Set<String> FIRSTS = new java.util.HashSet<>();

    private static synchronized void print(String phase) {
        long now = System.nanoTime();
        long wallMillis = System.currentTimeMillis();
        long sinceMicros = last == 0 ? 0 : (now - last) / 1000;
        last = now;
        // StringBuilder rather than String.format or +: the first format call and the first call site of each
        // string concatenation cost milliseconds, which would land in the phase being measured
        StringBuilder sb = new StringBuilder(96).append("[startup] ").append(wallMillis).append(' ')
                .append(sinceMicros / 1000).append('.').append((sinceMicros % 1000) / 100).append(" ms  ").append(phase)
                .append(" (").append(Thread.currentThread().getName()).append(')');
        System.err.println(sb);
    }
}
