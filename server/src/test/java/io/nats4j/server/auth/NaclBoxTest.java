package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** NaCl box against published vectors: NaCl's box test (as PyNaCl ships it), RFC 7748 and RFC 8439. */
class NaclBoxTest {

    private static final HexFormat HEX = HexFormat.of();
    // NaCl's alice and bob (also RFC 7748 section 6.1)
    private static final byte[] ALICE_SK = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static final byte[] ALICE_PK = HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static final byte[] BOB_SK = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static final byte[] BOB_PK = HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static final byte[] NONCE = HEX.parseHex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
    private static final byte[] PLAIN = HEX.parseHex(
            "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5e"
            + "cbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8"
            + "250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb4"
            + "8f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705");
    private static final byte[] SEALED = HEX.parseHex(
            "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce483"
            + "32ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c2"
            + "0f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae902243685"
            + "17acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d"
            + "14a6599b1f654cb45a74e355a5");

    @Test
    void x25519PublicKeysAndSharedSecretOfRfc7748() {
        assertArrayEquals(ALICE_PK, NaclBox.publicKey(ALICE_SK));
        assertArrayEquals(BOB_PK, NaclBox.publicKey(BOB_SK));
        byte[] shared = HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assertArrayEquals(shared, NaclBox.x25519(ALICE_SK, BOB_PK));
        assertArrayEquals(shared, NaclBox.x25519(BOB_SK, ALICE_PK));
    }

    @Test
    void boxMatchesNaclsVectorBothWays() {
        assertArrayEquals(SEALED, NaclBox.seal(PLAIN, NONCE, BOB_PK, ALICE_SK));
        assertArrayEquals(SEALED, NaclBox.seal(PLAIN, NONCE, ALICE_PK, BOB_SK));
        assertArrayEquals(PLAIN, NaclBox.open(SEALED, NONCE, ALICE_PK, BOB_SK));
        assertArrayEquals(PLAIN, NaclBox.open(SEALED, NONCE, BOB_PK, ALICE_SK));
    }

    @Test
    void tamperedOrMisaddressedBoxesDoNotOpen() {
        for (int i = 0; i < SEALED.length; i += 7) {
            byte[] t = SEALED.clone();
            t[i] ^= 1;
            assertNull(NaclBox.open(t, NONCE, ALICE_PK, BOB_SK), "flipped byte " + i);
        }
        assertNull(NaclBox.open(SEALED, NONCE, BOB_PK, BOB_SK), "wrong key pair");
        assertNull(NaclBox.open(new byte[5], NONCE, ALICE_PK, BOB_SK), "shorter than the tag");
    }

    @Test
    void hsalsa20OfNaclsCore1Test() {
        // NaCl tests/core1.c: HSalsa20 of alice and bob's shared secret with a zero input (box's "firstkey")
        byte[] shared = HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assertEquals("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389",
                HEX.formatHex(SecretBox.hsalsa20(shared, new byte[16])));
        assertEquals("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389",
                HEX.formatHex(NaclBox.beforenm(ALICE_PK, BOB_SK)));
    }

    @Test
    void poly1305OfRfc8439() {
        byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] msg = "Cryptographic Forum Research Group".getBytes(StandardCharsets.US_ASCII);
        assertEquals("a8061dc1305136c6c22b8baf0c0127a9", HEX.formatHex(NaclBox.poly1305(key, msg, 0, msg.length)));
    }

    @Test
    void xkeysSealAndOpenInTheNkeysForm() {
        XKey server = XKey.generate();
        XKey service = XKey.generate();
        assertTrue(server.publicKey().startsWith("X") && XKey.isValidPublicKey(server.publicKey()));
        byte[] msg = "eyJ0eXAiOiJKV1QifQ.request".getBytes(StandardCharsets.US_ASCII);
        byte[] sealed = server.seal(msg, service.publicKey());
        assertEquals("xkv1", new String(sealed, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(4 + 24 + 16 + msg.length, sealed.length);
        assertArrayEquals(msg, service.open(sealed, server.publicKey()));
        assertNull(service.open(sealed, service.publicKey()), "not from that sender");
        assertNull(XKey.generate().open(sealed, server.publicKey()), "not for that recipient");
        byte[] bad = sealed.clone();
        bad[0] = 'y';
        assertNull(service.open(bad, server.publicKey()), "unknown version");
    }
}
