package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.NKey;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class NKeysTest {

    @Test
    void decodesKeysMadeByJnatsAndRejectsAlteredOnes() throws Exception {
        NKey user = NKey.createUser(null);
        String pub = new String(user.getPublicKey());
        byte[] raw = NKeys.decodePublic(pub, NKeys.PREFIX_USER);
        assertNotNull(raw);
        assertEquals(32, raw.length);
        assertEquals(pub, NKeys.encodePublic(NKeys.PREFIX_USER, raw));
        assertNull(NKeys.decodePublic(pub, NKeys.PREFIX_ACCOUNT), "wrong prefix");
        char[] c = pub.toCharArray();
        c[10] = c[10] == 'A' ? 'B' : 'A';
        assertNull(NKeys.decodePublic(new String(c), NKeys.PREFIX_USER), "checksum catches a changed letter");
        assertNull(NKeys.decodePublic(pub.substring(1), NKeys.PREFIX_USER));
        assertNull(NKeys.decodePublic(pub.toLowerCase(), NKeys.PREFIX_USER));
        assertTrue(NKeys.isValidAccountKey(new String(NKey.createAccount(null).getPublicKey())));
    }

    @Test
    void verifiesJnatsSignaturesOverTheNonceOnly() throws Exception {
        NKey user = NKey.createUser(null);
        String pub = new String(user.getPublicKey());
        String nonce = NKeys.newNonce();
        assertEquals(15, nonce.length());
        byte[] sig = user.sign(nonce.getBytes(StandardCharsets.US_ASCII));
        assertTrue(NKeys.verify(pub, nonce, Base64.getUrlEncoder().withoutPadding().encodeToString(sig)));
        assertTrue(NKeys.verify(pub, nonce, Base64.getEncoder().encodeToString(sig)), "standard base64 fallback");
        assertFalse(NKeys.verify(pub, NKeys.newNonce(), Base64.getUrlEncoder().encodeToString(sig)));
        assertFalse(NKeys.verify(new String(NKey.createUser(null).getPublicKey()), nonce,
                Base64.getUrlEncoder().encodeToString(sig)));
        assertFalse(NKeys.verify(pub, nonce, "%%%"));
        assertFalse(NKeys.verify(pub, nonce, null));
    }

    @Test
    void encodesSeedsThatJnatsLoadsWithTheMatchingPublicKey() throws Exception {
        java.security.KeyPairGenerator gen = java.security.KeyPairGenerator.getInstance("Ed25519");
        int[] prefixes = {NKeys.PREFIX_USER, NKeys.PREFIX_ACCOUNT, NKeys.PREFIX_OPERATOR};
        String[] starts = {"SU", "SA", "SO"};
        for (int i = 0; i < prefixes.length; i++) {
            java.security.KeyPair kp = gen.generateKeyPair();
            byte[] seed = ((java.security.interfaces.EdECPrivateKey) kp.getPrivate()).getBytes().orElseThrow();
            byte[] spki = kp.getPublic().getEncoded();
            byte[] pub = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            String text = NKeys.encodeSeed(prefixes[i], seed);
            assertEquals(58, text.length());
            assertTrue(text.startsWith(starts[i]), text);
            NKey loaded = NKey.fromSeed(text.toCharArray());
            assertEquals(NKeys.encodePublic(prefixes[i], pub), new String(loaded.getPublicKey()));
            byte[] sig = loaded.sign("nonce".getBytes(StandardCharsets.US_ASCII));
            assertTrue(NKeys.verifyRaw(pub, "nonce".getBytes(StandardCharsets.US_ASCII), sig));
        }
    }

    @Test
    void crc16IsXmodem() {
        assertEquals(0x31C3, NKeys.crc16("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
        assertArrayEquals(new byte[] {0x66, 0x6f, 0x6f}, NKeys.base32Decode(NKeys.base32Encode("foo".getBytes(StandardCharsets.US_ASCII))));
    }
}
