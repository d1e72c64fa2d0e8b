#!/usr/bin/env bash
# Checks the distribution archive as a user gets it: builds it (scripts/dist.sh) unless given one, unpacks it in
# a temporary directory, and from another directory, with Maven and the source tree out of reach, starts
# bin/nats4j three times (through a symbolic link the third time) and talks to it with a raw NATS client
# (CONNECT, SUB, PUB, PING: MSG and PONG expected); on the first start a client connects as early as it can and
# must be served, with the port never closing meanwhile (early_client_is_served). Also checks the archive's LICENSE and, where systemd-analyze
# exists, the systemd unit (systemd-analyze verify, with ExecStart on the unpacked launcher).
#
#   scripts/dist-test.sh [-o] [ARCHIVE]      (-o: Maven offline when building)
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
nats4j_find_java
root=$NATS4J_ROOT
offline=()
if [[ ${1:-} == -o ]]; then offline=(-o); shift; fi
archive=${1:-}
start=$SECONDS
[[ -n $archive ]] || archive=$("$root/scripts/dist.sh" "${offline[@]}")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nats4j-dist-test.XXXXXX")
pid=''
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
tar -xzf "$archive" -C "$tmp"
home=$(echo "$tmp"/nats4j-*/)
home=${home%/}
[[ -x $home/bin/nats4j && -e $home/.nats4j-dist ]] || { nats4j_log "archive layout: no bin/nats4j"; exit 1; }
ln -s "$home/bin/nats4j" "$tmp/nats4j-link"

# No Maven on the PATH (a missing jar must not start a build) and no source tree nearby.
nomvn=$tmp/path
mkdir -p "$nomvn"
for tool in bash sed cut tr mkdir rm mv ls cat sleep kill flock readlink dirname uname env; do
    t=$(command -v "$tool" 2>/dev/null) && ln -s "$t" "$nomvn/$tool"
done

serve_and_talk() { # $1: launcher path; starts a server, checks it, stops it
    local launcher=$1 ports=$tmp/ports port='' line got_msg=0 got_pong=0 i t0=$EPOCHREALTIME
    rm -rf "$ports" && mkdir -p "$ports"
    (cd / && exec env -i PATH="$nomvn" HOME="$tmp/home" JAVA_HOME="$NATS4J_JAVA_HOME" \
        "$launcher" -a 127.0.0.1 -p -1 --ports_file_dir "$ports") >"$tmp/server.log" 2>&1 &
    pid=$!
    for ((i = 0; i < 3000; i++)); do # the first start may train the AOT cache: up to a minute
        if compgen -G "$ports/*.ports" >/dev/null && [[ $(cat "$ports"/*.ports) =~ nats://[^\"]*:([0-9]+) ]]; then
            port=${BASH_REMATCH[1]}
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    [[ -n $port ]] || { cat "$tmp/server.log" >&2; nats4j_log "the server did not start"; return 1; }
    local ready_ms=$(( (${EPOCHREALTIME/[.,]/} - ${t0/[.,]/}) / 1000 ))
    exec 8<>"/dev/tcp/127.0.0.1/$port"
    read -r -t 5 line <&8
    [[ $line == INFO* ]] || { nats4j_log "no INFO: $line"; return 1; }
    printf 'CONNECT {"verbose":false,"pedantic":false}\r\nSUB dist.test 1\r\nPUB dist.test 5\r\nhello\r\nPING\r\n' >&8
    while read -r -t 5 line <&8; do
        line=${line%$'\r'}
        [[ $line == "MSG dist.test 1 5" ]] && got_msg=1
        [[ $line == PONG ]] && { got_pong=1; break; }
    done
    exec 8>&-
    kill -TERM "$pid"
    wait "$pid" || true
    pid=''
    [[ $got_msg == 1 && $got_pong == 1 ]] || { cat "$tmp/server.log" >&2; nats4j_log "no MSG/PONG from the server"; return 1; }
    nats4j_log "$launcher: served a client (ports file after ${ready_ms} ms)"
}

# The first start after unpacking, on a fixed port and with a client connecting as soon as the port accepts: with
# socket activation the launcher binds the port within milliseconds, then (JDK 25+) trains the AOT cache for
# seconds before the server starts. The port must stay open all along: the early client gets its INFO once the
# server is ready, and more clients that connect meanwhile (one every 0.1 s) are all accepted, none refused or
# reset (bin/nats4j used to close the early socket for the training).
early_client_is_served() { # $1: launcher path
    local launcher=$1 port="" p line="" i probes=0 t0=$EPOCHREALTIME
    for ((i = 0; i < 50; i++)); do # a port nothing listens on
        p=$((20000 + RANDOM % 30000))
        if ! { exec 7<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null; then port=$p; break; fi
        exec 7>&-
    done
    (cd / && exec env -i PATH="$nomvn" HOME="$tmp/home" JAVA_HOME="$NATS4J_JAVA_HOME" \
        "$launcher" -a 127.0.0.1 -p "$port") >"$tmp/server.log" 2>&1 &
    pid=$!
    for ((i = 0; i < 3000; i++)); do # up to a minute: without a C compiler the JVM binds the port itself
        { exec 8<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; nats4j_log "the server exited"; return 1; }
        sleep 0.02
    done
    local accepted_ms=$(( (${EPOCHREALTIME/[.,]/} - ${t0/[.,]/}) / 1000 ))
    for ((i = 0; i < 600; i++)); do # up to a minute for the INFO
        read -r -t 0 <&8 && break # readable: the INFO, or the end of a reset connection
        if ! { exec 7<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
            cat "$tmp/server.log" >&2
            nats4j_log "a client was refused $(( (${EPOCHREALTIME/[.,]/} - ${t0/[.,]/}) / 1000 )) ms after exec (port first accepted after ${accepted_ms} ms)"
            return 1
        fi
        exec 7>&-
        ((++probes))
        sleep 0.1
    done
    read -r -t 5 line <&8 2>/dev/null || true
    [[ $line == INFO* ]] || { cat "$tmp/server.log" >&2; nats4j_log "the early client got no INFO: '$line'"; return 1; }
    printf 'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n' >&8
    while read -r -t 5 line <&8 && [[ $line != PONG* ]]; do :; done
    [[ $line == PONG* ]] || { nats4j_log "the early client got no PONG"; return 1; }
    exec 8>&-
    kill -TERM "$pid"
    wait "$pid" || true
    pid=''
    nats4j_log "$launcher: first start, port accepting after ${accepted_ms} ms, early client served after $(( (${EPOCHREALTIME/[.,]/} - ${t0/[.,]/}) / 1000 )) ms, $probes more clients accepted meanwhile"
}

[[ -s $home/LICENSE ]] || { nats4j_log "archive layout: no LICENSE"; exit 1; }
# the systemd unit as shipped, with /opt/nats4j pointing at this unpacked archive: its directives, and that
# ExecStart names an executable launcher (where systemd-analyze exists; it needs no running systemd)
if command -v systemd-analyze >/dev/null 2>&1; then
    sed "s#/opt/nats4j/#$home/#g" "$home/dist/nats4j.service" >"$tmp/nats4j.service"
    if ! out=$(systemd-analyze verify "$tmp/nats4j.service" 2>&1) || [[ -n $out ]]; then
        printf '%s\n' "$out" >&2
        nats4j_log "dist/nats4j.service: systemd-analyze verify failed"
        exit 1
    fi
    nats4j_log "dist/nats4j.service: systemd-analyze verify passed"
fi

early_client_is_served "$home/bin/nats4j"
serve_and_talk "$home/bin/nats4j"
serve_and_talk "$tmp/nats4j-link"
ls "$home"/cache/nats4j-* >/dev/null 2>&1 || { nats4j_log "no start-up cache in $home/cache"; exit 1; }
nats4j_log "distribution test passed in $((SECONDS - start)) s: $archive"
