package io.nats4j.server.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Records every parser callback as a line of text, so runs over different splits can be compared. */
class RecordingHandler implements ProtocolHandler {

    final List<String> events = new ArrayList<>();

    private static String s(ProtocolParser p, int off, int len) {
        return new String(p.line(), off, len, StandardCharsets.UTF_8);
    }

    @Override
    public void onConnect(ProtocolParser p, int off, int len) {
        events.add("CONNECT " + s(p, off, len));
    }

    @Override
    public void onPing() {
        events.add("PING");
    }

    @Override
    public void onPong() {
        events.add("PONG");
    }

    @Override
    public void onMessage(ProtocolParser p, Message m) {
        ByteBuf payload = m.data();
        int ri = payload.readerIndex();
        if (m.dataOffset() != ri) {
            throw new AssertionError("data offset " + m.dataOffset() + " is not the reader index " + ri);
        }
        StringBuilder sb = new StringBuilder(p.op().name()).append(' ').append(m.subjectString());
        if (m.hasReply()) {
            sb.append(" reply=").append(m.replyString());
        }
        if (m.hasHeaders()) {
            sb.append(" hdr=").append(m.headerSize());
            String hd = new String(m.headerDigits(), m.headerDigitsOffset(), m.headerDigitsLength(), StandardCharsets.US_ASCII);
            if (Integer.parseInt(hd) != m.headerSize()) {
                throw new AssertionError("header digits " + hd + " for " + m.headerSize());
            }
        }
        sb.append(" size=").append(m.totalSize()).append(" digits=")
                .append(new String(m.totalDigits(), m.totalDigitsOffset(), m.totalDigitsLength(), StandardCharsets.US_ASCII))
                .append(" [").append(payload.toString(ri, m.totalSize(), StandardCharsets.UTF_8)).append(']');
        events.add(sb.toString());
        if (payload.readerIndex() != ri) {
            throw new AssertionError("reader index moved");
        }
    }

    @Override
    public void onSub(ProtocolParser p) {
        StringBuilder sb = new StringBuilder("SUB");
        for (int i = 0; i < p.argCount(); i++) {
            sb.append(' ').append(s(p, p.argOffset(i), p.argLength(i)));
        }
        events.add(sb.toString());
    }

    @Override
    public void onUnsub(ProtocolParser p) {
        StringBuilder sb = new StringBuilder("UNSUB");
        for (int i = 0; i < p.argCount(); i++) {
            sb.append(' ').append(s(p, p.argOffset(i), p.argLength(i)));
        }
        events.add(sb.toString());
    }

    @Override
    public void onIgnoredOp() {
        events.add("IGNORED");
    }

    @Override
    public void onProtocolError(ProtocolError error, String detail) {
        events.add("ERROR " + error);
    }
}
