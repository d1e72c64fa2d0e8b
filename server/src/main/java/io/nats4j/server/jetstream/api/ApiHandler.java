package io.nats4j.server.jetstream.api;

/**
 * One {@code $JS.API} subject's handler (nats-server's {@code jsStreamCreateRequest} and friends): decode the
 * request, check the account, act, answer with {@link ApiRequest#respond} or {@link ApiRequest#error}.
 *
 * <p>Runs on the API service's thread (never an event loop). Work that belongs to a stream's single writer
 * (purge, delete of a message, ...) goes there ({@code Stream.onWriter}) and answers from that thread when it
 * is done: {@link ApiRequest}'s answers may be sent from any thread. A thrown {@link ApiException} is answered
 * with its error under the response type the handler was registered with.
 */
@FunctionalInterface
public interface ApiHandler {

    void handle(ApiRequest request);
}
