package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomBytesTest {

    @Test
    void fillsTheWholeArrayWithFreshBytesEachTime() {
        Set<String> seen = new HashSet<>();
        int[] counts = new int[256];
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[32];
            RandomBytes.fill(b);
            for (byte x : b) {
                counts[x & 0xff]++;
            }
            assertTrue(seen.add(java.util.HexFormat.of().formatHex(b)), "no repeated 32-byte value");
        }
        // 6,400 bytes: every byte value turns up (the chance that one does not is about 256 * e^-25)
        for (int v = 0; v < 256; v++) {
            assertTrue(counts[v] > 0, "byte value " + v + " never drawn");
        }
    }

    @Test
    void emptyArrayIsFine() {
        byte[] b = new byte[0];
        RandomBytes.fill(b);
        assertEquals(0, b.length);
    }

    @Test
    void theSecureGeneratorIsOneSharedInstance() {
        assertNotNull(RandomBytes.secure());
        assertSame(RandomBytes.secure(), RandomBytes.secure());
    }
}
