package io.nats4j.server.jetstream.consumer;

import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.jetstream.JsAccount;
import io.nats4j.server.jetstream.Stream;
import io.nats4j.server.jetstream.api.JsApi;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The consumer side of a server's JetStream: registers the {@code CONSUMER.*} API handlers with the dispatcher,
 * attaches a {@link StreamConsumers} to every stream when it starts (recovering its consumers before ingest) and
 * detaches it when the stream closes. Made once by {@link JetStream}'s API registration.
 */
public final class ConsumerService {

    private final JetStream jetStream;
    private final ConsumerRuntime runtime;
    private final ConsumerFiles files;
    private final ConsumerApi api;
    private final ConcurrentHashMap<Stream, JsStreamHandle> streams = new ConcurrentHashMap<>();

    private ConsumerService(JetStream jetStream) {
        this.jetStream = jetStream;
        this.runtime = new ConsumerRuntime(jetStream.server().statistics(), jetStream.server().logger());
        this.files = new ConsumerFiles(jetStream.storeDir());
        this.api = new ConsumerApi(this::consumers);
    }

    /** Registers the consumer API with {@code api} and hooks stream start-up. Called once per JetStream. */
    public static ConsumerService register(JetStream jetStream, JsApi api) {
        ConsumerService s = new ConsumerService(jetStream);
        jetStream.onStreamStarted(s::attach);
        for (String pattern : ConsumerApi.subjects()) {
            String rel = pattern.substring(JsApi.PREFIX.length() + 1);
            api.register(rel, ConsumerApi.responseType(rel), req -> {
                String subject = req.subject();
                if (!subject.startsWith(JsApi.PREFIX + ".")) {
                    // the domain form $JS.<domain>.API.<...>
                    int i = subject.indexOf(".API.");
                    subject = JsApi.PREFIX + subject.substring(i + 4);
                }
                byte[] resp = s.api.handle(req.account(), subject, req.payload());
                if (resp != null) {
                    req.respondRaw(resp);
                }
            });
        }
        return s;
    }

    /** The consumers of stream {@code name} of {@code account}, or null when there is no such stream. */
    StreamConsumers consumers(Account account, String name) {
        JsAccount ja = jetStream.account(account);
        if (ja == null) {
            return null;
        }
        Stream s = ja.stream(name);
        if (s == null || s.isClosed()) {
            return null;
        }
        return attach(s).consumers;
    }

    private JsStreamHandle attach(Stream s) {
        JsStreamHandle h = streams.get(s);
        if (h != null) {
            return h;
        }
        synchronized (this) {
            h = streams.get(s);
            if (h != null) {
                return h;
            }
            h = new JsStreamHandle(s, this, files);
            StreamConsumers sc = new StreamConsumers(h, runtime);
            h.consumers = sc;
            s.addListener(h);
            streams.put(s, h);
            sc.recover();
            return h;
        }
    }

    /** The stream closed (server stop) or was deleted: its consumers stop, and go with their state if deleted. */
    void streamClosed(JsStreamHandle h, boolean deleted) {
        streams.remove(h.stream());
        StreamConsumers sc = h.consumers;
        if (sc == null) {
            return;
        }
        if (deleted) {
            sc.deleteAll();
            files.deleteAll(h.stream().account().name(), h.name());
        } else {
            sc.close();
        }
    }
}
