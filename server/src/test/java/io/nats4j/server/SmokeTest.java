package io.nats4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void versionIsPlainTriple() {
        assertEquals(3, Version.NATS_SERVER.split("\\.").length);
    }
}
