package io.nats4j.server.sys;

import static io.nats4j.server.sys.SystemAccountService.*;
import static io.nats4j.server.sys.SysJson.*;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.auth.AccountJwtUpdates;
import io.nats4j.server.auth.OperatorMode;
import io.nats4j.server.connection.ClientConnection;
import io.nats4j.server.log.ServerLogger;
import io.nats4j.server.monitor.GoJson;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Operator mode's account JWT requests on {@code $SYS} (nats-server's resolver handlers): claim updates, and
 * with the full or cache resolver the claim lookup, list and delete requests. Runs on the
 * {@link SystemAccountService}'s thread.
 */
final class ClaimRequests {

    private final SystemAccountService service;
    private final NatsServer server;
    private final ServerLogger log;

    ClaimRequests(SystemAccountService service) {
        this.service = service;
        this.server = service.server;
        this.log = service.log;
    }

    /**
     * Operator mode: account JWT claim updates on {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE} (and the older
     * {@code $SYS.ACCOUNT.<acc>.CLAIMS.UPDATE}); with the full resolver also {@code $SYS.REQ.CLAIMS.UPDATE}
     * and {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.LOOKUP} (nats-server's DirAccResolver.Start and, for MEMORY,
     * its accountClaimUpdate).
     */
    void subscribeClaimRequests(Account sys) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null) {
            return;
        }
        service.subscribe(sys, String.format(ACC_CLAIMS_UPDATE_NEW, "*"), (a, c, s, r, h, p) -> claimUpdate(a, s, 3, r, p));
        service.subscribe(sys, String.format(ACC_CLAIMS_UPDATE_OLD, "*"), (a, c, s, r, h, p) -> claimUpdate(a, s, 2, r, p));
        if (om.jwtUpdates().fullResolver() || om.jwtUpdates().cacheResolver()) {
            service.subscribe(sys, CLAIMS_UPDATE, (a, c, s, r, h, p) -> claimUpdate(a, null, -1, r, p));
            if (om.jwtUpdates().fullResolver()) {
                service.subscribe(sys, String.format(ACC_CLAIMS_LOOKUP, "*"), this::claimLookup);
            }
            service.subscribe(sys, CLAIMS_LIST, this::claimList);
            service.subscribe(sys, CLAIMS_DELETE, this::claimDelete);
        }
    }

    /** {@code $SYS.REQ.CLAIMS.LIST}: {@code {"data":[account public keys],"server":{...}}}. */
    void claimList(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null || reply == null || reply.isEmpty()) {
            return;
        }
        java.util.List<String> keys;
        try {
            keys = om.jwtUpdates().listAccounts();
        } catch (java.io.IOException | RuntimeException e) {
            log.error("list request error: " + e.getMessage()); // nats-server lets the requester time out
            return;
        }
        log.debug("list request responded with " + keys.size() + " account ids");
        ObjectNode resp = GoJson.object();
        ArrayNode data = resp.putArray("data");
        keys.forEach(data::add);
        ObjectNode si = resp.putObject("server");
        service.publish(a, reply, si, resp);
    }

    /** {@code $SYS.REQ.CLAIMS.DELETE}: an operator-signed generic JWT naming the accounts to delete. */
    void claimDelete(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null) {
            return;
        }
        Account sys = server.accounts().system();
        respondToUpdate(a, reply, om.jwtUpdates().claimDelete(new String(msg, StandardCharsets.UTF_8), sys == null ? null : sys.name()));
    }

    /** {@code accountToken}: which subject token names the account (-1: the JWT's subject decides). */
    void claimUpdate(Account a, String subject, int accountToken, String reply, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        if (om == null) {
            return;
        }
        String account = null;
        if (accountToken >= 0) {
            String[] tokens = subject.split("\\.");
            account = tokens.length > accountToken ? tokens[accountToken] : "";
        }
        respondToUpdate(a, reply, om.jwtUpdates().claimUpdate(account, new String(msg, StandardCharsets.UTF_8)));
    }

    /** nats-server's respondToUpdate: logs the outcome and answers {@code data} or {@code error}. */
    void respondToUpdate(Account a, String reply, AccountJwtUpdates.ClaimUpdate u) {
        String acc = u.account() == null ? "" : u.account();
        if (u.ok()) {
            log.debug(acc.isEmpty() ? u.message() : u.message() + " - " + acc);
        } else {
            log.error(acc.isEmpty() ? u.description() : u.message() + " - " + acc + " - " + u.error());
        }
        if (reply == null || reply.isEmpty()) {
            return;
        }
        ObjectNode resp = GoJson.object();
        ObjectNode body = resp.putObject(u.ok() ? "data" : "error");
        if (!acc.isEmpty()) {
            body.put("account", acc);
        }
        body.put("code", u.ok() ? 200 : 500);
        if (u.ok()) {
            body.put("message", u.message());
        } else {
            body.put("description", u.description());
        }
        ObjectNode si = resp.putObject("server");
        service.publish(a, reply, si, resp);
    }

    /** {@code $SYS.REQ.ACCOUNT.<acc>.CLAIMS.LOOKUP}: the stored JWT as the payload, empty when unknown. */
    void claimLookup(Account a, ClientConnection from, String subject, String reply, byte[] hdr, byte[] msg) {
        OperatorMode om = server.accounts().operatorMode();
        String[] tokens = subject.split("\\.");
        if (om == null || reply == null || reply.isEmpty() || tokens.length != 6) {
            return;
        }
        String jwt = om.jwtUpdates().lookupJwt(tokens[3]);
        if (jwt == null) {
            log.debug("DirResolver - Could not find account \"" + tokens[3] + "\"");
        }
        try {
            service.client.publish(a, reply, null, null, jwt == null ? new byte[0] : jwt.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            log.error("Error publishing on \"" + reply + "\": " + e.getMessage());
        }
    }
}
