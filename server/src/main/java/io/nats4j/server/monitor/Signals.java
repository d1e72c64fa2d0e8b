package io.nats4j.server.monitor;

import io.nats4j.server.NatsServer;
import io.nats4j.server.log.ServerLogger;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * nats-server's signal handling for the standalone server: SIGUSR1 reopens the log file, SIGUSR2 enters
 * lame duck mode, SIGHUP reloads the configuration ({@link NatsServer#reload()}; a failure is logged and the server keeps
 * running instead of the JVM's default exit). For the standalone server SIGTERM and SIGINT shut down with nats-server's
 * exit status (1 and 0); embedded, they stay with the JVM and the embedding application.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported) through reflection, so the code compiles
 * warning-free and degrades to a logged warning on a JVM without it or started with {@code -Xrs}.
 */
public final class Signals {

    private Signals() {
    }

    /** Installs the handlers; returns the signals that could not be handled (empty when all are). */
    public static List<String> install(NatsServer server, ServerLogger log) {
        return install(server, log, null);
    }

    /**
     * Same, and with {@code exitStatus} (the standalone server's) also SIGTERM and SIGINT as nats-server handles
     * them: SIGTERM shuts down and the process exits with status 1 (ignored while lame duck mode is shutting the
     * server down anyway), SIGINT shuts down with status 0. {@code exitStatus} receives the status before the
     * shutdown starts; the caller exits with it once the server is down.
     */
    public static List<String> install(NatsServer server, ServerLogger log, java.util.function.IntConsumer exitStatus) {
        List<String> failed = new ArrayList<>();
        if (exitStatus != null) {
            handle("TERM", "terminated", failed, log, () -> {
                if (!server.isLameDuckMode()) {
                    exitStatus.accept(1);
                    server.close();
                }
            });
            handle("INT", "interrupt", failed, log, () -> {
                exitStatus.accept(0);
                server.close();
            });
        }
        handle("USR1", "user defined signal 1", failed, log, server::reopenLogFile);
        handle("USR2", "user defined signal 2", failed, log, server::enterLameDuckMode);
        handle("HUP", "hangup", failed, log, () -> {
            try {
                server.reload();
            } catch (java.io.IOException e) {
                log.error("Failed to reload server configuration: " + e.getMessage());
            } catch (RuntimeException | StackOverflowError e) {
                // a defect, not a bad file: still the server keeps running on its current configuration
                log.error("Failed to reload server configuration: " + e);
            }
        });
        if (!failed.isEmpty()) {
            log.warn("Signal handling unavailable for " + String.join(", ", failed)
                    + " (no sun.misc.Signal, or -Xrs): use the embedding API or the monitoring port instead");
        }
        return failed;
    }

    private static void handle(String name, String goName, List<String> failed, ServerLogger log, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            InvocationHandler ih = (proxy, method, args) -> onProxyCall(proxy, method, args, () -> {
                if (log.isDebugEnabled()) {
                    log.debug("Trapped \"" + goName + "\" signal");
                }
                // off the JVM's signal dispatcher thread: lame duck and log reopen may block briefly
                Thread t = new Thread(action, "nats4j-signal-" + name);
                t.setDaemon(true);
                t.start();
            });
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            failed.add("SIG" + name);
        }
    }

    private static Object onProxyCall(Object proxy, Method method, Object[] args, Runnable onSignal) {
        switch (method.getName()) {
            case "handle" -> {
                onSignal.run();
                return null;
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return proxy == args[0];
            }
            case "toString" -> {
                return "nats4j signal handler";
            }
            default -> throw new UnsupportedOperationException(method.getName());
        }
    }
}
