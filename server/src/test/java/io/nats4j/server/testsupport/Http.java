package io.nats4j.server.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny HTTP GET helper for the monitoring endpoints. */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One response: status, content type and body. */
    public record Response(int status, String contentType, String body) {
        public JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private Http() {
    }

    public static Response get(String url) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** GET and parse as JSON; fails unless the status is 200. */
    public static JsonNode json(String url) throws IOException {
        Response r = get(url);
        if (r.status() != 200) {
            throw new IOException(url + " answered " + r.status() + ": " + r.body());
        }
        return r.json();
    }
}
