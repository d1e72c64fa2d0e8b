package io.nats4j.server;

import io.nats4j.server.config.CommandLine;
import io.nats4j.server.config.ConfigException;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.log.ServerLoggers;
import io.nats4j.server.monitor.SignalCommand;
import io.nats4j.server.monitor.Signals;
import java.io.IOException;

/**
 * The standalone server's entry point (bin/nats4j): nats-server's flags, config file and exit codes.
 * SIGTERM and SIGINT shut down gracefully and exit with nats-server's status (1 and 0); SIGUSR1 reopens the log file,
 * SIGUSR2 enters lame duck mode ({@link io.nats4j.server.monitor.Signals}).
 */
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the server until it shuts down; returns the process exit code. */
    static int run(String[] args) {
        StartupTrace.mark("main");
        CommandLine.Result cli;
        // bound by bin/nats4j's launcher before the JVM started (socket activation), or null
        EarlyListener early = EarlyListener.inherited();
        try {
            CommandLine.Flags flags = CommandLine.flags(args);
            if (flags.serving()) {
                // before the config file is read (JWTs in it take a fresh JVM hundreds of ms): Netty's transport
                // set-up, and the client port when the flags fix it (they override the file)
                StartupWarmup.start();
                java.util.Map.Entry<String, Integer> listen = flags.listen();
                if (listen != null && early == null) {
                    early = openEarly(listen.getKey(), listen.getValue());
                }
            }
            cli = CommandLine.resolve(flags, System::getenv);
        } catch (ConfigException e) {
            if (early != null) {
                early.close();
            }
            System.err.println("nats-server: " + e.getMessage());
            return 1;
        }
        if (cli.showHelp()) {
            System.out.print(CommandLine.usage());
            return 0;
        }
        if (cli.showVersion()) {
            System.out.println("nats-server: v" + Version.NATS_SERVER);
            System.out.println("nats4j: v" + Version.NATS4J);
            return 0;
        }
        ServerOptions options = cli.options();
        StartupTrace.mark("command line");
        if (cli.testConfig()) {
            // the checks start-up makes, not only the file's syntax: what -t passes, start-up does not refuse
            try {
                StartupChecks.run(options);
            } catch (StartupChecks.Refused e) {
                System.err.println("nats-server: " + e.getMessage());
                return 1;
            }
            System.out.println("nats-server: configuration file " + options.configFile + " is valid");
            return 0;
        }
        if (cli.signal() != null) {
            SignalCommand.Result r = SignalCommand.run(cli.signal());
            if (r.error() != null) {
                System.err.println("nats-server: " + r.error());
            }
            return r.exitCode();
        }
        // the client port accepts from here on (if not already); NatsServer.start hands the socket to Netty
        if (early == null) {
            early = openEarly(options.host, options.port);
        }
        ServerLogger log;
        try {
            log = ServerLoggers.forStandalone(options);
        } catch (IOException e) {
            System.err.println("nats-server: " + e.getMessage());
            return 1;
        }
        StartupTrace.mark("logger");
        for (String warning : cli.warnings()) {
            log.warn(warning);
        }
        NatsServer server = new NatsServer(options, log);
        if (early != null) {
            server.earlyListener(early);
        }
        StartupTrace.mark("server created");
        // a reload reads the config file again and re-applies the flags on top, as nats-server does
        if (options.configFile != null) {
            server.reloadSource(() -> CommandLine.parse(args).options());
        }
        server.loggerFactory(o -> {
            try {
                return ServerLoggers.forStandalone(o);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // signals are handled from before start-up on, as nats-server does: a SIGHUP sent as soon as the server
        // says it is ready must reach the reload handler, not the JVM's default (exit). The server's logger
        // follows reloads; SIGTERM and SIGINT set nats-server's exit status (1 and 0).
        java.util.concurrent.atomic.AtomicInteger exitStatus = new java.util.concurrent.atomic.AtomicInteger();
        Signals.install(server, server.logger(), exitStatus::set);
        try {
            server.start();
        } catch (StartupChecks.Refused e) {
            // the options themselves: reported as -t reports them (and as nats-server reports its option errors)
            server.dropEarlyListener();
            System.err.println("nats-server: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            server.dropEarlyListener();
            log.fatal(e.getMessage());
            return 1;
        }
        server.exitAfterClose();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "nats4j-shutdown"));
        try {
            server.awaitShutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return exitStatus.get();
    }

    /** Binds the client port early (see {@link EarlyListener}); host and port as in the options. */
    private static EarlyListener openEarly(String host, int port) {
        EarlyListener early = EarlyListener.open(host == null || host.isEmpty() ? ServerOptions.DEFAULT_HOST : host,
                port <= 0 ? 0 : port);
        StartupTrace.mark(early != null ? "early listener" : "no early listener");
        return early;
    }

    private Main() {
    }
}
