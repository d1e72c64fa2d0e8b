package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nats4j.server.connection.ImportRelay;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SubjectMappingTest {

    @Test
    void prefixAndWildcardMappings() {
        assertEquals("x.foo.bar", SubjectMapping.prefix("x").apply("foo.bar"));
        assertEquals("foo.bar", SubjectMapping.identity().apply("foo.bar"));
        assertEquals("svc.a.req", SubjectMapping.map("req.*", "svc.*.req").apply("req.a"));
        assertEquals("in.a.b.c", SubjectMapping.map("out.>", "in.>").apply("out.a.b.c"));
        assertEquals("fixed", SubjectMapping.map("req.*", "fixed").apply("req.a"));
        assertThrows(IllegalArgumentException.class, () -> SubjectMapping.map("req", "svc.*"));
        assertThrows(IllegalArgumentException.class, () -> SubjectMapping.map("req.*", "svc.>"));
    }

    @Test
    void wildcardsTakeSourceTokensInOrder() {
        SubjectMapping m = SubjectMapping.map("a.*.b.*.>", "x.*.*.y.>");
        assertEquals("x.one.two.y.r1.r2", m.apply("a.one.b.two.r1.r2"));
        assertEquals("x.one.two.y.r", m.apply("a.one.b.two.r"));
        assertEquals("t.acme.nyse.in", SubjectMapping.map("ticks.*.*", "t.*.*.in").apply("ticks.acme.nyse"));
        // a destination that repeats a literal long enough to need a bigger buffer than the default
        String longToken = "l".repeat(200);
        assertEquals(longToken + "." + longToken, SubjectMapping.map("q.*", longToken + "." + longToken).apply("q.z"));
    }

    @Test
    void byteFormReadsOnlyItsRangeAndIdentityCopiesNothing() {
        byte[] line = "PUB ticks.acme.nyse 5\r\n".getBytes(StandardCharsets.US_ASCII);
        int off = 4;
        int len = "ticks.acme.nyse".length();
        ImportRelay.Destination d = new ImportRelay.Destination();

        SubjectMapping.map("ticks.*.*", "t.*.*.in").apply(line, off, len, d);
        assertEquals("t.acme.nyse.in", d.subjectString());

        SubjectMapping.prefix("from").apply(line, off, len, d);
        assertEquals("from.ticks.acme.nyse", d.subjectString());

        SubjectMapping.identity().apply(line, off, len, d);
        assertSame(line, d.subject());
        assertEquals(off, d.subjectOffset());
        assertEquals("ticks.acme.nyse", d.subjectString());
    }
}
