package io.nats4j.server.jetstream.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.JsAccount;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code $JS.API} request: where it came from, its subject's arguments (the tokens the handler's pattern
 * has as {@code *}), its payload, and the way to answer. Answers go to the request's reply subject in the
 * requester's account and may be sent from any thread, at most once (later ones are ignored).
 */
public final class ApiRequest {

    /** Jackson for the API (thread-safe once configured); writes {@code <}, {@code >}, {@code &} as Go does. */
    public static final ObjectMapper MAPPER = goMapper();

    private static ObjectMapper goMapper() {
        ObjectMapper m = new ObjectMapper();
        m.getFactory().setCharacterEscapes(new GoEscapes());
        return m;
    }

    /** Go's encoding/json escapes these for HTML safety: the same bytes as nats-server's answers. */
    private static final class GoEscapes extends com.fasterxml.jackson.core.io.CharacterEscapes {
        private final int[] table;

        GoEscapes() {
            table = standardAsciiEscapesForJSON();
            table['<'] = ESCAPE_CUSTOM;
            table['>'] = ESCAPE_CUSTOM;
            table['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        @Override
        public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
            if (ch == '<' || ch == '>' || ch == '&' || ch == 0x2028 || ch == 0x2029) {
                return new com.fasterxml.jackson.core.io.SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }

    /** The JSON bytes of a response, as nats-server writes them. */
    public static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private final JsApi api;
    private final Account account;
    private final io.nats4j.server.connection.ClientConnection from;
    private final JsAccount jsAccount;
    private final String subject;
    private final String[] args;
    private final String reply;
    private final byte[] headers;
    private final byte[] payload;
    private final String responseType;
    private final java.util.function.Consumer<ObjectNode> errorFields;
    private final AtomicBoolean answered = new AtomicBoolean();

    ApiRequest(JsApi api, Account account, io.nats4j.server.connection.ClientConnection from, JsAccount jsAccount,
            String subject, String[] args, String reply, byte[] headers, byte[] payload, String responseType,
            java.util.function.Consumer<ObjectNode> errorFields) {
        this.api = api;
        this.account = account;
        this.from = from;
        this.jsAccount = jsAccount;
        this.subject = subject;
        this.args = args;
        this.reply = reply;
        this.headers = headers;
        this.payload = payload;
        this.responseType = responseType;
        this.errorFields = errorFields;
    }

    /** The account the request was published in. */
    public Account account() {
        return account;
    }

    /** The connection that sent the request (null for an internal one): the API audit reports its RTT. */
    public io.nats4j.server.connection.ClientConnection from() {
        return from;
    }

    /** That account's JetStream (never null in a handler: the dispatcher refuses accounts without it). */
    public JsAccount jsAccount() {
        return jsAccount;
    }

    public String subject() {
        return subject;
    }

    /** The {@code i}-th wildcard token of the subject (e.g. the stream name of {@code STREAM.INFO.*}). */
    public String arg(int i) {
        return args[i];
    }

    public int argCount() {
        return args.length;
    }

    /** The reply subject, or null (then nothing is answered). */
    public String reply() {
        return reply;
    }

    public byte[] headers() {
        return headers;
    }

    public byte[] payload() {
        return payload;
    }

    /** True when the payload is empty or only whitespace (nats-server's {@code isEmptyRequest} also takes "{}"). */
    public boolean isEmpty() {
        if (payload == null) {
            return true;
        }
        String s = new String(payload, StandardCharsets.UTF_8).trim();
        return s.isEmpty() || s.equals("{}");
    }

    /**
     * The payload as a JSON object; an empty payload is an empty object. Malformed JSON (or not an object)
     * throws {@link ApiException} with {@link JsError#INVALID_JSON}.
     */
    public ObjectNode json() {
        if (payload == null || payload.length == 0) {
            return MAPPER.createObjectNode();
        }
        try {
            JsonNode n = MAPPER.readTree(payload);
            if (n == null || n.isMissingNode()) {
                return MAPPER.createObjectNode();
            }
            if (!n.isObject()) {
                throw new ApiException(JsError.INVALID_JSON);
            }
            return (ObjectNode) n;
        } catch (JsonProcessingException e) {
            throw new ApiException(JsError.INVALID_JSON);
        } catch (java.io.IOException e) {
            throw new ApiException(JsError.INVALID_JSON);
        }
    }

    /** The response type this request's handler answers with ({@code io.nats.jetstream.api.v1....}). */
    public String responseType() {
        return responseType;
    }

    /** A new response object with its {@code type} set. */
    public ObjectNode newResponse() {
        ObjectNode r = MAPPER.createObjectNode();
        r.put("type", responseType);
        return r;
    }

    /** Answers with {@code response} (made by {@link #newResponse()}). */
    public void respond(ObjectNode response) {
        respondRaw(bytes(response));
    }

    /**
     * Answers {@code {"type":..,"error":{..}}}, plus the fields nats-server's response type always carries
     * (e.g. {@code "total":0,"offset":0,"limit":0} of a paged response).
     */
    public void error(ApiError error) {
        ObjectNode r = newResponse();
        error.writeTo(r);
        if (errorFields != null) {
            errorFields.accept(r);
        }
        api.countError();
        respond(r);
    }

    public void error(JsError error) {
        error(error.error());
    }

    /** Answers with these bytes as they are (then the API audit advisory, also without a reply subject). */
    public void respondRaw(byte[] body) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        api.answer(this, body);
    }

    /** Answers with a message that has headers (DIRECT.GET, MSG.GET by direct). */
    public void respondWithHeaders(byte[] hdr, byte[] body) {
        if (reply == null || reply.isEmpty() || !answered.compareAndSet(false, true)) {
            return;
        }
        api.send(account, reply, hdr, body);
    }
}
