package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats4j.server.testsupport.TestJwts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache resolver's directory: LRU eviction beyond its limit, time to live, hard deletes. */
class CacheDirectoryTest {

    @TempDir
    Path dir;

    private static String key() {
        return TestJwts.pub(TestJwts.accountKey());
    }

    @Test
    void storingBeyondTheLimitEvictsTheLeastRecentlyUsed() throws Exception {
        AccountResolver.Directory d = AccountResolver.Directory.cache(dir, 2, Duration.ZERO);
        String a = key();
        String b = key();
        String c = key();
        d.store(a, "jwt-a");
        d.store(b, "jwt-b");
        assertEquals("jwt-a", d.fetch(a)); // a is now the most recently used
        d.store(c, "jwt-c");
        assertNull(d.fetch(b), "b was the least recently used");
        assertFalse(Files.exists(dir.resolve(b + ".jwt")));
        assertEquals("jwt-a", d.fetch(a));
        assertEquals("jwt-c", d.fetch(c));
        d.store(c, "jwt-c2"); // an update of a stored key evicts nothing
        assertEquals("jwt-a", d.fetch(a));
        assertEquals(List.of(a, c).stream().sorted().toList(), d.keys());
    }

    @Test
    void filesPresentAtStartCountAndExpireAfterTheTtl() throws Exception {
        String a = key();
        Files.writeString(dir.resolve(a + ".jwt"), "jwt-a");
        AccountResolver.Directory d = AccountResolver.Directory.cache(dir, 10, Duration.ofMillis(200));
        assertEquals("jwt-a", d.peek(a));
        assertEquals("jwt-a", d.fetch(a));
        Thread.sleep(400);
        assertNull(d.peek(a), "not used within the ttl: no longer listed");
        assertNull(d.fetch(a), "and dropped");
        assertFalse(Files.exists(dir.resolve(a + ".jwt")));
    }

    @Test
    void deletesAlwaysRemoveTheFile() throws Exception {
        AccountResolver.Directory d = AccountResolver.Directory.cache(dir, 0, Duration.ZERO);
        String a = key();
        d.store(a, "jwt-a");
        assertTrue(d.allowsDelete());
        assertTrue(d.delete(a));
        assertFalse(Files.exists(dir.resolve(a + ".jwt")));
        assertFalse(Files.exists(dir.resolve(a + ".jwt.deleted")));
    }
}
