package io.nats4j.server.tls;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Just enough DER to unwrap PEM keys and read certificate subjects (definite lengths only). */
final class Der {

    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;

    /** One element: its tag, and where its contents and the whole element sit in {@code data}. */
    record Element(byte[] data, int tag, int start, int contentStart, int contentEnd) {

        byte[] content() {
            byte[] out = new byte[contentEnd - contentStart];
            System.arraycopy(data, contentStart, out, 0, out.length);
            return out;
        }

        /** The whole element (tag, length, contents) as encoded. */
        byte[] encoded() {
            byte[] out = new byte[contentEnd - start];
            System.arraycopy(data, start, out, 0, out.length);
            return out;
        }

        /** The elements inside a constructed element. */
        List<Element> children() {
            List<Element> out = new ArrayList<>();
            int pos = contentStart;
            while (pos < contentEnd) {
                Element e = read(data, pos, contentEnd);
                out.add(e);
                pos = e.contentEnd;
            }
            return out;
        }
    }

    private Der() {
    }

    static Element read(byte[] data) {
        Element e = read(data, 0, data.length);
        if (e.contentEnd != data.length) {
            throw new IllegalArgumentException("trailing data after DER element");
        }
        return e;
    }

    static Element read(byte[] data, int pos, int limit) {
        if (pos + 2 > limit) {
            throw new IllegalArgumentException("truncated DER element");
        }
        int start = pos;
        int tag = data[pos++] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new IllegalArgumentException("multi-byte DER tags are not supported");
        }
        int len = data[pos++] & 0xff;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 4 || pos + n > limit) {
                throw new IllegalArgumentException("bad DER length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (data[pos++] & 0xff);
            }
            if (len < 0) {
                throw new IllegalArgumentException("bad DER length");
            }
        }
        if (pos + len > limit) {
            throw new IllegalArgumentException("truncated DER element");
        }
        return new Element(data, tag, start, pos, pos + len);
    }

    /** Dotted form of an OBJECT IDENTIFIER's contents. */
    static String oid(byte[] c) {
        if (c.length == 0) {
            throw new IllegalArgumentException("empty OID");
        }
        StringBuilder sb = new StringBuilder();
        long v = 0;
        boolean first = true;
        for (byte b : c) {
            v = (v << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) {
                if (first) {
                    int top = v < 40 ? 0 : v < 80 ? 1 : 2;
                    sb.append(top).append('.').append(v - 40L * top);
                    first = false;
                } else {
                    sb.append('.').append(v);
                }
                v = 0;
            }
        }
        return sb.toString();
    }

    /** Encodes tag + length + contents. */
    static byte[] encode(int tag, byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 6);
        out.write(tag);
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
