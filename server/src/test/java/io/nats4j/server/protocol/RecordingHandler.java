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
    public void onMessage(ProtocolParser p, ByteBuf payload) {
        int ri = payload.readerIndex();
        StringBuilder sb = new StringBuilder(p.op().name()).append(' ').append(s(p, p.subjectOffset(), p.subjectLength()));
        if (p.hasReply()) {
            sb.append(" reply=").append(s(p, p.replyOffset(), p.replyLength()));
        }
        if (p.headerSize() >= 0) {
            sb.append(" hdr=").append(p.headerSize());
        }
        sb.append(" size=").append(p.totalSize()).append(" digits=")
                .append(s(p, p.totalSizeDigitsOffset(), p.totalSizeDigitsLength()))
                .append(" [").append(payload.toString(ri, p.totalSize(), StandardCharsets.UTF_8)).append(']');
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
