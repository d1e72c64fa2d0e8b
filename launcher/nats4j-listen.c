/*
 * nats4j-listen: socket activation for bin/nats4j.
 *
 * A harness starts a server and connects to it a few hundred milliseconds later; a JVM needs ~150 ms just to
 * reach main(), and with a config file (TLS, JWTs) the server used to bind its port only after all of that.
 * This program runs between bin/nats4j and the JVM: it reads just enough of the command line and config file
 * to know the client address, binds and listens there (SO_REUSEADDR, backlog 4096, as nats-server), and runs
 * bin/nats4j again with the listening socket inherited (NATS4J_LISTEN_FD=N, NATS4J_LISTEN_ADDR=HOST:PORT); the
 * script hands it to the JVM (-Dnats4j.listen.fd, -Dnats4j.listen.addr), whose server adopts it (see
 * io.nats4j.server.EarlyListener) and serves the clients that queued in the kernel meanwhile. Those wait for
 * their INFO, as with any server that is still starting.
 *
 * Whenever this program is not sure of the address the server will use, it binds nothing and the server
 * starts as it would without it: unknown or unusual flags, a config file it cannot read, variables, block
 * strings or includes it cannot follow, host names other than localhost, repeated or competing keys
 * (listen with port or host). A bind that fails (port in use) also binds nothing, so that the server
 * reports it in its own words. The server checks the address it was told against its own reading of the
 * configuration and binds on its own when they differ.
 *
 *   nats4j-listen --exec SCRIPT ARGV0 SERVER-ARGS...   (runs "bash SCRIPT SERVER-ARGS...", NATS4J_LISTEN_FD=none
 *                                                       when nothing was bound; NATS4J_ARGV0 keeps the name)
 *   nats4j-listen --probe SERVER-ARGS...                (prints "HOST PORT" or "none"; for tests)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKLOG 4096
#define MAX_CONFIG_BYTES (4 << 20)
#define MAX_INCLUDE_DEPTH 8

/* ------------------------------------------------------------------ flags (as io.nats4j.server.config.CommandLine) */

enum flag_type { BOOL, INT, STR };

struct flag {
    const char *name;
    enum flag_type type;
};

/* Every spelling CommandLine knows. A flag missing here makes us bind nothing (safe); a wrong type would not. */
static const struct flag FLAGS[] = {
    {"addr", STR}, {"a", STR}, {"net", STR},
    {"port", INT}, {"p", INT},
    {"name", STR}, {"n", STR}, {"server_name", STR},
    {"pid", STR}, {"P", STR},
    {"http_port", INT}, {"m", INT},
    {"https_port", INT}, {"ms", INT},
    {"config", STR}, {"c", STR},
    {"t", BOOL},
    {"signal", STR}, {"sl", STR},
    {"client_advertise", STR},
    {"ports_file_dir", STR},
    {"log", STR}, {"l", STR},
    {"logtime", BOOL}, {"T", BOOL},
    {"syslog", BOOL}, {"s", BOOL},
    {"remote_syslog", STR}, {"r", STR},
    {"debug", BOOL}, {"D", BOOL},
    {"trace", BOOL}, {"V", BOOL},
    {"VV", BOOL}, {"DV", BOOL}, {"DVV", BOOL},
    {"log_size_limit", INT},
    {"max_traced_msg_len", INT},
    {"jetstream", BOOL}, {"js", BOOL},
    {"store_dir", STR}, {"sd", STR},
    {"user", STR}, {"pass", STR}, {"auth", STR},
    {"tls", BOOL}, {"tlscert", STR}, {"tlskey", STR}, {"tlsverify", BOOL}, {"tlscacert", STR},
    {"routes", STR}, {"cluster", STR}, {"cluster_listen", STR}, {"cluster_name", STR},
    {"no_advertise", BOOL}, {"cluster_advertise", STR}, {"connect_retries", INT}, {"profile", INT},
    {"help", BOOL}, {"h", BOOL},
    {"version", BOOL}, {"v", BOOL},
    {"help_tls", BOOL},
};

/* What the command line and config say about the client listener. */
struct listen {
    char host[256];
    int has_host;
    long port;
    int has_port;
};

/* A decimal integer (optional '-'), nothing else; 0 if not one. */
static int plain_int(const char *s, size_t n, long *out) {
    size_t i = 0;
    long v = 0;
    int neg = 0;
    if (n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i >= n || n - i > 6) {
        return 0;
    }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 1;
}

static int set_host(struct listen *l, const char *s, size_t n) {
    if (n >= sizeof l->host) {
        return 0;
    }
    memcpy(l->host, s, n);
    l->host[n] = 0;
    l->has_host = 1;
    return 1;
}

/*
 * Reads the flags as Go's flag package does. Returns 1 with *config set (or NULL) and the flags' host/port in
 * *fl, 0 when this run must not bind: no server (help, version, -t, signal), or flags we do not understand.
 */
static int read_flags(int argc, char **argv, struct listen *fl, const char **config) {
    *config = NULL;
    int i = 0;
    while (i < argc) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (strlen(arg) < 2 || arg[0] != '-') {
            break;
        }
        i++;
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        if (name[0] == 0 || name[0] == '-' || name[0] == '=') {
            return 0;
        }
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t) (eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        const struct flag *f = NULL;
        for (size_t k = 0; k < sizeof FLAGS / sizeof FLAGS[0]; k++) {
            if (strlen(FLAGS[k].name) == nlen && strncmp(FLAGS[k].name, name, nlen) == 0) {
                f = &FLAGS[k];
                break;
            }
        }
        if (f == NULL) {
            return 0;
        }
        if (f->type == BOOL) {
            if (value != NULL && strcmp(value, "false") != 0 && strcmp(value, "true") != 0) {
                return 0; /* Go accepts 1, t, F, ...: leave the unusual to the server */
            }
            int on = value == NULL || strcmp(value, "true") == 0;
            if (on && (strcmp(f->name, "t") == 0 || strcmp(f->name, "help") == 0 || strcmp(f->name, "h") == 0
                       || strcmp(f->name, "version") == 0 || strcmp(f->name, "v") == 0
                       || strcmp(f->name, "help_tls") == 0)) {
                return 0;
            }
            continue;
        }
        if (value == NULL) {
            if (i >= argc) {
                return 0;
            }
            value = argv[i++];
        }
        if (strcmp(f->name, "signal") == 0 || strcmp(f->name, "sl") == 0) {
            return 0;
        }
        if (strcmp(f->name, "config") == 0 || strcmp(f->name, "c") == 0) {
            *config = value;
        } else if (strcmp(f->name, "addr") == 0 || strcmp(f->name, "a") == 0 || strcmp(f->name, "net") == 0) {
            if (!set_host(fl, value, strlen(value))) {
                return 0;
            }
        } else if (strcmp(f->name, "port") == 0 || strcmp(f->name, "p") == 0) {
            if (!plain_int(value, strlen(value), &fl->port)) {
                return 0;
            }
            fl->has_port = 1;
        } else if (f->type == INT) {
            long ignored;
            if (!plain_int(value, strlen(value), &ignored)) {
                return 0;
            }
        }
    }
    return i == argc; /* a stray argument is an error the server reports */
}

/* ------------------------------------------------------------------ config file (top-level keys only) */

struct scan {
    const char *s;
    size_t n;
    size_t pos;
    const char *dir; /* of the file, for includes */
    int depth;       /* include depth */
};

struct found {
    struct listen file;
    int listen_seen, port_seen, host_seen;
};

static int at_end(struct scan *c) {
    return c->pos >= c->n;
}

static char peek(struct scan *c) {
    return at_end(c) ? 0 : c->s[c->pos];
}

static void skip_line(struct scan *c) {
    while (!at_end(c) && c->s[c->pos] != '\n') {
        c->pos++;
    }
}

static int is_comment(struct scan *c) {
    char ch = peek(c);
    return ch == '#' || (ch == '/' && c->pos + 1 < c->n && c->s[c->pos + 1] == '/');
}

/* Spaces, newlines, separators and comments between entries. */
static void skip_between(struct scan *c) {
    while (!at_end(c)) {
        char ch = peek(c);
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ',' || ch == ';') {
            c->pos++;
        } else if (is_comment(c)) {
            skip_line(c);
        } else {
            break;
        }
    }
}

static void skip_spaces(struct scan *c) {
    while (peek(c) == ' ' || peek(c) == '\t') {
        c->pos++;
    }
}

/* A quoted string starting at pos; sets [*start, *end) to its raw contents. 0 if unterminated. */
static int quoted(struct scan *c, size_t *start, size_t *end) {
    char q = c->s[c->pos++];
    *start = c->pos;
    while (!at_end(c)) {
        char ch = c->s[c->pos];
        if (ch == '\\' && q == '"') {
            c->pos += 2;
            continue;
        }
        if (ch == '\n') {
            return 0;
        }
        if (ch == q) {
            *end = c->pos++;
            return 1;
        }
        c->pos++;
    }
    return 0;
}

/* Skips a { } or [ ] value, nested, with strings and comments inside. 0 when unsure. */
static int skip_block(struct scan *c) {
    int level = 0;
    while (!at_end(c)) {
        char ch = peek(c);
        if (ch == '{' || ch == '[') {
            level++;
            c->pos++;
        } else if (ch == '}' || ch == ']') {
            level--;
            c->pos++;
            if (level == 0) {
                return 1;
            }
            if (level < 0) {
                return 0;
            }
        } else if (ch == '"' || ch == '\'') {
            size_t a, b;
            if (!quoted(c, &a, &b)) {
                return 0;
            }
        } else if (is_comment(c)) {
            skip_line(c);
        } else if (ch == '(') {
            return 0; /* a block string: its contents could hold anything */
        } else {
            c->pos++;
        }
    }
    return 0;
}

static int scan_file(const char *path, const char *dir_hint, int depth, struct found *f);

/* The rest of an entry's line: blanks, a separator or a comment. */
static int line_end_ok(struct scan *c) {
    skip_spaces(c);
    char ch = peek(c);
    return at_end(c) || ch == '\n' || ch == '\r' || ch == ',' || ch == ';' || is_comment(c);
}

static int ours(const char *key, size_t n, const char *name) {
    return strlen(name) == n && strncasecmp(key, name, n) == 0;
}

/* A listen value "host:port" (Go's SplitHostPort rules, brackets for IPv6). */
static int listen_string(const char *s, size_t n, struct listen *l) {
    const char *host, *port;
    size_t hlen, plen;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL || (size_t) (close - s) + 1 >= n || close[1] != ':') {
            return 0;
        }
        host = s + 1;
        hlen = (size_t) (close - s) - 1;
        port = close + 2;
        plen = n - (size_t) (port - s);
    } else {
        const char *colon = memrchr(s, ':', n);
        if (colon == NULL || memchr(s, ':', n) != colon) {
            return 0;
        }
        host = s;
        hlen = (size_t) (colon - s);
        port = colon + 1;
        plen = n - hlen - 1;
    }
    if (!plain_int(port, plen, &l->port)) {
        return 0;
    }
    l->has_port = 1;
    return set_host(l, host, hlen);
}

static int scan(struct scan *c, struct found *f) {
    for (;;) {
        skip_between(c);
        if (at_end(c)) {
            return 1;
        }
        char ch = peek(c);
        size_t ks, ke;
        if (ch == '"' || ch == '\'') {
            if (!quoted(c, &ks, &ke)) {
                return 0;
            }
        } else if (ch == '{' || ch == '}' || ch == '[' || ch == ']' || ch == '=' || ch == ':' || ch == '(') {
            return 0;
        } else {
            ks = c->pos;
            while (!at_end(c) && !strchr(" \t\r\n=:", peek(c))) {
                c->pos++;
            }
            ke = c->pos;
            if (ours(c->s + ks, ke - ks, "include") && (peek(c) == ' ' || peek(c) == '\t')) {
                skip_spaces(c);
                size_t ps, pe;
                if (peek(c) == '"' || peek(c) == '\'') {
                    if (!quoted(c, &ps, &pe)) {
                        return 0;
                    }
                } else {
                    ps = c->pos;
                    while (!at_end(c) && !strchr(" \t\r\n,;#", peek(c))) {
                        c->pos++;
                    }
                    pe = c->pos;
                }
                if (!line_end_ok(c) || pe == ps || pe - ps > 4000 || c->depth >= MAX_INCLUDE_DEPTH) {
                    return 0;
                }
                char name[4096];
                memcpy(name, c->s + ps, pe - ps);
                name[pe - ps] = 0;
                if (!scan_file(name, c->dir, c->depth + 1, f)) {
                    return 0;
                }
                continue;
            }
        }
        const char *key = c->s + ks;
        size_t klen = ke - ks;
        int is_listen = ours(key, klen, "listen");
        int is_port = ours(key, klen, "port");
        int is_host = ours(key, klen, "host") || ours(key, klen, "net");
        /* key separator: blanks, then optionally '=' or ':' */
        while (!at_end(c) && strchr(" \t\r\n", peek(c))) {
            c->pos++;
        }
        if (peek(c) == '=' || peek(c) == ':') {
            c->pos++;
        }
        skip_spaces(c);
        ch = peek(c);
        if (ch == '{' || ch == '[') {
            if (is_listen || is_port || is_host || !skip_block(c)) {
                return 0;
            }
            continue;
        }
        if (ch == '(' || ch == 0 || ch == '\n' || ch == '\r') {
            return 0;
        }
        size_t vs, ve;
        int was_quoted = 0;
        if (ch == '"' || ch == '\'') {
            if (!quoted(c, &vs, &ve)) {
                return 0;
            }
            was_quoted = 1;
        } else {
            vs = c->pos;
            while (!at_end(c) && !strchr(" \t\r\n,;#{}[]", peek(c))) {
                c->pos++;
            }
            ve = c->pos;
        }
        if (!line_end_ok(c)) {
            return 0;
        }
        if (!(is_listen || is_port || is_host)) {
            continue;
        }
        const char *v = c->s + vs;
        size_t vlen = ve - vs;
        if (memchr(v, '$', vlen) || memchr(v, '\\', vlen)) {
            return 0; /* variables, escapes */
        }
        if (is_port) {
            if (f->port_seen++ || was_quoted || !plain_int(v, vlen, &f->file.port)) {
                return 0;
            }
            f->file.has_port = 1;
        } else if (is_host) {
            if (f->host_seen++ || (!was_quoted && vlen == 0)) {
                return 0;
            }
            if (!set_host(&f->file, v, vlen)) {
                return 0;
            }
        } else {
            if (f->listen_seen++) {
                return 0;
            }
            if (!was_quoted && plain_int(v, vlen, &f->file.port)) {
                f->file.has_port = 1;
            } else if (!listen_string(v, vlen, &f->file)) {
                return 0;
            }
        }
        if (f->listen_seen && (f->port_seen || f->host_seen)) {
            return 0; /* competing keys: which one wins is not ours to guess */
        }
    }
}

static int scan_file(const char *path, const char *dir, int depth, struct found *f) {
    char full[8192];
    if (path[0] != '/' && dir != NULL) {
        if (snprintf(full, sizeof full, "%s/%s", dir, path) >= (int) sizeof full) {
            return 0;
        }
        path = full;
    }
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        return 0;
    }
    char *buf = malloc(MAX_CONFIG_BYTES);
    if (buf == NULL) {
        fclose(in);
        return 0;
    }
    size_t n = fread(buf, 1, MAX_CONFIG_BYTES, in);
    int too_big = !feof(in);
    fclose(in);
    if (too_big || memchr(buf, 0, n) != NULL) {
        free(buf);
        return 0;
    }
    char mydir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(mydir, ".");
    } else if ((size_t) (slash - path) >= sizeof mydir) {
        free(buf);
        return 0;
    } else if (slash == path) {
        strcpy(mydir, "/");
    } else {
        memcpy(mydir, path, (size_t) (slash - path));
        mydir[slash - path] = 0;
    }
    if (n >= 3 && (unsigned char) buf[0] == 0xEF && (unsigned char) buf[1] == 0xBB && (unsigned char) buf[2] == 0xBF) {
        free(buf); /* a byte order mark: left to the server */
        return 0;
    }
    struct scan c = {buf, n, 0, mydir, depth};
    int ok = scan(&c, f);
    free(buf);
    return ok;
}

/* ------------------------------------------------------------------ resolve and bind */

/* Whether bind_listener can bind this host: the wildcard, localhost, an IPv4 or IPv6 literal. */
static int host_ok(const char *host) {
    unsigned char a[16];
    return strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 || strcmp(host, "localhost") == 0
           || inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* The address the server will listen on, as the server spells it (host normalised as NatsServer does). */
static int resolve(int argc, char **argv, struct listen *out) {
    struct listen flags = {{0}, 0, 0, 0};
    const char *config;
    if (!read_flags(argc, argv, &flags, &config)) {
        return 0;
    }
    struct found f;
    memset(&f, 0, sizeof f);
    if (config != NULL && config[0] != 0 && !(flags.has_host && flags.has_port)) {
        if (!scan_file(config, NULL, 0, &f)) {
            return 0;
        }
    }
    memset(out, 0, sizeof *out);
    strcpy(out->host, "0.0.0.0");
    out->port = 4222;
    if (f.file.has_host) {
        strcpy(out->host, f.file.host);
    }
    if (f.file.has_port) {
        out->port = f.file.port;
    }
    if (flags.has_host) {
        strcpy(out->host, flags.host);
    }
    if (flags.has_port) {
        out->port = flags.port;
    }
    if (out->host[0] == 0) {
        strcpy(out->host, "0.0.0.0");
    }
    return out->port >= -1 && out->port <= 65535 && host_ok(out->host);
}

/* A listening socket on host:port as the server would bind it; -1 when not possible here. */
static int bind_listener(const char *host, long port) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    int family;
    unsigned short p = (unsigned short) (port <= 0 ? 0 : port);
    struct in_addr a4;
    struct in6_addr a6;
    if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0) {
        /* the JVM binds the wildcard on a dual-stack IPv6 socket (so does nats-server) */
        family = AF_INET6;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(p);
        s6->sin6_addr = in6addr_any;
        len = sizeof *s6;
    } else if (strcmp(host, "localhost") == 0 || inet_pton(AF_INET, host, &a4) == 1) {
        if (strcmp(host, "localhost") == 0) {
            a4.s_addr = htonl(INADDR_LOOPBACK); /* the JVM prefers IPv4; the server checks the address */
        }
        family = AF_INET;
        struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(p);
        s4->sin_addr = a4;
        len = sizeof *s4;
    } else if (inet_pton(AF_INET6, host, &a6) == 1) {
        family = AF_INET6;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(p);
        s6->sin6_addr = a6;
        len = sizeof *s6;
    } else {
        return -1; /* a host name: resolving it is the server's business */
    }
    int fd = socket(family, SOCK_STREAM, 0); /* not close-on-exec: the JVM inherits it */
    if (fd < 0) {
        return -1;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6 && strcmp(host, "0.0.0.0") == 0) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (bind(fd, (struct sockaddr *) &ss, len) != 0 || listen(fd, BACKLOG) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--probe") == 0) {
        struct listen l;
        if (resolve(argc - 2, argv + 2, &l)) {
            printf("%s %ld\n", l.host, l.port);
        } else {
            printf("none\n");
        }
        return 0;
    }
    if (argc < 4 || strcmp(argv[1], "--exec") != 0) {
        fprintf(stderr, "usage: nats4j-listen --exec SCRIPT ARGV0 SERVER-ARGS... | --probe SERVER-ARGS...\n");
        return 2;
    }
    const char *script = argv[2];
    int nserver = argc - 4;
    char **server_args = argv + 4;
    struct listen l;
    int fd = -1;
    if (resolve(nserver, server_args, &l)) {
        fd = bind_listener(l.host, l.port);
    }
    char text[400];
    if (fd >= 0) {
        snprintf(text, sizeof text, "%d", fd);
        setenv("NATS4J_LISTEN_FD", text, 1);
        snprintf(text, sizeof text, "%s:%ld", l.host, l.port <= 0 ? 0L : l.port);
        setenv("NATS4J_LISTEN_ADDR", text, 1);
    } else {
        setenv("NATS4J_LISTEN_FD", "none", 1);
    }
    setenv("NATS4J_ARGV0", argv[3], 1);
    /* bash SCRIPT SERVER-ARGS...: the script's own interpreter line says bash; one exec less than env */
    char **args = calloc((size_t) nserver + 3, sizeof *args);
    if (args == NULL) {
        return 1;
    }
    args[0] = "bash";
    args[1] = (char *) script;
    for (int i = 0; i < nserver; i++) {
        args[2 + i] = server_args[i];
    }
    args[2 + nserver] = NULL;
    execvp("bash", args);
    fprintf(stderr, "nats4j-listen: cannot run bash %s: %s\n", script, strerror(errno));
    return 127;
}
