package io.nats4j.server.jetstream.api;

import io.nats4j.server.NatsServer;
import io.nats4j.server.auth.Account;
import io.nats4j.server.jetstream.JetStream;
import io.nats4j.server.jetstream.JsAccount;
import io.nats4j.server.sys.InternalService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code $JS.API} service (nats-server's {@code jetstream_api.go}): a table of subject patterns to
 * {@link ApiHandler}s, one internal subscription per pattern in every account (and under
 * {@code $JS.<domain>.API} when a domain is set), requests run on this service's thread.
 *
 * <h2>The table</h2>
 * {@link #register(String, String, ApiHandler)} takes a pattern relative to {@code $JS.API}
 * ({@code "STREAM.INFO.*"}, {@code "CONSUMER.CREATE.*.>"}), the response type of its answers and the handler.
 * A request's wildcard tokens become {@link ApiRequest#arg}s ({@code >} gives the rest as one argument).
 * When two patterns match, the one registered first wins (register {@code DIRECT.GET.*} before
 * {@code DIRECT.GET.*.>} is not needed: they match different token counts). Stream handlers are registered by
 * {@link StreamApi}, consumer handlers by the consumer package; registering after start subscribes at once.
 *
 * <h2>Accounts</h2>
 * Every account gets the subscriptions (a subject nobody serves would leave requesters waiting instead of
 * getting no-responders); a request from an account without JetStream is answered with nats-server's
 * {@code JetStream not enabled for account} (503/10039) and reaches no handler.
 *
 * <h2>Threading</h2>
 * A delivery (on the publisher's loop) copies the request and queues it; the handler runs on this service's
 * single thread. Answers ({@link #send}) may come from any thread (a stream's writer finishing a purge): they
 * are queued onto this thread, which alone publishes through its {@link io.nats4j.server.sys.InternalClient}.
 * A full queue drops requests (nats-server does the same past its API queue limit).
 */
public final class JsApi extends InternalService {

    /** nats-server's prefix. */
    public static final String PREFIX = "$JS.API";

    private record Route(String pattern, String[] tokens, String responseType,
            java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> errorFields, ApiHandler handler) {
    }

    private final JetStream jetStream;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    /** Accounts whose subscriptions are in place; guarded by itself, as {@link #routes} changes are. */
    private final Set<Account> wired = Collections.newSetFromMap(new IdentityHashMap<>());
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final String domainPrefix;

    public JsApi(NatsServer server, JetStream jetStream) {
        super(server, "jsapi", DEFAULT_MAX_QUEUED);
        this.jetStream = jetStream;
        String domain = jetStream.domain();
        this.domainPrefix = domain == null || domain.isEmpty() ? null : "$JS." + domain + ".API";
    }

    /**
     * Adds a handler for {@code $JS.API.<pattern>} (and the domain form). Any thread; before or after
     * {@link #start}.
     */
    public void register(String pattern, String responseType, ApiHandler handler) {
        register(pattern, responseType, null, handler);
    }

    /**
     * Same, with the fields an error answer of this type carries besides {@code type} and {@code error} (Go
     * writes the non-omitempty fields of the response struct: {@code "purged":0}, {@code "total":0}, ...).
     */
    public void register(String pattern, String responseType,
            java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> errorFields, ApiHandler handler) {
        Route r = new Route(pattern, pattern.split("\\."), responseType, errorFields, handler);
        synchronized (wired) {
            routes.add(r);
            for (Account a : wired) {
                subscribeRoute(a, r);
            }
        }
    }

    /** Subscribes every route in every account the server has now. */
    public void start() {
        for (Account a : server.accounts().all()) {
            accountAdded(a);
        }
    }

    /**
     * After a reload or an account loaded in operator mode: subscribes the routes in {@code a} if new, on the
     * caller's thread, so the API answers the first request of a client whose connect loaded the account.
     */
    public void accountAdded(Account a) {
        synchronized (wired) {
            if (!wired.add(a)) {
                return;
            }
            for (Route r : routes) {
                subscribeRoute(a, r);
            }
        }
    }

    private void subscribeRoute(Account a, Route r) {
        subscribeSubject(a, PREFIX + "." + r.pattern());
        if (domainPrefix != null) {
            subscribeSubject(a, domainPrefix + "." + r.pattern());
        }
    }

    private void subscribeSubject(Account account, String subject) {
        subscribe(account, subject, (a, from, subj, reply, headers, payload) -> dispatch(a, from, subj, reply, headers, payload));
    }

    /** Finds the route of {@code subject} and runs it (service thread). */
    void dispatch(Account account, io.nats4j.server.connection.ClientConnection from, String subject, String reply,
            byte[] headers, byte[] payload) {
        requests.incrementAndGet();
        String rel;
        if (subject.startsWith(PREFIX + ".")) {
            rel = subject.substring(PREFIX.length() + 1);
        } else if (domainPrefix != null && subject.startsWith(domainPrefix + ".")) {
            rel = subject.substring(domainPrefix.length() + 1);
        } else {
            return;
        }
        String[] tokens = rel.split("\\.", -1);
        for (Route r : routes) {
            List<String> args = match(r.tokens(), tokens);
            if (args == null) {
                continue;
            }
            JsAccount js = jetStream.account(account);
            ApiRequest req = new ApiRequest(this, account, from, js, subject, args.toArray(new String[0]), reply,
                    headers, payload, r.responseType(), r.errorFields());
            if (js == null) {
                req.error(JsError.NOT_ENABLED_FOR_ACCOUNT);
                return;
            }
            try {
                r.handler().handle(req);
            } catch (ApiException e) {
                req.error(e.error());
            } catch (RuntimeException e) {
                log.error("JetStream API " + subject + " failed: " + e);
                req.error(JsError.BAD_REQUEST);
            }
            return;
        }
    }

    /** The wildcard tokens of {@code subject} under {@code pattern}, or null when it does not match. */
    static List<String> match(String[] pattern, String[] subject) {
        List<String> args = new ArrayList<>(2);
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.equals(">")) {
                if (i >= subject.length) {
                    return null;
                }
                args.add(String.join(".", java.util.Arrays.copyOfRange(subject, i, subject.length)));
                return args;
            }
            if (i >= subject.length) {
                return null;
            }
            if (p.equals("*")) {
                args.add(subject[i]);
            } else if (!p.equals(subject[i])) {
                return null;
            }
        }
        return pattern.length == subject.length ? args : null;
    }

    /** Publishes an answer in {@code account}; any thread (queued onto the service thread). */
    void send(Account account, String subject, byte[] headers, byte[] payload) {
        submit(() -> client.publish(account, subject, null, headers, payload));
    }

    /**
     * Answers {@code req} with {@code body} (to its reply subject, when it has one) and then, as nats-server does
     * for every API response, publishes the {@code api_audit} advisory in the requester's account if anyone there
     * listens; any thread (queued onto the service thread, so the audit follows the answer).
     */
    void answer(ApiRequest req, byte[] body) {
        submit(() -> {
            if (req.reply() != null && !req.reply().isEmpty()) {
                client.publish(req.account(), req.reply(), null, null, body);
            }
            byte[] audit = io.nats4j.server.jetstream.events.JsEvents.auditJson(server, jetStream.domain(),
                    req.account(), req.from(), req.subject(), req.payload(), body);
            if (audit != null) {
                client.publish(req.account(), io.nats4j.server.jetstream.events.JsAdvisories.API_AUDIT, null, null,
                        audit);
            }
        });
    }

    /** Requests received since start (nats-server's {@code api.total}). */
    public long totalRequests() {
        return requests.get();
    }

    /** Requests answered with an error (nats-server's {@code api.errors}). */
    public long errorCount() {
        return errors.get();
    }

    /** Counts an error answered outside the dispatcher (a handler that finished on another thread). */
    public void countError() {
        errors.incrementAndGet();
    }

    /** Runs {@code task} on the API thread (where streams are created and deleted); any thread. */
    void execute(Runnable task) {
        submit(task);
    }

    private final List<Runnable> onShutdown = new CopyOnWriteArrayList<>();

    /** Runs {@code r} after this service stopped (services that live beside it). */
    void onShutdown(Runnable r) {
        onShutdown.add(r);
    }

    /** Stops the service: pending answers are sent (at most 2 s), then the subscriptions go. */
    public void shutdown() {
        stop(() -> { }, 2, TimeUnit.SECONDS);
        onShutdown.forEach(Runnable::run);
    }
}
