#!/usr/bin/env bash
# Official NATS clients in other languages (C, Node.js, Go) against nats4j and nats-server.
#
#   scripts/client-compat.sh [--no-install] [--clients "c node go"] [--servers "nats4j nats-server"]
#                            [--sections "core auth"] [--mechanisms "userpass token nkey jwt tls tls_map"]
#
# Installs what is missing (Debian packages with apt-get, nats.js with npm ci from compat/node's
# lock file; a language whose packages cannot be had is skipped with a SKIP line), builds the check
# programs in compat/, then for each server starts it on a free loopback port, runs every client's
# program against it (each bounded by a timeout), stops it by PID and prints a client x server table.
# The auth section then starts each server once per authentication mechanism, with a config written
# at run time into .build/compat/auth/ (fresh keys, JWTs and bcrypt hash from compat/tools/
# AuthFixtures.java, certificates from openssl), and runs each client's "auth" checks: a correct
# credential must connect and make a round trip, a wrong one must be refused ("Authorization
# Violation", or a failed TLS handshake for a client certificate the server does not trust); with
# both servers run, nats4j's log lines about auth must also be nats-server's (compat/README.md).
# Exit status: 1 if any client failed against nats4j or those log lines differ, 0 otherwise (a failure
# against nats-server is reported as a warning: it means the check, not nats4j, is wrong).
#
# Internal use by the check programs' reconnect check:
#   scripts/client-compat.sh restart-server STATE_DIR
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self=$root/scripts/client-compat.sh
compat=$root/compat
build=$root/.build/compat
nats_server=${NATS_SERVER:-/usr/sbin/nats-server}

CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-180}   # seconds for one client program against one server
AUTH_TIMEOUT=${AUTH_TIMEOUT:-90}        # seconds for one authentication check (a reconnect check restarts the server)
READY_TIMEOUT=${READY_TIMEOUT:-60}      # seconds for a server to accept connections
FIRST_READY_TIMEOUT=300                 # the first nats4j start may build the server

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Servers. A server's state lives in a directory: kind, port, pid, log.

# A port nothing answers on, below the kernel's ephemeral range when there is room (a client
# connection's local port there would make the bind fail although nothing listens).
free_port() {
    local p i lo=20000 span=40000 eph
    if read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && ((eph - lo >= 5000)); then
        span=$((eph - lo))
    fi
    for ((i = 0; i < 200; i++)); do
        p=$((lo + RANDOM % span))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# True when something on the port answers with a NATS INFO line.
answers_info() {
    local port=$1 line
    line=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 4 <&3" 2>/dev/null) || return 1
    [[ $line == INFO ]]
}

# start_server STATE_DIR READY_TIMEOUT: starts the server described by STATE_DIR/{kind,port[,conf]} in its own
# session (setsid: a client's timeout, which signals its process group, never reaches it) and waits
# until it answers. The PID written is the server's own (setsid and bin/nats4j both exec).
start_server() {
    local dir=$1 wait_s=$2 kind port pid deadline
    local conf=()
    kind=$(<"$dir/kind")
    port=$(<"$dir/port")
    [[ -s $dir/conf ]] && conf=(-c "$(<"$dir/conf")")
    case $kind in
        nats4j) setsid "$root/bin/nats4j" "${conf[@]}" -a 127.0.0.1 -p "$port" >>"$dir/log" 2>&1 </dev/null & ;;
        nats-server) setsid "$nats_server" "${conf[@]}" -a 127.0.0.1 -p "$port" >>"$dir/log" 2>&1 </dev/null & ;;
        *) log "unknown server kind $kind"; return 1 ;;
    esac
    pid=$!
    echo "$pid" >"$dir/pid"
    deadline=$((SECONDS + wait_s))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "$kind exited before it was ready; its log:"
            tail -n 20 "$dir/log" >&2
            return 1
        fi
        answers_info "$port" && return 0
        sleep 0.1
    done
    log "$kind did not answer on port $port within ${wait_s}s"
    return 1
}

stop_server() {
    local dir=$1 pid i
    [[ -s $dir/pid ]] || return 0
    pid=$(<"$dir/pid")
    kill -TERM "$pid" 2>/dev/null || { : >"$dir/pid"; return 0; }
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "server $pid still running 10 s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        sleep 0.2
    fi
    : >"$dir/pid"
}

if [[ ${1:-} == restart-server ]]; then
    dir=${2:?usage: client-compat.sh restart-server STATE_DIR}
    stop_server "$dir"
    start_server "$dir" "$READY_TIMEOUT"
    exit
fi

# ---------------------------------------------------------------------------------------------
# Options.

install=1
clients="c node go"
servers="nats4j nats-server"
sections="core auth"
mechanisms="userpass token nkey jwt tls tls_map"
while (($#)); do
    case $1 in
        --no-install) install=0 ;;
        --clients) clients=$2; shift ;;
        --servers) servers=$2; shift ;;
        --sections) sections=$2; shift ;;
        --mechanisms) mechanisms=$2; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) log "unknown argument: $1"; exit 2 ;;
    esac
    shift
done

mkdir -p "$build"
apt_updated=0
apt_install() { # apt_install PKG...: installs Debian packages, running apt-get update once first
    ((install)) || return 1
    command -v apt-get >/dev/null || return 1
    if ((!apt_updated)); then
        timeout 300 apt-get update -q >"$build/apt-update.log" 2>&1 || true
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q "$@" >"$build/apt-install.log" 2>&1 || {
        tail -n 5 "$build/apt-install.log" >&2
        return 1
    }
}

# ---------------------------------------------------------------------------------------------
# Install and build. Each sets REASON and returns non-zero when its client must be skipped.

declare -A cmd=()
declare -A skip=()

prepare_c() {
    if ! pkg-config --exists libnats 2>/dev/null || ! command -v gcc >/dev/null; then
        apt_install libnats-dev gcc pkg-config || { REASON="libnats-dev (nats.c) could not be installed"; return 1; }
    fi
    pkg-config --exists libnats || { REASON="libnats-dev has no pkg-config file"; return 1; }
    # shellcheck disable=SC2046
    timeout 120 gcc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O1 -o "$build/compat-c" \
        "$compat/c/compat.c" $(pkg-config --cflags --libs libnats) || { REASON="compat/c/compat.c did not compile"; return 1; }
    cmd[c]="$build/compat-c"
    version[c]="nats.c $(pkg-config --modversion libnats) (Debian libnats-dev $(dpkg-query -W -f='${Version}' libnats-dev 2>/dev/null))"
}

prepare_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm || { REASON="node/npm not installed"; return 1; }
    fi
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    ((major >= 18)) || { REASON="node $(node --version) is older than 18"; return 1; }
    local nm=$compat/node/node_modules
    if [[ ! -f $nm/nats/package.json || $compat/node/package-lock.json -nt $nm/.package-lock.json ]]; then
        ((install)) || { REASON="compat/node/node_modules missing and --no-install given"; return 1; }
        (cd "$compat/node" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >&2 \
            || { REASON="npm ci in compat/node failed"; return 1; }
    fi
    cmd[node]="node $compat/node/compat.js"
    version[node]="nats.js $(node -p "require('$nm/nats/package.json').version") (npm \"nats\"), node $(node --version)"
}

prepare_go() {
    local src=/usr/share/gocode/src/github.com/nats-io/nats.go
    if ! command -v go >/dev/null || [[ ! -d $src ]]; then
        apt_install golang-go golang-github-nats-io-go-nats-dev \
            || { REASON="golang-go / golang-github-nats-io-go-nats-dev could not be installed"; return 1; }
    fi
    command -v go >/dev/null || { REASON="no go on PATH after installing golang-go"; return 1; }
    # GOPATH mode: imports come from Debian's /usr/share/gocode, nothing is fetched from a proxy.
    (cd "$compat/go" && env -u GOFLAGS GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$build/gocache" \
        GOPROXY=off GOTOOLCHAIN=local timeout 300 go build -o "$build/compat-go" compat.go) \
        || { REASON="compat/go/compat.go did not build in GOPATH mode against Debian's nats.go"; return 1; }
    cmd[go]="$build/compat-go"
    version[go]="nats.go $(dpkg-query -W -f='${Version}' golang-github-nats-io-go-nats-dev 2>/dev/null) (Debian golang-github-nats-io-go-nats-dev), $(go version | cut -d' ' -f3)"
}

declare -A version=()
for c in $clients; do
    case $c in c|node|go) ;; *) log "unknown client: $c"; exit 2 ;; esac
    REASON=''
    if "prepare_$c"; then
        echo "client $c: ${version[$c]}"
    else
        skip[$c]=$REASON
        echo "SKIP client $c: $REASON"
    fi
done

for s in $servers; do
    case $s in
        nats4j) ;;
        nats-server)
            if [[ ! -x $nats_server ]]; then
                apt_install nats-server || true
            fi
            if [[ ! -x $nats_server ]]; then
                skip[$s]="no nats-server at $nats_server"
                echo "SKIP server nats-server: ${skip[$s]}"
            fi
            ;;
        *) log "unknown server: $s"; exit 2 ;;
    esac
done

for sec in $sections; do
    case $sec in core|auth) ;; *) log "unknown section: $sec"; exit 2 ;; esac
done
for m in $mechanisms; do
    case $m in userpass|token|nkey|jwt|tls|tls_map) ;; *) log "unknown mechanism: $m"; exit 2 ;; esac
done
has_section() { [[ " $sections " == *" $1 "* ]]; }

# ---------------------------------------------------------------------------------------------
# Authentication fixtures: credentials and one server config per mechanism, fresh at every run, in
# $auth (under .build/: they hold keys and secrets, and are never committed).

auth=$build/auth

ossl() { timeout 60 openssl "$@" 2>>"$auth/openssl.log"; }
make_ca() { # make_ca NAME SUBJECT
    ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -keyout "$auth/$1-key.pem" -out "$auth/$1.pem" -subj "$2" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
make_leaf() { # make_leaf NAME CA SUBJECT EXTENSIONS
    ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$auth/$1-key.pem" \
        -out "$auth/$1.csr" -subj "$3" || return 1
    printf '%s\n' "$4" >"$auth/$1.ext"
    ossl x509 -req -in "$auth/$1.csr" -CA "$auth/$2.pem" -CAkey "$auth/$2-key.pem" -CAcreateserial -days 2 \
        -extfile "$auth/$1.ext" -out "$auth/$1.pem"
}

# make_certs: a CA, a server certificate for the loopback names, client certificates (one mapped to a user
# by its e-mail SAN, one with an e-mail SAN no user has) and a client certificate from another CA.
make_certs() {
    make_ca ca "/CN=compat test CA" &&
    make_ca rogue-ca "/CN=compat rogue CA" &&
    make_leaf server ca "/CN=localhost" $'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth' &&
    make_leaf client ca "/CN=compat-client" $'subjectAltName=email:compat-client@localhost\nextendedKeyUsage=clientAuth' &&
    make_leaf unmapped ca "/CN=compat-unmapped" $'subjectAltName=email:compat-unmapped@localhost\nextendedKeyUsage=clientAuth' &&
    make_leaf rogue rogue-ca "/CN=compat-client" $'subjectAltName=email:compat-client@localhost\nextendedKeyUsage=clientAuth'
}

prepare_auth() {
    rm -rf "$auth"
    mkdir -p "$auth"
    chmod 700 "$auth"
    if ! command -v openssl >/dev/null; then
        apt_install openssl || { REASON="openssl could not be installed"; return 1; }
    fi
    # The fixtures tool runs on the server's own jar (bin/nats4j -v builds it when it is stale).
    timeout 900 "$root/bin/nats4j" -v >/dev/null 2>"$auth/build.log" || { REASON="the server did not build"; return 1; }
    # shellcheck source=env.sh
    . "$root/scripts/env.sh"
    nats4j_find_java >/dev/null 2>&1 || { REASON="no JDK >= 21"; return 1; }
    local jar='' f
    for f in "$root"/server/target/nats4j-server-*.jar; do
        case $f in *-sources.jar|*-javadoc.jar|*-tests.jar|*'*'*) continue ;; esac
        jar=$f
    done
    [[ -n $jar ]] || { REASON="no server jar in server/target"; return 1; }
    timeout 120 "$NATS4J_JAVA_HOME/bin/java" -cp "$jar:$root/server/target/lib/*" "$compat/tools/AuthFixtures.java" \
        "$auth" >"$auth/fixtures.log" 2>&1 \
        || { cat "$auth/fixtures.log" >&2; REASON="compat/tools/AuthFixtures.java failed"; return 1; }
    make_certs || { tail -n 5 "$auth/openssl.log" >&2; REASON="openssl could not make the certificates"; return 1; }
    local tls_block
    tls_block=$(printf 'tls {\n  cert_file: "%s"\n  key_file: "%s"\n  ca_file: "%s"\n  timeout: 5\n' \
        "$auth/server.pem" "$auth/server-key.pem" "$auth/ca.pem")
    printf '%s\n  verify: true\n}\n' "$tls_block" >"$auth/tls.conf"
    printf '%s\n  verify_and_map: true\n}\nauthorization {\n  users: [\n    { user: "compat-client@localhost" }\n  ]\n}\n' \
        "$tls_block" >"$auth/tls_map.conf"
    # shellcheck disable=SC1091
    . "$auth/fixtures.env"
}

# auth_checks MECHANISM: the checks of one mechanism, one per line: NAME EXPECT KIND [ARG...]
# (EXPECT: ok = connects and makes a round trip; denied = refused with "Authorization Violation";
# refused = the connection fails, here a TLS handshake the server rejects; reconnect = as ok, with a
# server restart in between: the client reconnects and authenticates again, e.g. signs a new nonce).
auth_checks() {
    case $1 in
        userpass)
            echo "user_plain ok user $PLAIN_USER $PLAIN_PASS"
            echo "user_plain_wrong denied user $PLAIN_USER $WRONG_PASS"
            echo "user_bcrypt ok user $HASHED_USER $HASHED_PASS"
            echo "user_bcrypt_wrong denied user $HASHED_USER $WRONG_PASS"
            echo "user_none denied none"
            echo "user_bcrypt_reconnect reconnect user $HASHED_USER $HASHED_PASS" ;;
        token)
            echo "token ok token $TOKEN"
            echo "token_wrong denied token $WRONG_TOKEN"
            echo "token_none denied none"
            echo "token_reconnect reconnect token $TOKEN" ;;
        nkey)
            echo "nkey ok nkey $NKEY_PUB $auth/nkey-user.seed"
            echo "nkey_unknown denied nkey $NKEY_WRONG_PUB $auth/nkey-wrong.seed"
            echo "nkey_none denied none"
            echo "nkey_reconnect reconnect nkey $NKEY_PUB $auth/nkey-user.seed" ;;
        jwt)
            echo "jwt_creds ok creds $auth/user.creds"
            echo "jwt_creds_unknown_account denied creds $auth/wrong.creds"
            echo "jwt_creds_wrong_seed denied creds $auth/mismatched.creds"
            echo "jwt_creds_expired denied creds $auth/expired.creds"
            echo "jwt_none denied none"
            echo "jwt_creds_reconnect reconnect creds $auth/user.creds" ;;
        tls)
            echo "tls_client_cert ok tls $auth/ca.pem $auth/client.pem $auth/client-key.pem"
            echo "tls_untrusted_cert refused tls $auth/ca.pem $auth/rogue.pem $auth/rogue-key.pem"
            echo "tls_no_cert refused tls $auth/ca.pem"
            echo "tls_client_cert_reconnect reconnect tls $auth/ca.pem $auth/client.pem $auth/client-key.pem" ;;
        tls_map)
            echo "tls_map_mapped ok tls $auth/ca.pem $auth/client.pem $auth/client-key.pem"
            echo "tls_map_unmapped denied tls $auth/ca.pem $auth/unmapped.pem $auth/unmapped-key.pem"
            echo "tls_map_untrusted refused tls $auth/ca.pem $auth/rogue.pem $auth/rogue-key.pem"
            echo "tls_map_reconnect reconnect tls $auth/ca.pem $auth/client.pem $auth/client-key.pem" ;;
    esac
}

auth_skip=''
if has_section auth; then
    REASON=''
    if prepare_auth; then
        echo "auth fixtures: $auth"
    else
        auth_skip=$REASON
        echo "SKIP section auth: $REASON"
    fi
fi

# ---------------------------------------------------------------------------------------------
# Run.

rm -rf "$build"/run.* "$build"/auth-*.out "$build"/auth-log-*.txt # earlier runs' server state, outputs and logs
state_root=$(mktemp -d "$build/run.XXXXXX")
current=''
cleanup() { [[ -n $current ]] && stop_server "$current"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A result=()
nats4j_failed=0
ref_failed=0
first_nats4j=1
core_servers=''
has_section core && core_servers=$servers

for s in $core_servers; do
    [[ -n ${skip[$s]:-} ]] && continue
    dir=$state_root/$s
    mkdir -p "$dir"
    echo "$s" >"$dir/kind"
    port=$(free_port) || { log "no free port"; exit 1; }
    echo "$port" >"$dir/port"
    wait_s=$READY_TIMEOUT
    if [[ $s == nats4j ]] && ((first_nats4j)); then
        wait_s=$FIRST_READY_TIMEOUT
        first_nats4j=0
    fi
    current=$dir
    echo "== $s on 127.0.0.1:$port"
    if ! start_server "$dir" "$wait_s"; then
        for c in $clients; do
            [[ -n ${skip[$c]:-} ]] || result[$c,$s]="server did not start"
        done
        [[ $s == nats4j ]] && nats4j_failed=1 || ref_failed=1
        stop_server "$dir"
        current=''
        continue
    fi
    echo "server $s: $(grep -m 1 -o 'Version: .*' "$dir/log")"
    restart=$(printf '%q restart-server %q' "$self" "$dir")
    for c in $clients; do
        [[ -n ${skip[$c]:-} ]] && continue
        # The reconnect check may have restarted the server: make sure one is running first.
        if ! answers_info "$(<"$dir/port")"; then
            stop_server "$dir"
            start_server "$dir" "$READY_TIMEOUT" || { result[$c,$s]="server did not restart"; continue; }
        fi
        out=$build/$c-$s.out
        echo "-- $c against $s"
        # shellcheck disable=SC2086
        timeout -k 5 "$CLIENT_TIMEOUT" ${cmd[$c]} "nats://127.0.0.1:$port" "$restart" >"$out" 2>&1
        rc=$?
        sed 's/^/   /' "$out"
        p=$(grep -c '^PASS ' "$out")
        f=$(grep -c '^FAIL ' "$out")
        if ((rc != 0 && f == 0)); then
            f=1
            if ((rc == 124 || rc == 137)); then
                echo "   FAIL $c: timed out after ${CLIENT_TIMEOUT}s"
            else
                echo "   FAIL $c: exited with status $rc"
            fi
        fi
        result[$c,$s]="$p passed, $f failed"
        if ((f > 0)); then
            [[ $s == nats4j ]] && nats4j_failed=1 || ref_failed=1
        fi
    done
    stop_server "$dir"
    current=''
done

# Authentication: each server once per mechanism, every client's checks against it.
declare -A auth_result=()
auth_servers=''
has_section auth && [[ -z $auth_skip ]] && auth_servers=$servers
for s in $auth_servers; do
    [[ -n ${skip[$s]:-} ]] && continue
    for m in $mechanisms; do
        dir=$state_root/$s-$m
        mkdir -p "$dir"
        echo "$s" >"$dir/kind"
        echo "$auth/$m.conf" >"$dir/conf"
        wait_s=$READY_TIMEOUT
        if [[ $s == nats4j ]] && ((first_nats4j)); then
            wait_s=$FIRST_READY_TIMEOUT
            first_nats4j=0
        fi
        scheme=nats
        [[ $m == tls* ]] && scheme=tls
        current=$dir
        started=0
        for attempt in 1 2 3; do # a port taken between free_port and the bind: try another
            port=$(free_port) || { log "no free port"; exit 1; }
            echo "$port" >"$dir/port"
            echo "== $s with $m.conf on 127.0.0.1:$port"
            if start_server "$dir" "$wait_s"; then
                started=1
                break
            fi
            grep -q 'address already in use' "$dir/log" || break
            : >"$dir/log"
        done
        if ((!started)); then
            for c in $clients; do
                [[ -n ${skip[$c]:-} ]] || auth_result[$c,$m,$s]="server did not start"
            done
            [[ $s == nats4j ]] && nats4j_failed=1 || ref_failed=1
            stop_server "$dir"
            current=''
            continue
        fi
        for c in $clients; do
            [[ -n ${skip[$c]:-} ]] && continue
            out=$build/auth-$c-$m-$s.out
            : >"$out"
            echo "-- $c against $s, $m"
            while read -r -a check; do
                handshake_errors=$(grep -c 'TLS handshake error' "$dir/log")
                # shellcheck disable=SC2086
                COMPAT_RESTART_CMD=$(printf '%q restart-server %q' "$self" "$dir") \
                    timeout -k 5 "$AUTH_TIMEOUT" ${cmd[$c]} auth "$scheme://127.0.0.1:$port" "${check[@]}" \
                    >"$out.one" 2>&1 </dev/null
                rc=$?
                if ! grep -q -e '^PASS ' -e '^FAIL ' "$out.one"; then
                    if ((rc == 124 || rc == 137)); then
                        echo "FAIL ${check[0]}: timed out after ${AUTH_TIMEOUT}s" >>"$out.one"
                    else
                        echo "FAIL ${check[0]}: exited with status $rc and no verdict" >>"$out.one"
                    fi
                elif [[ ${check[1]} == refused ]] && grep -q '^PASS ' "$out.one"; then
                    # The client failed: it must be because the server refused the handshake (it logs it).
                    for ((i = 0; i < 20; i++)); do
                        (($(grep -c 'TLS handshake error' "$dir/log") > handshake_errors)) && break
                        sleep 0.1
                    done
                    if ((i == 20)); then
                        sed -i 's/^PASS /FAIL /; s/$/ -- but the server logged no TLS handshake error/' "$out.one"
                    fi
                fi
                cat "$out.one" >>"$out"
                rm -f "$out.one"
            done < <(auth_checks "$m")
            sed 's/^/   /' "$out"
            p=$(grep -c '^PASS ' "$out")
            f=$(grep -c '^FAIL ' "$out")
            auth_result[$c,$m,$s]="$p passed, $f failed"
            if ((f > 0)); then
                [[ $s == nats4j ]] && nats4j_failed=1 || ref_failed=1
            fi
        done
        stop_server "$dir"
        current=''
        # What the server logged about its auth setup and the clients it refused: warnings, the trusted
        # operators, the "authentication error" lines without addresses and connection ids.
        sed -n -e 's/^.*\[ERR\] [^ ]* - cid:[0-9]* - \(.*authentication error.*\)$/\1/p' \
            -e 's/^.*\(\[WRN\] .*\)$/\1/p' \
            -e 's/^.*\(\[INF\] \(Trusted Operators\|  System  :\|  Operator:\|  Issued  :\|  Expires :\).*\)$/\1/p' \
            "$dir/log" | sort >"$build/auth-log-$m-$s.txt"
    done
done

# nats4j's log lines about auth (above) must be those of nats-server (same configs, same clients).
declare -A auth_log=()
if [[ " $auth_servers " == *" nats4j "* && " $auth_servers " == *" nats-server "* \
      && -z ${skip[nats-server]:-} ]]; then
    for m in $mechanisms; do
        a=$build/auth-log-$m-nats4j.txt
        b=$build/auth-log-$m-nats-server.txt
        [[ -f $a && -f $b ]] || continue
        if cmp -s "$a" "$b"; then
            auth_log[$m]="same $(wc -l <"$a") lines"
        else
            auth_log[$m]="DIFFERENT"
            nats4j_failed=1
            echo "-- auth log lines of nats4j (<) and nats-server (>) differ for $m:"
            diff "$a" "$b" | sed 's/^/   /'
        fi
    done
fi

# ---------------------------------------------------------------------------------------------
# Summary.

cell() { # cell CLIENT SERVER RESULT
    if [[ -n ${skip[$1]:-} || -n ${skip[$2]:-} ]]; then
        printf ' | %-22s' skipped
    else
        printf ' | %-22s' "${3:-not run}"
    fi
}

if has_section core; then
    echo
    echo "== client compatibility: core checks"
    printf '%-17s' client
    for s in $servers; do printf ' | %-22s' "$s"; done
    printf '\n'
    for c in $clients; do
        printf '%-17s' "$c"
        for s in $servers; do cell "$c" "$s" "${result[$c,$s]:-}"; done
        printf '\n'
    done
fi
if has_section auth; then
    echo
    echo "== client compatibility: authentication (correct and wrong credentials per mechanism)"
    if [[ -n $auth_skip ]]; then
        echo "skipped: $auth_skip"
    else
        printf '%-17s' "client mechanism"
        for s in $servers; do printf ' | %-22s' "$s"; done
        printf '\n'
        for c in $clients; do
            for m in $mechanisms; do
                printf '%-17s' "$c $m"
                for s in $servers; do cell "$c" "$s" "${auth_result[$c,$m,$s]:-}"; done
                printf '\n'
            done
        done
        if ((${#auth_log[@]})); then
            echo "server log: nats4j's auth lines (warnings, trusted operators, 'authentication error' lines) against nats-server's"
            for m in $mechanisms; do
                [[ -n ${auth_log[$m]:-} ]] && printf '%-17s | %s\n' "log $m" "${auth_log[$m]}"
            done
        fi
    fi
fi
for c in $clients; do
    [[ -n ${skip[$c]:-} ]] || echo "  $c: ${version[$c]}"
done

if ((ref_failed)); then
    echo "WARNING: a client failed against nats-server: the check itself is wrong (see $build/*-nats-server.out)"
fi
if ((nats4j_failed)); then
    echo "client-compat: FAILED against nats4j (outputs in $build)"
    exit 1
fi
echo "client-compat: every client that ran passed against nats4j"
