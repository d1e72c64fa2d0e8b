package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
