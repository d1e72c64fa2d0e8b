package io.nats4j.server.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * nats-server's account resolver settings for operator mode: {@code resolver: MEMORY} (accounts only from
 * {@code resolver_preload}), {@code resolver: URL(<base url>)} (account JWTs fetched over HTTP) or
 * {@code resolver { type: full, dir: ... }} (account JWTs kept in a directory,
 * one {@code <account public key>.jwt} file each, updated through {@code $SYS.REQ} claim updates).
 */
public final class ResolverOptions {

    public enum Type { MEMORY, FULL, CACHE, URL }

    /** nats-server's defaults for the cache resolver: at most 1000 JWTs, no time to live. */
    public static final int DEFAULT_CACHE_LIMIT = 1000;

    /** nats-server's defaults for the full resolver (its limit: 0 = unlimited). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(2);

    public Type type = Type.MEMORY;
    /** {@code resolver_preload}: account public key to account JWT, in file order. */
    public Map<String, String> preload = new LinkedHashMap<>();
    /** URL resolver: the base URL; an account's JWT is fetched from {@code url + public key}. */
    public String url;
    /** Full resolver: the directory of account JWTs. */
    public Path dir;
    /** Full resolver: accounts may be deleted through {@code $SYS.REQ.CLAIMS.DELETE}. */
    public boolean allowDelete;
    /** Full resolver: deleted JWT files are removed (true) or renamed to {@code .jwt.deleted} (false). */
    public boolean hardDelete;
    /**
     * The most account JWTs kept: full resolver, 0 = unlimited (beyond it an update of a new account fails
     * with "jwt store is full"); cache resolver, 0 = {@value #DEFAULT_CACHE_LIMIT} (the least recently used
     * JWT makes room).
     */
    public int limit;
    public Duration timeout = DEFAULT_TIMEOUT;
    public Duration interval = DEFAULT_INTERVAL;
    /** Cache resolver: a JWT not used for this long is dropped; zero = kept until evicted by the limit. */
    public Duration ttl = Duration.ZERO;
    /** {@code resolver_pinned_accounts}: when not empty, only users of these accounts may connect. */
    public java.util.List<String> pinnedAccounts = new java.util.ArrayList<>();

    /** Every setting, comparable with {@code equals}: two resolvers with equal values are configured alike. */
    public java.util.List<Object> values() {
        return java.util.Arrays.asList(type, new LinkedHashMap<>(preload), url, dir, allowDelete, hardDelete, limit,
                timeout, interval, ttl, new java.util.ArrayList<>(pinnedAccounts));
    }

    public ResolverOptions copy() {
        ResolverOptions c = new ResolverOptions();
        c.type = type;
        c.preload = new LinkedHashMap<>(preload);
        c.dir = dir;
        c.url = url;
        c.allowDelete = allowDelete;
        c.hardDelete = hardDelete;
        c.limit = limit;
        c.timeout = timeout;
        c.interval = interval;
        c.ttl = ttl;
        c.pinnedAccounts = new java.util.ArrayList<>(pinnedAccounts);
        return c;
    }
}
