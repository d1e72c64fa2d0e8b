package io.nats4j.server.config;

import io.nats4j.server.ServerOptions;
import io.nats4j.server.auth.AuthOptions;
import io.nats4j.server.auth.User;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * nats-server's config reload rules ({@code server/reload.go}): the options read again from the config
 * file are compared with the running ones; a change to an option that cannot change while running is
 * refused with nats-server's error ({@code config reload not supported for <Field>: old=<v>, new=<v>},
 * the Go field name and {@code %v} values) and nothing is applied; the others make the new running options
 * ({@link #merge}).
 *
 * <p>Reloadable: logging (debug, trace, logtime, logfile, syslog, size limits), limits (max_payload,
 * max_control_line, max_connections, max_subscriptions, max_pending, write_deadline, ping_interval,
 * ping_max, auth timeout, lame duck durations, max_traced_msg_len), client_advertise, pid and ports files,
 * authorization, users, accounts and permissions, and the TLS certificates and settings (TLS cannot be
 * turned on or off). A port of 0 or -1 (a free port) is not compared: the listener stays where it is.
 */
public final class ConfigReload {

    /** What a reload changes, by area. */
    public record Changes(List<String> changed, boolean logging, boolean auth, boolean tls, boolean limits) {
        public boolean isEmpty() {
            return changed.isEmpty();
        }
    }

    private ConfigReload() {
    }

    /**
     * Compares the running options with the new ones.
     *
     * @throws ConfigException with nats-server's text for the first option that cannot be reloaded
     */
    public static Changes diff(ServerOptions old, ServerOptions neu) throws ConfigException {
        // refused, in the order of nats-server's Options struct fields
        refuse("ServerName", nullToEmpty(old.serverName), nullToEmpty(neu.serverName));
        refuse("Host", nullToEmpty(old.host), nullToEmpty(neu.host));
        if (old.port > 0 && neu.port != 0) {
            refuse("Port", old.port, neu.port);
        }
        noAuthUser(old.auth, neu.auth);
        refuse("SystemAccount", systemAccount(old.auth), systemAccount(neu.auth));
        refuse("NoSystemAccount", old.auth.noSystemAccount, neu.auth.noSystemAccount);
        refuse("HTTPHost", nullToEmpty(old.httpHost), nullToEmpty(neu.httpHost));
        if (!(old.httpPort < 0 && neu.httpPort != 0)) { // a free monitoring port is not compared
            refuse("HTTPPort", old.httpPort, neu.httpPort);
        }
        refuse("HTTPBasePath", nullToEmpty(old.httpBasePath), nullToEmpty(neu.httpBasePath));
        refuse("NoHeaderSupport", old.noHeaderSupport, neu.noHeaderSupport);
        refuse("NoSublistCache", old.noSublistCache, neu.noSublistCache);
        // JetStream settings are read once at start by nats4j (docs/DIFFERENCES.md): refused, not ignored
        refuse("JetStream", old.jetStream.enabled, neu.jetStream.enabled);
        refuse("JetStreamMaxMemory", old.jetStream.maxMemory, neu.jetStream.maxMemory);
        refuse("JetStreamMaxStore", old.jetStream.maxStore, neu.jetStream.maxStore);
        refuse("JetStreamDomain", nullToEmpty(old.jetStream.domain), nullToEmpty(neu.jetStream.domain));
        refuse("StoreDir", old.jetStream.storeDir == null ? "" : old.jetStream.storeDir.toString(),
                neu.jetStream.storeDir == null ? "" : neu.jetStream.storeDir.toString());
        refuse("SyncInterval", String.valueOf(old.jetStream.syncInterval), String.valueOf(neu.jetStream.syncInterval));
        // nats-server reloads some cluster settings (routes, authorization); nats4j's routes keep the ones they
        // started with, so any change of the cluster block is refused rather than ignored
        refuse("Cluster", old.cluster.describe(), neu.cluster.describe());
        if (!Objects.equals(old.cluster.password, neu.cluster.password)) {
            throw notSupported("Cluster", "[REDACTED]", "[REDACTED]");
        }
        if ((old.tls == null) != (neu.tls == null)) {
            refuse("TLSConfig", old.tls == null ? "<nil>" : "enabled", neu.tls == null ? "<nil>" : "enabled");
        }

        List<String> changed = new ArrayList<>();
        boolean logging = false;
        logging |= changed(changed, "debug", old.debug, neu.debug);
        logging |= changed(changed, "trace", old.trace, neu.trace);
        logging |= changed(changed, "trace_verbose", old.traceVerbose, neu.traceVerbose);
        logging |= changed(changed, "logtime", old.logTime, neu.logTime);
        logging |= changed(changed, "logtime_utc", old.logTimeUtc, neu.logTimeUtc);
        logging |= changed(changed, "log_file", old.logFile, neu.logFile);
        logging |= changed(changed, "log_size_limit", old.logSizeLimit, neu.logSizeLimit);
        logging |= changed(changed, "log_max_num", old.logMaxNum, neu.logMaxNum);
        logging |= changed(changed, "syslog", old.syslog, neu.syslog);
        logging |= changed(changed, "remote_syslog", old.remoteSyslog, neu.remoteSyslog);
        boolean limits = false;
        limits |= changed(changed, "max_payload", old.maxPayload, neu.maxPayload);
        limits |= changed(changed, "max_control_line", old.maxControlLine, neu.maxControlLine);
        limits |= changed(changed, "max_connections", old.maxConnections, neu.maxConnections);
        limits |= changed(changed, "max_subscriptions", old.maxSubscriptions, neu.maxSubscriptions);
        limits |= changed(changed, "max_pending", old.maxPending, neu.maxPending);
        limits |= changed(changed, "write_deadline", old.writeDeadline, neu.writeDeadline);
        limits |= changed(changed, "ping_interval", old.pingInterval, neu.pingInterval);
        limits |= changed(changed, "ping_max", old.pingMax, neu.pingMax);
        limits |= changed(changed, "lame_duck_duration", old.lameDuckDuration, neu.lameDuckDuration);
        limits |= changed(changed, "lame_duck_grace_period", old.lameDuckGracePeriod, neu.lameDuckGracePeriod);
        limits |= changed(changed, "max_traced_msg_len", old.maxTracedMsgLen, neu.maxTracedMsgLen);
        limits |= changed(changed, "client_advertise", old.clientAdvertise, neu.clientAdvertise);
        limits |= changed(changed, "pid_file", old.pidFile, neu.pidFile);
        limits |= changed(changed, "ports_file_dir", old.portsFileDir, neu.portsFileDir);
        boolean auth = false;
        auth |= changed(changed, "authorization", old.username, neu.username)
                | !Objects.equals(old.password, neu.password)
                | !Objects.equals(old.authorizationToken, neu.authorizationToken);
        auth |= changed(changed, "auth_timeout", old.authTimeout, neu.authTimeout);
        auth |= !Objects.equals(old.auth.users, neu.auth.users)
                | !Objects.equals(old.auth.defaultPermissions, neu.auth.defaultPermissions);
        auth |= changed(changed, "auth_callout", old.auth.authCallout, neu.auth.authCallout);
        if (auth && !changed.contains("authorization users")) {
            changed.add("authorization users");
        }
        // accounts have no value equality: every reload re-checks them (and every connected client), as
        // nats-server does whenever the accounts block is present
        if (!old.auth.accounts.isEmpty() || !neu.auth.accounts.isEmpty()) {
            changed.add("accounts");
            auth = true;
        }
        boolean tls = neu.tls != null;
        if (tls) {
            changed.add("tls");
        }
        return new Changes(changed, logging, auth, tls, limits);
    }

    /**
     * The options to run with after the reload: a new copy of {@code running} with the reloadable options of
     * {@code neu}. Neither argument changes: the server publishes the result in one step, so nothing reads a
     * half-applied reload.
     */
    public static ServerOptions merge(ServerOptions current, ServerOptions neu) {
        ServerOptions running = current.copy();
        running.debug = neu.debug;
        running.trace = neu.trace;
        running.traceVerbose = neu.traceVerbose;
        running.logTime = neu.logTime;
        running.logTimeUtc = neu.logTimeUtc;
        running.logFile = neu.logFile;
        running.logSizeLimit = neu.logSizeLimit;
        running.logMaxNum = neu.logMaxNum;
        running.syslog = neu.syslog;
        running.remoteSyslog = neu.remoteSyslog;
        running.maxPayload = neu.maxPayload;
        running.maxControlLine = neu.maxControlLine;
        running.maxConnections = neu.maxConnections;
        running.maxSubscriptions = neu.maxSubscriptions;
        running.maxPending = neu.maxPending;
        running.writeDeadline = neu.writeDeadline;
        running.pingInterval = neu.pingInterval;
        running.pingMax = neu.pingMax;
        running.lameDuckDuration = neu.lameDuckDuration;
        running.lameDuckGracePeriod = neu.lameDuckGracePeriod;
        running.maxTracedMsgLen = neu.maxTracedMsgLen;
        running.clientAdvertise = neu.clientAdvertise;
        running.pidFile = neu.pidFile;
        running.portsFileDir = neu.portsFileDir;
        running.username = neu.username;
        running.password = neu.password;
        running.authorizationToken = neu.authorizationToken;
        running.authTimeout = neu.authTimeout;
        running.auth = neu.auth.copy();
        running.tls = neu.tls == null ? null : neu.tls.copy();
        return running;
    }

    private static void noAuthUser(AuthOptions old, AuthOptions neu) throws ConfigException {
        String o = nullToEmpty(old.noAuthUser);
        String n = nullToEmpty(neu.noAuthUser);
        if (o.equals(n)) {
            return;
        }
        if (!o.isEmpty() && n.isEmpty()) {
            // dropping no_auth_user is fine unless that user still exists
            boolean stillThere = false;
            for (User u : neu.users) {
                stillThere |= o.equals(u.username());
            }
            if (!stillThere) {
                return;
            }
        }
        throw notSupported("NoAuthUser", o, n);
    }

    private static String systemAccount(AuthOptions a) {
        return a.systemAccount == null ? AuthOptions.DEFAULT_SYSTEM_ACCOUNT : a.systemAccount;
    }

    private static void refuse(String field, Object old, Object neu) throws ConfigException {
        if (!Objects.equals(old, neu)) {
            throw notSupported(field, old, neu);
        }
    }

    private static ConfigException notSupported(String field, Object old, Object neu) {
        return new ConfigException("config reload not supported for " + field + ": old=" + old + ", new=" + neu);
    }

    private static boolean changed(List<String> changed, String name, Object old, Object neu) {
        if (Objects.equals(old, neu)) {
            return false;
        }
        // nats-server's "Reloaded: max_payload = 100"
        String v = neu instanceof java.time.Duration d ? GoDuration.format(d) : String.valueOf(neu);
        changed.add(name.equals("users") || name.equals("authorization") ? "authorization users" : name + " = " + v);
        return true;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
