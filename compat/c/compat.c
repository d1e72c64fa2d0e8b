/*
 * Compatibility check of the official NATS C client (nats.c) against a NATS server.
 *
 *   compat-c URL [RESTART_CMD]
 *   compat-c auth URL NAME EXPECT KIND [ARG...]
 *
 * Prints one "PASS name" / "FAIL name: why" / "SKIP name: why" line per check and exits 1 if any
 * check failed. RESTART_CMD, when given, is a shell command that stops the server and starts it
 * again on the same port; the reconnect check runs only then.
 *
 * The auth form runs one authentication check (see run_auth below).
 */
#include <nats/nats.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;
static const char *url;

static void pass(const char *name) {
    printf("PASS %s\n", name);
    fflush(stdout);
    passed++;
}

static void fail(const char *name, const char *fmt, ...) {
    va_list ap;
    printf("FAIL %s: ", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failed++;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection that gives up quickly if the server is gone, so no check can hang. */
static natsStatus connect_to(natsConnection **nc, int max_reconnect, natsConnectionHandler reconnected,
                             void *closure) {
    natsOptions *opts = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 5000);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, max_reconnect);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
    if (s == NATS_OK && reconnected != NULL) s = natsOptions_SetReconnectedCB(opts, reconnected, closure);
    if (s == NATS_OK) s = natsConnection_Connect(nc, opts);
    natsOptions_Destroy(opts);
    return s;
}

/* Receives up to `max` messages until `timeout_ms` passes with nothing new; returns the subjects. */
static int drain_sync(natsSubscription *sub, char subjects[][64], int max, int64_t timeout_ms) {
    int n = 0;
    natsMsg *msg = NULL;
    while (natsSubscription_NextMsg(&msg, sub, timeout_ms) == NATS_OK) {
        if (n < max) snprintf(subjects[n], 64, "%s", natsMsg_GetSubject(msg));
        n++;
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    return n;
}

static void check_connect(natsConnection *nc) {
    char id[128] = "";
    natsStatus s = natsConnection_GetConnectedServerId(nc, id, sizeof id);
    int64_t maxp = natsConnection_GetMaxPayload(nc);
    if (s != NATS_OK || id[0] == '\0') fail("connect", "no server id in INFO (%s)", natsStatus_GetText(s));
    else if (maxp <= 0) fail("connect", "max_payload %lld", (long long) maxp);
    else pass("connect");
}

static void check_pubsub(natsConnection *sc, natsConnection *pc) {
    const char *name = "pub_sub";
    natsSubscription *sub = NULL;
    natsStatus s = natsConnection_SubscribeSync(&sub, sc, "compat.ps");
    if (s == NATS_OK) s = natsConnection_Flush(sc);
    if (s != NATS_OK) { fail(name, "subscribe: %s", natsStatus_GetText(s)); return; }
    for (int i = 0; i < 10 && s == NATS_OK; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "m%d", i);
        s = natsConnection_PublishString(pc, "compat.ps", buf);
    }
    if (s == NATS_OK) s = natsConnection_Flush(pc);
    if (s != NATS_OK) { fail(name, "publish: %s", natsStatus_GetText(s)); natsSubscription_Destroy(sub); return; }
    int ok = 1;
    for (int i = 0; i < 10 && ok; i++) {
        natsMsg *msg = NULL;
        char want[32];
        snprintf(want, sizeof want, "m%d", i);
        s = natsSubscription_NextMsg(&msg, sub, 2000);
        if (s != NATS_OK) { fail(name, "message %d: %s", i, natsStatus_GetText(s)); ok = 0; break; }
        if (natsMsg_GetDataLength(msg) != (int) strlen(want) || memcmp(natsMsg_GetData(msg), want, strlen(want)) != 0) {
            fail(name, "message %d: got '%.*s', want '%s'", i, natsMsg_GetDataLength(msg), natsMsg_GetData(msg), want);
            ok = 0;
        }
        natsMsg_Destroy(msg);
    }
    if (ok) pass(name);
    natsSubscription_Destroy(sub);
}

static void check_wildcard(natsConnection *sc, natsConnection *pc, const char *name, const char *filter,
                           const char **pubs, int npubs, const char **want, int nwant) {
    natsSubscription *sub = NULL;
    natsStatus s = natsConnection_SubscribeSync(&sub, sc, filter);
    if (s == NATS_OK) s = natsConnection_Flush(sc);
    for (int i = 0; i < npubs && s == NATS_OK; i++) s = natsConnection_PublishString(pc, pubs[i], "x");
    if (s == NATS_OK) s = natsConnection_Flush(pc);
    if (s != NATS_OK) { fail(name, "%s", natsStatus_GetText(s)); natsSubscription_Destroy(sub); return; }
    char got[16][64];
    int n = drain_sync(sub, got, 16, 500);
    int ok = n == nwant;
    for (int i = 0; ok && i < nwant; i++) ok = strcmp(got[i], want[i]) == 0;
    if (ok) pass(name);
    else fail(name, "filter %s: got %d messages (first '%s'), want %d", filter, n, n > 0 ? got[0] : "", nwant);
    natsSubscription_Destroy(sub);
}

static void check_queue(natsConnection *sc, natsConnection *pc) {
    const char *name = "queue_group";
    enum { MEMBERS = 3, N = 300 };
    natsSubscription *members[MEMBERS] = {0}, *plain = NULL;
    natsStatus s = NATS_OK;
    for (int i = 0; i < MEMBERS && s == NATS_OK; i++)
        s = natsConnection_QueueSubscribeSync(&members[i], sc, "compat.q", "workers");
    if (s == NATS_OK) s = natsConnection_SubscribeSync(&plain, sc, "compat.q");
    if (s == NATS_OK) s = natsConnection_Flush(sc);
    for (int i = 0; i < N && s == NATS_OK; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", i);
        s = natsConnection_PublishString(pc, "compat.q", buf);
    }
    if (s == NATS_OK) s = natsConnection_Flush(pc);
    if (s != NATS_OK) { fail(name, "%s", natsStatus_GetText(s)); goto out; }
    int seen[N] = {0}, per[MEMBERS] = {0}, dup = 0, plain_n = 0;
    for (int m = 0; m < MEMBERS; m++) {
        natsMsg *msg = NULL;
        while (natsSubscription_NextMsg(&msg, members[m], 500) == NATS_OK) {
            int v = atoi(natsMsg_GetData(msg));
            if (v >= 0 && v < N && seen[v]++) dup++;
            per[m]++;
            natsMsg_Destroy(msg);
        }
    }
    natsMsg *msg = NULL;
    while (natsSubscription_NextMsg(&msg, plain, 500) == NATS_OK) {
        plain_n++;
        natsMsg_Destroy(msg);
    }
    int missing = 0;
    for (int i = 0; i < N; i++) missing += seen[i] == 0;
    if (dup || missing || plain_n != N)
        fail(name, "duplicates %d, missing %d, plain subscriber got %d of %d", dup, missing, plain_n, N);
    else if (per[0] == N || per[1] == N || per[2] == N)
        fail(name, "one member got all %d messages (%d/%d/%d): no distribution", N, per[0], per[1], per[2]);
    else pass(name);
out:
    for (int i = 0; i < MEMBERS; i++) natsSubscription_Destroy(members[i]);
    natsSubscription_Destroy(plain);
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void) sub; (void) closure;
    const char *reply = natsMsg_GetReply(msg);
    if (reply != NULL) {
        char buf[256];
        int n = snprintf(buf, sizeof buf, "re:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
        natsConnection_Publish(nc, reply, buf, n);
    }
    natsMsg_Destroy(msg);
}

static void check_request(natsConnection *sc, natsConnection *pc) {
    const char *name = "request_reply";
    natsSubscription *sub = NULL;
    natsStatus s = natsConnection_Subscribe(&sub, sc, "compat.svc", on_request, NULL);
    if (s == NATS_OK) s = natsConnection_Flush(sc);
    if (s != NATS_OK) { fail(name, "subscribe: %s", natsStatus_GetText(s)); return; }
    int ok = 1;
    for (int i = 0; i < 5 && ok; i++) {
        char req[32], want[40];
        snprintf(req, sizeof req, "q%d", i);
        snprintf(want, sizeof want, "re:q%d", i);
        natsMsg *reply = NULL;
        s = natsConnection_RequestString(&reply, pc, "compat.svc", req, 2000);
        if (s != NATS_OK) { fail(name, "request %d: %s", i, natsStatus_GetText(s)); ok = 0; break; }
        if (natsMsg_GetDataLength(reply) != (int) strlen(want) || memcmp(natsMsg_GetData(reply), want, strlen(want))) {
            fail(name, "reply %d: got '%.*s'", i, natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
            ok = 0;
        }
        natsMsg_Destroy(reply);
    }
    if (ok) pass(name);
    natsSubscription_Destroy(sub);
}

static void check_headers(natsConnection *sc, natsConnection *pc) {
    const char *name = "headers";
    natsSubscription *sub = NULL;
    natsMsg *out = NULL, *in = NULL;
    natsStatus s = natsConnection_SubscribeSync(&sub, sc, "compat.hdr");
    if (s == NATS_OK) s = natsConnection_Flush(sc);
    if (s == NATS_OK) s = natsMsg_Create(&out, "compat.hdr", NULL, "body", 4);
    if (s == NATS_OK) s = natsMsgHeader_Set(out, "X-Compat", "one");
    if (s == NATS_OK) s = natsMsgHeader_Add(out, "X-Multi", "a");
    if (s == NATS_OK) s = natsMsgHeader_Add(out, "X-Multi", "b c");
    if (s == NATS_OK) s = natsConnection_PublishMsg(pc, out);
    if (s == NATS_OK) s = natsConnection_Flush(pc);
    if (s == NATS_OK) s = natsSubscription_NextMsg(&in, sub, 2000);
    if (s != NATS_OK) { fail(name, "%s", natsStatus_GetText(s)); goto out; }
    const char *v = NULL;
    const char **vals = NULL;
    int count = 0;
    if (natsMsgHeader_Get(in, "X-Compat", &v) != NATS_OK || strcmp(v, "one") != 0)
        fail(name, "X-Compat: got '%s'", v ? v : "(none)");
    else if (natsMsgHeader_Values(in, "X-Multi", &vals, &count) != NATS_OK || count != 2 || strcmp(vals[0], "a")
             || strcmp(vals[1], "b c"))
        fail(name, "X-Multi: got %d values", count);
    else if (natsMsg_GetDataLength(in) != 4 || memcmp(natsMsg_GetData(in), "body", 4) != 0)
        fail(name, "body: got '%.*s'", natsMsg_GetDataLength(in), natsMsg_GetData(in));
    else pass(name);
    free((void *) vals);
out:
    natsMsg_Destroy(out);
    natsMsg_Destroy(in);
    natsSubscription_Destroy(sub);
}

static void check_no_responders(natsConnection *pc) {
    const char *name = "no_responders";
    natsMsg *reply = NULL;
    int64_t t0 = now_ms();
    natsStatus s = natsConnection_RequestString(&reply, pc, "compat.nobody.home", "hello", 5000);
    int64_t took = now_ms() - t0;
    if (s != NATS_NO_RESPONDERS) fail(name, "got %s after %lld ms, want NATS_NO_RESPONDERS", natsStatus_GetText(s), (long long) took);
    else if (took > 2000) fail(name, "no-responders took %lld ms", (long long) took);
    else pass(name);
    natsMsg_Destroy(reply);
}

static void check_big_payload(natsConnection *sc, natsConnection *pc) {
    const char *name = "payload_1mib";
    const int size = 1024 * 1024;
    char *data = malloc(size);
    for (int i = 0; i < size; i++) data[i] = (char) ((i * 31 + i / 7) & 0xff);
    natsSubscription *sub = NULL;
    natsMsg *in = NULL;
    natsStatus s = natsConnection_SubscribeSync(&sub, sc, "compat.big");
    if (s == NATS_OK) s = natsConnection_Flush(sc);
    if (s == NATS_OK && natsConnection_GetMaxPayload(pc) < size) {
        fail(name, "server max_payload %lld < 1 MiB", (long long) natsConnection_GetMaxPayload(pc));
        goto out;
    }
    if (s == NATS_OK) s = natsConnection_Publish(pc, "compat.big", data, size);
    if (s == NATS_OK) s = natsConnection_Flush(pc);
    if (s == NATS_OK) s = natsSubscription_NextMsg(&in, sub, 5000);
    if (s != NATS_OK) fail(name, "%s", natsStatus_GetText(s));
    else if (natsMsg_GetDataLength(in) != size || memcmp(natsMsg_GetData(in), data, size) != 0)
        fail(name, "payload differs (length %d)", natsMsg_GetDataLength(in));
    else pass(name);
out:
    natsMsg_Destroy(in);
    natsSubscription_Destroy(sub);
    free(data);
}

static void check_max_payload(natsConnection *pc) {
    const char *name = "max_payload_refused";
    int64_t maxp = natsConnection_GetMaxPayload(pc);
    size_t size = (size_t) maxp + 1;
    char *data = calloc(size, 1);
    natsStatus s = natsConnection_Publish(pc, "compat.toobig", data, (int) size);
    free(data);
    if (s != NATS_MAX_PAYLOAD) { fail(name, "publish of %zu bytes: %s, want NATS_MAX_PAYLOAD", size, natsStatus_GetText(s)); return; }
    /* Refused by the client before it reached the wire: the connection must still be usable. */
    s = natsConnection_FlushTimeout(pc, 2000);
    if (s != NATS_OK) fail(name, "connection unusable after refusal: %s", natsStatus_GetText(s));
    else pass(name);
}

static void check_flush(natsConnection *pc) {
    natsStatus s = natsConnection_FlushTimeout(pc, 2000);
    int64_t rtt = 0;
    if (s == NATS_OK) s = natsConnection_GetRTT(pc, &rtt);
    if (s != NATS_OK) fail("flush", "%s", natsStatus_GetText(s));
    else pass("flush");
}

/* A connection made with no_echo gets no copy of its own messages; others' messages still arrive. */
static void check_no_echo(natsConnection *pc) {
    const char *name = "no_echo";
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, 0);
    if (s == NATS_OK) s = natsOptions_SetNoEcho(opts, true);
    if (s == NATS_OK) s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) s = natsConnection_SubscribeSync(&sub, nc, "compat.echo");
    if (s == NATS_OK) s = natsConnection_Flush(nc);
    if (s == NATS_OK) s = natsConnection_PublishString(nc, "compat.echo", "own");
    if (s == NATS_OK) s = natsConnection_Flush(nc);
    if (s == NATS_OK) s = natsConnection_PublishString(pc, "compat.echo", "other");
    if (s == NATS_OK) s = natsConnection_Flush(pc);
    if (s != NATS_OK) { fail(name, "%s", natsStatus_GetText(s)); goto out; }
    natsMsg *msg = NULL;
    int n = 0, own = 0;
    while (natsSubscription_NextMsg(&msg, sub, 500) == NATS_OK) {
        n++;
        own += natsMsg_GetDataLength(msg) == 3 && memcmp(natsMsg_GetData(msg), "own", 3) == 0;
        natsMsg_Destroy(msg);
    }
    if (own) fail(name, "the no_echo connection got its own message back");
    else if (n != 1) fail(name, "got %d messages, want the other connection's one", n);
    else pass(name);
out:
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

typedef struct {
    atomic_int count;
} counter;

static void on_count(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void) nc; (void) sub;
    counter *c = closure;
    nats_Sleep(1); /* slow consumer: messages are still pending when the drain starts */
    atomic_fetch_add(&c->count, 1);
    natsMsg_Destroy(msg);
}

static void check_drain(void) {
    const char *name = "drain";
    enum { N = 200 };
    natsConnection *nc = NULL, *pc = NULL;
    natsSubscription *sub = NULL;
    counter c;
    atomic_init(&c.count, 0);
    natsStatus s = connect_to(&nc, 0, NULL, NULL);
    if (s == NATS_OK) s = connect_to(&pc, 0, NULL, NULL);
    if (s == NATS_OK) s = natsConnection_Subscribe(&sub, nc, "compat.drain", on_count, &c);
    if (s == NATS_OK) s = natsConnection_Flush(nc);
    for (int i = 0; i < N && s == NATS_OK; i++) s = natsConnection_PublishString(pc, "compat.drain", "d");
    if (s == NATS_OK) s = natsConnection_Flush(pc);
    /* Messages are in flight or pending: a round trip on the subscriber's connection makes sure all
       were delivered to the client before the drain, which must then hand every one to the callback. */
    if (s == NATS_OK) s = natsConnection_Flush(nc);
    if (s == NATS_OK) s = natsSubscription_Drain(sub);
    if (s == NATS_OK) s = natsSubscription_WaitForDrainCompletion(sub, 5000);
    if (s != NATS_OK) { fail(name, "subscription drain: %s", natsStatus_GetText(s)); goto out; }
    int got = atomic_load(&c.count);
    if (got != N) { fail(name, "subscription drain delivered %d of %d", got, N); goto out; }
    s = natsConnection_DrainTimeout(nc, 5000);
    int64_t deadline = now_ms() + 5000;
    while (s == NATS_OK && !natsConnection_IsClosed(nc) && now_ms() < deadline) nats_Sleep(10);
    if (s != NATS_OK) fail(name, "connection drain: %s", natsStatus_GetText(s));
    else if (!natsConnection_IsClosed(nc)) fail(name, "connection not closed 5 s after drain");
    else pass(name);
out:
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(pc);
}

static void on_reconnected(natsConnection *nc, void *closure) {
    (void) nc;
    atomic_fetch_add((atomic_int *) closure, 1);
}

static void check_reconnect(const char *restart_cmd) {
    const char *name = "reconnect";
    if (restart_cmd == NULL) {
        printf("SKIP %s: no restart command given\n", name);
        return;
    }
    atomic_int reconnects;
    atomic_init(&reconnects, 0);
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    natsStatus s = connect_to(&nc, 600, on_reconnected, &reconnects); /* 600 x 100 ms: one minute */
    if (s == NATS_OK) s = natsConnection_SubscribeSync(&sub, nc, "compat.rc");
    if (s == NATS_OK) s = natsConnection_Flush(nc);
    if (s != NATS_OK) { fail(name, "setup: %s", natsStatus_GetText(s)); goto out; }
    fflush(stdout);
    if (system(restart_cmd) != 0) { fail(name, "restart command failed"); goto out; }
    int64_t deadline = now_ms() + 30000;
    while (atomic_load(&reconnects) == 0 && now_ms() < deadline) nats_Sleep(20);
    if (atomic_load(&reconnects) == 0) { fail(name, "no reconnect within 30 s of the restart"); goto out; }
    /* The subscription must have been re-sent to the new server. */
    s = natsConnection_PublishString(nc, "compat.rc", "after");
    if (s == NATS_OK) s = natsConnection_Flush(nc);
    if (s == NATS_OK) s = natsSubscription_NextMsg(&msg, sub, 3000);
    if (s != NATS_OK) fail(name, "message after reconnect: %s", natsStatus_GetText(s));
    else pass(name);
out:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

/* True when `text` contains `word`, ignoring case. */
static int contains_nocase(const char *text, const char *word) {
    size_t n = strlen(word);
    for (; *text != '\0'; text++) {
        size_t i = 0;
        while (i < n && text[i] != '\0' && tolower((unsigned char) text[i]) == tolower((unsigned char) word[i])) i++;
        if (i == n) return 1;
    }
    return 0;
}

/*
 * One authentication check: connect to URL with the credential KIND ARG... and expect
 *   ok      the connection is accepted and a message makes a round trip through the server;
 *   denied  the connection is refused with the server's "Authorization Violation";
 *   refused the connection fails (e.g. a TLS handshake the server rejects); the error is printed;
 *   reconnect as ok, but between subscribing and publishing the shell command in $COMPAT_RESTART_CMD
 *           restarts the server: the client must reconnect (authenticating again) within 30 s.
 * KIND: none | user USER PASSWORD | token TOKEN | nkey PUBLIC_KEY SEED_FILE | creds CREDS_FILE
 *       | tls CA_FILE [CERT_FILE KEY_FILE]   (TLS, trusting CA_FILE; with a client certificate when given)
 */
static int run_auth(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: compat-c auth URL NAME ok|denied|refused KIND [ARG...]\n");
        return 2;
    }
    const char *name = argv[1], *expect = argv[2], *kind = argv[3];
    char **a = argv + 4;
    int n = argc - 4;
    url = argv[0];
    int reconnect = strcmp(expect, "reconnect") == 0;
    const char *restart_cmd = getenv("COMPAT_RESTART_CMD");
    if (reconnect && restart_cmd == NULL) {
        fprintf(stderr, "reconnect needs COMPAT_RESTART_CMD\n");
        return 2;
    }
    atomic_int reconnects;
    atomic_init(&reconnects, 0);
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 5000);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, reconnect ? 600 : 0); /* 600 x 100 ms */
    if (s == NATS_OK && reconnect) s = natsOptions_SetReconnectWait(opts, 100);
    if (s == NATS_OK && reconnect) s = natsOptions_SetReconnectedCB(opts, on_reconnected, &reconnects);
    if (s == NATS_OK) {
        if (strcmp(kind, "none") == 0 && n == 0) {
        } else if (strcmp(kind, "user") == 0 && n == 2) {
            s = natsOptions_SetUserInfo(opts, a[0], a[1]);
        } else if (strcmp(kind, "token") == 0 && n == 1) {
            s = natsOptions_SetToken(opts, a[0]);
        } else if (strcmp(kind, "nkey") == 0 && n == 2) {
            s = natsOptions_SetNKeyFromSeed(opts, a[0], a[1]);
        } else if (strcmp(kind, "creds") == 0 && n == 1) {
            s = natsOptions_SetUserCredentialsFromFiles(opts, a[0], NULL);
        } else if (strcmp(kind, "tls") == 0 && (n == 1 || n == 3)) {
            s = natsOptions_SetSecure(opts, true);
            if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts, a[0]);
            if (s == NATS_OK && n == 3) s = natsOptions_LoadCertificatesChain(opts, a[1], a[2]);
        } else {
            fprintf(stderr, "unknown credential kind or wrong argument count: %s\n", kind);
            natsOptions_Destroy(opts);
            return 2;
        }
    }
    if (s != NATS_OK) {
        fail(name, "setting the credential: %s", nats_GetLastError(NULL));
        goto out;
    }
    s = natsConnection_Connect(&nc, opts);
    if (s != NATS_OK) {
        const char *err = nats_GetLastError(NULL);
        char text[512];
        snprintf(text, sizeof text, "%s (%s)", err != NULL ? err : "", natsStatus_GetText(s));
        if (strcmp(expect, "ok") == 0 || reconnect) fail(name, "connect refused: %s", text);
        else if (strcmp(expect, "denied") == 0 && !contains_nocase(text, "Authorization Violation"))
            fail(name, "refused, but not with Authorization Violation: %s", text);
        else {
            printf("PASS %s: refused: %s\n", name, text);
            passed++;
        }
        goto out;
    }
    if (strcmp(expect, "ok") != 0 && !reconnect) {
        fail(name, "connected with a wrong credential");
        goto out;
    }
    s = natsConnection_SubscribeSync(&sub, nc, "compat.auth");
    if (s == NATS_OK) s = natsConnection_Flush(nc);
    if (s == NATS_OK && reconnect) {
        fflush(stdout);
        if (system(restart_cmd) != 0) {
            fail(name, "restart command failed");
            goto out;
        }
        int64_t deadline = now_ms() + 30000;
        while (atomic_load(&reconnects) == 0 && now_ms() < deadline) nats_Sleep(20);
        if (atomic_load(&reconnects) == 0) {
            fail(name, "no reconnect within 30 s of the restart");
            goto out;
        }
    }
    if (s == NATS_OK) s = natsConnection_PublishString(nc, "compat.auth", "hello");
    if (s == NATS_OK) s = natsSubscription_NextMsg(&msg, sub, 3000);
    if (s != NATS_OK) fail(name, "connected, but no round trip: %s", natsStatus_GetText(s));
    else if (strcmp(natsMsg_GetData(msg), "hello") != 0) fail(name, "round trip payload %s", natsMsg_GetData(msg));
    else pass(name);
out:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return failed ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "auth") == 0) return run_auth(argc - 2, argv + 2);
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [RESTART_CMD]\n", argv[0]);
        return 2;
    }
    url = argv[1];
    const char *restart_cmd = argc > 2 ? argv[2] : NULL;
    printf("# nats.c %s against %s\n", nats_GetVersion(), url);

    natsConnection *sc = NULL, *pc = NULL;
    natsStatus s = connect_to(&sc, 0, NULL, NULL);
    if (s == NATS_OK) s = connect_to(&pc, 0, NULL, NULL);
    if (s != NATS_OK) {
        fail("connect", "%s", natsStatus_GetText(s));
        printf("c: %d passed, %d failed\n", passed, failed);
        return 1;
    }
    check_connect(pc);
    check_pubsub(sc, pc);
    {
        const char *pubs[] = {"compat.w.1.x", "compat.w.2.x", "compat.w.1.y", "compat.w.1.2.x", "compat.w.x"};
        const char *want[] = {"compat.w.1.x", "compat.w.2.x"};
        check_wildcard(sc, pc, "wildcard_star", "compat.w.*.x", pubs, 5, want, 2);
    }
    {
        const char *pubs[] = {"compat.g.a", "compat.g.a.b.c", "compat.g", "other.g.a"};
        const char *want[] = {"compat.g.a", "compat.g.a.b.c"};
        check_wildcard(sc, pc, "wildcard_gt", "compat.g.>", pubs, 4, want, 2);
    }
    check_queue(sc, pc);
    check_request(sc, pc);
    check_headers(sc, pc);
    check_no_responders(pc);
    check_big_payload(sc, pc);
    check_max_payload(pc);
    check_flush(pc);
    check_no_echo(pc);
    natsConnection_Destroy(sc);
    natsConnection_Destroy(pc);
    check_drain();
    check_reconnect(restart_cmd);

    printf("c: %d passed, %d failed\n", passed, failed);
    nats_Close();
    return failed ? 1 : 0;
}
