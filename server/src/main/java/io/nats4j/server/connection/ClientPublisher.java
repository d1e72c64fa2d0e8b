package io.nats4j.server.connection;

import io.nats4j.server.auth.Account;
import io.nats4j.server.protocol.Message;
import io.nats4j.server.protocol.ProtocolParser;
import io.nats4j.server.subject.SublistResult;
import io.nats4j.server.subject.Subjects;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * What a client publishes ({@code PUB}/{@code HPUB}), on its event loop: the input counters, the checks
 * nats-server makes before delivering (headers announced, pedantic subject check, publish permission, no
 * {@code _R_.} reply subjects), {@code +OK}, the match through the connection's cache, then the one
 * {@link FanOut} and, when nothing took a request, no-responders.
 */
final class ClientPublisher {

    private static final byte[] SERVICE_REPLY_PREFIX = Account.SERVICE_REPLY_PREFIX.getBytes(StandardCharsets.US_ASCII);

    private final ClientConnection c;
    private final FanOut fanOut;

    ClientPublisher(ClientConnection c, FanOut fanOut) {
        this.c = c;
        this.fanOut = fanOut;
    }

    void onMessage(ProtocolParser p, Message m) {
        int size = m.totalSize();
        c.inMsgs++;
        c.inBytes += size;
        c.batchInMsgs++;
        c.batchInBytes += size;
        byte[] subj = m.subjectArray();
        int subjOff = m.subjectOffset();
        int subjLen = m.subjectLength();
        if (c.log.isTraceEnabled()) {
            traceInMessage(p, m);
        }
        if (c.pedantic && !Subjects.isValidLiteralSubject(subj, subjOff, subjLen)) {
            // as nats-server: the error is sent and the message is still delivered
            c.queueErr("Invalid Publish Subject");
        }
        if (c.perms != null && !c.perms.canPublish(subj, subjOff, subjLen)) {
            String subject = m.subjectString();
            c.log.error(c.prefix() + "Publish Violation - User \"" + c.userName + "\", Subject \"" + subject + "\"");
            c.queueErr("Permissions Violation for Publish to \"" + subject + "\"");
            return;
        }
        if (m.hasReply() && isServiceReply(m.replyArray(), m.replyOffset(), m.replyLength())) {
            String reply = m.replyString();
            c.log.error(c.prefix() + "Publish Violation - User \"" + c.userName + "\", Reply \"" + reply + "\"");
            c.queueErr("Permissions Violation for Publish with Reply of \"" + reply + "\"");
            return;
        }
        c.queueOk();
        SublistResult r = c.matchCache.match(c.sublist, subj, subjOff, subjLen);
        if (fanOut.deliver(m, r) == 0 && c.noResponders && m.hasReply()) {
            fanOut.noResponders(c.account, m);
        }
    }

    private static boolean isServiceReply(byte[] l, int off, int len) {
        byte[] pre = SERVICE_REPLY_PREFIX;
        return len >= pre.length && java.util.Arrays.equals(l, off, off + pre.length, pre, 0, pre.length);
    }

    private void traceInMessage(ProtocolParser p, Message m) {
        ByteBuf payload = m.data();
        String args = new String(p.line(), 0, p.lineLength(), StandardCharsets.UTF_8);
        int sp = args.indexOf(' ');
        String verb = sp > 0 ? args.substring(0, sp).toUpperCase(java.util.Locale.ROOT) : args;
        c.log.trace(c.prefix() + "<<- [" + verb + " " + (sp > 0 ? args.substring(sp + 1).trim() : "") + "]");
        int max = c.opts().maxTracedMsgLen();
        int n = max > 0 ? Math.min(m.totalSize(), max) : m.totalSize();
        c.log.trace(c.prefix() + "<<- MSG_PAYLOAD: [\"" + payload.toString(m.dataOffset(), n, StandardCharsets.UTF_8)
                + (n < m.totalSize() ? "...\"]" : "\"]"));
    }
}
