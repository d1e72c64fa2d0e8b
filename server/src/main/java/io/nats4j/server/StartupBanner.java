package io.nats4j.server;

import io.nats4j.server.auth.Accounts;
import io.nats4j.server.log.ServerLogger;

/** The lines a starting server logs before it binds, as nats-server prints them. */
final class StartupBanner {

    private StartupBanner() {
    }

    static void log(ServerLogger log, ServerOptions o, String serverName, String serverId, Accounts accounts) {
        log.notice("Starting nats-server");
        log.notice("  Version:  " + Version.NATS_SERVER + " (nats4j " + Version.NATS4J + ")");
        log.notice("  Java:     " + Runtime.version());
        log.notice("  Name:     " + serverName);
        log.notice("  ID:       " + serverId);
        if (accounts.plaintextPasswords()) {
            log.warn("Plaintext passwords detected, use nkeys or bcrypt");
        }
        if (o.configFile != null) {
            log.notice("Using configuration file: " + o.configFile);
        }
        if (accounts.operatorMode() != null) {
            accounts.operatorMode().describe(log::notice);
        }
    }
}
