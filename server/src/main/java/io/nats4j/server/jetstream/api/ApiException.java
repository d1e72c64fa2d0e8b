package io.nats4j.server.jetstream.api;

/** Thrown where an API request is refused; the dispatcher answers with its {@link ApiError}. */
public final class ApiException extends RuntimeException {

    private final ApiError error;

    public ApiException(ApiError error) {
        super(error.description(), null, false, false);
        this.error = error;
    }

    public ApiException(JsError error) {
        this(error.error());
    }

    public ApiError error() {
        return error;
    }
}
