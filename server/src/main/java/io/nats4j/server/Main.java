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
 * SIGINT and SIGTERM shut down gracefully through the JVM's shutdown hook; SIGUSR1 reopens the log file,
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
        try {
            cli = CommandLine.parse(args);
        } catch (ConfigException e) {
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
        // first: Netty's transport set-up is the longest step before the port is open. Netty logs nothing
        // there unless something is wrong; such a line would go to stderr rather than a configured log file.
        StartupWarmup.start();
        // the client port accepts from here on; NatsServer.start hands the socket to Netty
        String host = options.host == null || options.host.isEmpty() ? ServerOptions.DEFAULT_HOST : options.host;
        EarlyListener early = EarlyListener.open(host, options.port <= 0 ? 0 : options.port);
        StartupTrace.mark(early != null ? "early listener" : "no early listener");
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
        try {
            server.start();
        } catch (IOException e) {
            server.dropEarlyListener();
            log.fatal(e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "nats4j-shutdown"));
        Signals.install(server, server.logger()); // the server's logger follows reloads
        try {
            server.awaitShutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }

    private Main() {
    }
}
