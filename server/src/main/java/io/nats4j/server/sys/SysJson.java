package io.nats4j.server.sys;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small JSON pieces of {@code $SYS} events and answers, in nats-server's shapes. */
final class SysJson {

    private SysJson() {
    }

    static void putNonEmpty(ObjectNode n, String key, String v) {
        if (v != null && !v.isEmpty()) {
            n.put(key, v);
        }
    }

    static void dataStats(ObjectNode n, long msgs, long bytes) {
        n.put("msgs", msgs);
        n.put("bytes", bytes);
    }

    static void error(ObjectNode resp, int code, String description) {
        ObjectNode e = resp.putObject("error");
        e.put("code", code);
        if (description != null && !description.isEmpty()) {
            e.put("description", description);
        }
    }

    static String jsonError(Exception e) {
        String m = e.getMessage();
        int nl = m == null ? -1 : m.indexOf('\n');
        return m == null ? e.getClass().getSimpleName() : nl > 0 ? m.substring(0, nl) : m;
    }
}
