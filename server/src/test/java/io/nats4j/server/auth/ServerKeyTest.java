package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.NKey;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ServerKeyTest {

    @Test
    void serverKeyIsAServerNkeyThatJnatsVerifies() throws Exception {
        ServerKey k = ServerKey.generate();
        assertTrue(k.publicKey().startsWith("N"));
        assertNotNull(NKeys.decodePublic(k.publicKey(), NKeys.PREFIX_SERVER), "valid checksum and prefix");
        byte[] data = "nonce".getBytes(StandardCharsets.US_ASCII);
        NKey pub = NKey.fromPublicKey(k.publicKey().toCharArray());
        assertTrue(pub.verify(data, k.sign(data)));
    }

    @Test
    void encodedClaimsDecodeWithTheServerAsIssuer() throws Exception {
        ServerKey k = ServerKey.generate();
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("sub", "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA");
        c.putObject("nats").put("type", "authorization_request").put("version", 2);
        String token = Jwt.encode(c, k);
        Jwt j = Jwt.decode(token);
        assertEquals(k.publicKey(), j.issuer());
        assertEquals("authorization_request", j.type());
        String jti = j.claims().get("jti").asText();
        assertEquals(52, jti.length(), "base32 of a 32-byte hash, unpadded: " + jti);
        // a changed byte breaks the signature
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace("authorization_request", "authorization_requesx").getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertThrows(Jwt.JwtException.class, () -> Jwt.decode(forged));
    }
}
