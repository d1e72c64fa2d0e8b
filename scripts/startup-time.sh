#!/usr/bin/env bash
# Measures how long a server takes from exec to accepting a TCP connection on 127.0.0.1.
#
#   scripts/startup-time.sh [-n RUNS] [-t TIMEOUT_S] [-w] COMMAND...
#
# "{port}" in COMMAND is replaced by a free port (else COMMAND must listen on the port given by
# STARTUP_PORT). Each run: note the time, start COMMAND in the background, connect to the port
# again and again (bash's /dev/tcp, a 2 ms sleep between attempts) until a connection is accepted, note the time,
# stop the server with SIGTERM (SIGKILL after 5 s) and wait for it to exit. -w makes one warm-up run
# first that is not counted (e.g. to let the JVM write its CDS archive).
# Prints each run and min/median/max in milliseconds.
#
# Examples:
#   scripts/startup-time.sh -n 20 bin/nats4j -a 127.0.0.1 -p {port}
#   scripts/startup-time.sh -n 20 nats-server -a 127.0.0.1 -p {port}
set -euo pipefail

runs=10 timeout_s=20 warmup=0
while getopts 'n:t:w' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        t) timeout_s=$OPTARG ;;
        w) warmup=1 ;;
        *) echo "usage: $0 [-n RUNS] [-t TIMEOUT_S] [-w] COMMAND..." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
(( $# > 0 )) || { echo "usage: $0 [-n RUNS] [-t TIMEOUT_S] [-w] COMMAND..." >&2; exit 2; }
(( BASH_VERSINFO[0] >= 5 )) || { echo "$0: needs bash 5 (EPOCHREALTIME)" >&2; exit 2; }

now_us() { local t=${EPOCHREALTIME/[.,]/}; printf '%s' "$t"; }

can_connect() { # succeeds when 127.0.0.1:$1 accepts a connection
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    exec 3>&- 3<&-
}

free_port() {
    local p
    for ((i = 0; i < 100; i++)); do
        p=$((20000 + RANDOM % 30000))
        can_connect "$p" || { printf '%s' "$p"; return 0; }
    done
    echo "$0: no free port found" >&2
    return 1
}

one_run() { # prints the microseconds to the first accepted connection
    local port=${STARTUP_PORT:-} cmd=() arg
    [[ -n $port ]] || port=$(free_port)
    for arg in "$@"; do cmd+=("${arg//\{port\}/$port}"); done
    local start deadline pid nap_fd elapsed=''
    start=${EPOCHREALTIME/[.,]/}
    deadline=$((start + timeout_s * 1000000))
    exec {nap_fd}<> <(:)
    "${cmd[@]}" >/dev/null 2>&1 &
    pid=$!
    while :; do
        if can_connect "$port"; then
            elapsed=$(( ${EPOCHREALTIME/[.,]/} - start ))
            break
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$0: server exited before accepting a connection: ${cmd[*]}" >&2
            wait "$pid" || true
            return 1
        fi
        (( ${EPOCHREALTIME/[.,]/} < deadline )) || { echo "$0: no connection within ${timeout_s}s" >&2; break; }
        # Yield the CPU between attempts: a busy loop took one of the machine's CPUs away from the server
        # (on 2 CPUs it doubled the JVM's measured start-up, which uses several threads, and hardly touched
        # nats-server's). 2 ms is below the noise of either. The wait is a read with a timeout on a pipe that
        # never has data: no process is forked per attempt (forking sleep and $(...) cost CPU the server needs).
        read -r -t 0.002 -u "$nap_fd" || true
    done
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 500; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
    kill -KILL "$pid" 2>/dev/null || true
    exec {nap_fd}>&-
    wait "$pid" 2>/dev/null || true
    [[ -n $elapsed ]] || return 1
    printf '%s' "$elapsed"
}

if (( warmup )); then
    one_run "$@" >/dev/null || exit 1
fi
results=()
for ((r = 1; r <= runs; r++)); do
    us=$(one_run "$@") || exit 1
    results+=("$us")
    printf 'run %2d: %7.1f ms\n' "$r" "$(awk -v u="$us" 'BEGIN { printf "%.1f", u / 1000 }')"
done
printf '%s\n' "${results[@]}" | sort -n | awk '
    { v[NR] = $1 }
    END {
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "runs: %d  min: %.1f ms  median: %.1f ms  max: %.1f ms\n", NR, v[1] / 1000, med / 1000, v[NR] / 1000
    }'
