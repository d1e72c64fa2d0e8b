package io.nats4j.server.jetstream.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AckSubjectTest {

    @Test
    void v1AndV2Forms() {
        assertEquals(new AckSubject("S", "C", 2, 15, 7), AckSubject.parse("$JS.ACK.S.C.2.15.7.1700000000.3"));
        assertEquals(new AckSubject("S", "C", 1, 9, 8), AckSubject.parse("$JS.ACK.dom.HASH.S.C.1.9.8.170.0"));
        assertEquals(new AckSubject("S", "C", 1, 9, 8), AckSubject.parse("$JS.ACK.dom.HASH.S.C.1.9.8.170.0.rnd"));
    }

    @Test
    void notAnAckSubject() {
        assertNull(AckSubject.parse("$JS.API.INFO"));
        assertNull(AckSubject.parse("$JS.ACK.S.C.2.15.7.1700000000"), "8 tokens");
        assertNull(AckSubject.parse("$JS.ACK.S.C.2.15.7.1700000000.3.x"), "10 tokens");
        assertNull(AckSubject.parse("$JS.ACK.dom.HASH.S.C.1.9.8.170.0.rnd.more"), "13 tokens");
        assertNull(AckSubject.parse("$JS.ACK.S.C.2.x5.7.1700000000.3"), "a sequence that is not a number");
        assertNull(AckSubject.parse("$JS.ACK.S.C..15.7.1700000000.3"), "an empty delivery count");
        assertNull(AckSubject.parse("$JS.ACK.S.C.2.15.77777777777777777777.1.3"), "more than 19 digits");
    }
}
