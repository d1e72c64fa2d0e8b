package io.nats4j.server.jetstream.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes a stream's message and subject-index keys and the message value ({@link RocksKeys}' layout) into
 * direct buffers reused from one append to the next, for {@code WriteBatch.put(ByteBuffer, ByteBuffer)}: no
 * key or value array per message and no copy through JNI arrays. The UTF-8 bytes of the last subject are kept,
 * so a stream whose messages share subjects encodes each subject once. The stream's writer only.
 */
final class MessageEncoder {

    private static final int MSG_KEY_BYTES = 13;

    private final int streamId;
    private final ByteBuffer msgKey = ByteBuffer.allocateDirect(MSG_KEY_BYTES);
    private ByteBuffer indexKey = ByteBuffer.allocateDirect(256);
    private ByteBuffer value = ByteBuffer.allocateDirect(4096);
    private final ByteBuffer emptyValue = ByteBuffer.allocateDirect(0);
    private String lastSubject;
    private byte[] lastSubjectBytes;

    MessageEncoder(int streamId) {
        this.streamId = streamId;
    }

    private byte[] subjectBytes(String subject) {
        if (subject != lastSubject && !subject.equals(lastSubject)) {
            lastSubjectBytes = subject.getBytes(StandardCharsets.UTF_8);
        }
        lastSubject = subject;
        return lastSubjectBytes;
    }

    /** The {@code 'M'} key of {@code seq}, ready to read. */
    ByteBuffer msgKey(long seq) {
        return msgKey.clear().put(RocksKeys.MSG).putInt(streamId).putLong(seq).flip();
    }

    /** The {@code 'I'} key of ({@code subject}, {@code seq}), ready to read. */
    ByteBuffer indexKey(String subject, long seq) {
        byte[] s = subjectBytes(subject);
        int n = 5 + s.length + 1 + 8;
        if (indexKey.capacity() < n) {
            indexKey = ByteBuffer.allocateDirect(Math.max(n, indexKey.capacity() * 2));
        }
        return indexKey.clear().put(RocksKeys.INDEX).putInt(streamId).put(s).put((byte) 0).putLong(seq).flip();
    }

    /** The empty value of an index entry. */
    ByteBuffer emptyValue() {
        return emptyValue.clear();
    }

    /** The message value: time, subject length, subject, header length, header, payload; ready to read. */
    ByteBuffer value(String subject, byte[] hdr, byte[] payload, long ts) {
        byte[] s = subjectBytes(subject);
        int n = 8 + 2 + s.length + 4 + hdr.length + payload.length;
        if (value.capacity() < n) {
            value = ByteBuffer.allocateDirect(Math.max(n, Math.min(value.capacity() * 2, 1 << 24)));
        }
        return value.clear().putLong(ts).putShort((short) s.length).put(s).putInt(hdr.length).put(hdr).put(payload)
                .flip();
    }
}
