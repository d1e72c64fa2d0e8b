package io.nats4j.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link JsonTree} builds the tree {@code ObjectMapper.readTree} builds (node types included). */
class JsonTreeTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"jti\":\"ABC\",\"iat\":1700000000,\"iss\":\"OAB\",\"name\":\"x\",\"sub\":\"AAB\",\"nats\":{\"limits\":"
            + "{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,\"exports\":-1,\"wildcards\":true,\"conn\":-1,"
            + "\"leaf\":-1},\"default_permissions\":{\"pub\":{},\"sub\":{}},\"signing_keys\":[\"AX\",{\"kind\":\"user_scope\","
            + "\"key\":\"AY\",\"role\":\"r\",\"template\":{\"pub\":{\"allow\":[\"a.>\"]}}}],\"type\":\"account\",\"version\":2}}",
        "{\"small\":1,\"int_max\":2147483647,\"long\":2147483648,\"big\":123456789012345678901234567890,\"neg\":-5,"
            + "\"float\":1.5,\"exp\":1e3,\"t\":true,\"f\":false,\"n\":null,\"s\":\"\\u00e9\\n\\\"q\\\"\",\"empty\":{},\"arr\":[]}",
        "{\"dup\":1,\"dup\":\"last\"}",
        "{\"a\":[1,[2,[3,{\"b\":[4]}]]]}  trailing",
        "[1,2,3]",
        "\"just a string\"",
    })
    void sameTreeAsObjectMapper(String json) throws Exception {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        JsonNode expected = MAPPER.readTree(b);
        JsonNode actual = JsonTree.read(b);
        assertEquals(expected, actual);
        assertEquals(expected.toString(), actual.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "{\"a\" 1}", "{'a':1}", "[1,]x", "{\"a\":tru}"})
    void malformedJsonIsAParseError(String json) {
        assertThrows(JsonProcessingException.class, () -> JsonTree.read(json.getBytes(StandardCharsets.UTF_8)));
    }

    @org.junit.jupiter.api.Test
    void emptyInputHasNoValue() throws Exception {
        assertNull(JsonTree.read(new byte[0]));
    }

    @org.junit.jupiter.api.Test
    void deepNestingIsRefused() {
        String deep = "[".repeat(100) + "]".repeat(100);
        assertThrows(JsonProcessingException.class, () -> JsonTree.read(deep.getBytes(StandardCharsets.US_ASCII)));
    }
}
