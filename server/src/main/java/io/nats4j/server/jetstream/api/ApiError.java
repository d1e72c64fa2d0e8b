package io.nats4j.server.jetstream.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JetStream API error as it goes on the wire: {@code "error":{"code":..,"err_code":..,"description":..}}.
 * Made from the {@link JsError} table; {@link ApiException} carries one out of deep code.
 */
public record ApiError(int code, int errCode, String description) {

    /** Writes {@code "error":{...}} into {@code response}. */
    public void writeTo(ObjectNode response) {
        ObjectNode e = response.putObject("error");
        e.put("code", code);
        e.put("err_code", errCode);
        e.put("description", description);
    }

    @Override
    public String toString() {
        return description + " (" + code + "/" + errCode + ")";
    }
}
