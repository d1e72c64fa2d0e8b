#!/usr/bin/env bash
# Measures how long a server takes from exec to accepting a TCP connection on 127.0.0.1.
#
#   scripts/startup-time.sh [-n RUNS] [-t TIMEOUT_S] [-w] [-c CONFIG] [-b BUSY] COMMAND...
#
# "{port}" in COMMAND is replaced by a free port (else COMMAND must listen on the port given by
# STARTUP_PORT). -c CONFIG: a config file template; each run writes a copy with "{port}" replaced by that run's
# port, and "{config}" in COMMAND is replaced by the copy's path (the way harnesses start a server with
# --config). -b BUSY: BUSY processes that spin on the CPU (bash loops, started before the first run and killed
# by PID at the end), to measure start-up on a loaded machine; the load average is printed before and after.
# Each run: note the time, start COMMAND in the background, connect to the port
# again and again (bash's /dev/tcp, a 2 ms sleep between attempts) until a connection is accepted, note the time,
# stop the server with SIGTERM (SIGKILL after 5 s) and wait for it to exit. -w makes one warm-up run
# first that is not counted (e.g. to let the JVM write its CDS archive).
# Prints each run and min/median/max in milliseconds, with the CPU time the server process had used when the
# connection was accepted (all its threads, read from /proc; with a launcher script that execs the server,
# the script's own CPU and that of the processes it waited for are included). CPU time depends much less on
# other load on the machine than wall time does.
#
# Examples:
#   scripts/startup-time.sh -n 20 bin/nats4j -a 127.0.0.1 -p {port}
#   scripts/startup-time.sh -n 20 nats-server -a 127.0.0.1 -p {port}
#   printf 'listen: 127.0.0.1:{port}\ntls { cert_file: c.pem, key_file: k.pem }\n' >tls.conf
#   scripts/startup-time.sh -n 11 -b 4 -c tls.conf bin/nats4j --config {config}
set -euo pipefail

usage="usage: $0 [-n RUNS] [-t TIMEOUT_S] [-w] [-c CONFIG] [-b BUSY] COMMAND..."
runs=10 timeout_s=20 warmup=0 config='' busy=0
while getopts 'n:t:wc:b:' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        t) timeout_s=$OPTARG ;;
        w) warmup=1 ;;
        c) config=$OPTARG ;;
        b) busy=$OPTARG ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
(( $# > 0 )) || { echo "$usage" >&2; exit 2; }
[[ -z $config || -r $config ]] || { echo "$0: cannot read $config" >&2; exit 2; }
work=$(mktemp -d)
busy_pids=()
cleanup() {
    local p
    for p in "${busy_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
loadavg() { local a b c rest; read -r a b c rest </proc/loadavg 2>/dev/null && printf '%s %s %s' "$a" "$b" "$c"; }
echo "load average before the runs: $(loadavg || true) (busy processes: $busy)"
for ((b = 0; b < busy; b++)); do
    bash -c 'while ((SECONDS < 900)); do :; done' & # killed at exit; ends on its own after 15 min even if this script is killed
    busy_pids+=("$!")
done
(( BASH_VERSINFO[0] >= 5 )) || { echo "$0: needs bash 5 (EPOCHREALTIME)" >&2; exit 2; }

now_us() { local t=${EPOCHREALTIME/[.,]/}; printf '%s' "$t"; }

can_connect() { # succeeds when 127.0.0.1:$1 accepts a connection
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    exec 3>&- 3<&-
}

free_port() {
    local p
    for ((i = 0; i < 100; i++)); do
        p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+): a poller can connect to itself there
        can_connect "$p" || { printf '%s' "$p"; return 0; }
    done
    echo "$0: no free port found" >&2
    return 1
}

cpu_us() { # CPU microseconds used so far by process $1: its threads (ns, /proc/<pid>/task/*/schedstat) and
    # its waited-for children (clock ticks, /proc/<pid>/stat); 0 where /proc does not have them
    local t a rest total=0 st
    for t in /proc/"$1"/task/*/schedstat; do
        read -r a rest <"$t" 2>/dev/null && total=$((total + a / 1000))
    done
    if read -r -a st <"/proc/$1/stat" 2>/dev/null; then
        total=$((total + (st[15] + st[16]) * 1000000 / ${CLK_TCK:-100}))
    fi
    printf '%s' "$total"
}

one_run() { # prints the microseconds to the first accepted connection and the server's CPU microseconds
    local port=${STARTUP_PORT:-} cmd=() arg
    [[ -n $port ]] || port=$(free_port)
    local conf=$work/server-$port.conf line
    if [[ -n $config ]]; then
        : >"$conf"
        while IFS= read -r line || [[ -n $line ]]; do printf '%s\n' "${line//\{port\}/$port}" >>"$conf"; done <"$config"
    fi
    for arg in "$@"; do
        arg=${arg//\{port\}/$port}
        cmd+=("${arg//\{config\}/$conf}")
    done
    local start deadline pid nap_fd elapsed='' cpu=0
    start=${EPOCHREALTIME/[.,]/}
    deadline=$((start + timeout_s * 1000000))
    exec {nap_fd}<> <(:)
    "${cmd[@]}" >/dev/null 2>&1 &
    pid=$!
    while :; do
        if can_connect "$port"; then
            elapsed=$(( ${EPOCHREALTIME/[.,]/} - start ))
            cpu=$(cpu_us "$pid")
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
    printf '%s %s' "$elapsed" "$cpu"
}

if (( warmup )); then
    one_run "$@" >/dev/null || exit 1
fi
results=() cpus=()
for ((r = 1; r <= runs; r++)); do
    out=$(one_run "$@") || exit 1
    us=${out% *} cpu=${out#* }
    results+=("$us") cpus+=("$cpu")
    awk -v r="$r" -v u="$us" -v c="$cpu" 'BEGIN { printf "run %2d: %7.1f ms  cpu %7.1f ms\n", r, u / 1000, c / 1000 }'
done
summary='
    { v[NR] = $1 }
    END {
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%s min: %.1f ms  median: %.1f ms  max: %.1f ms\n", what, v[1] / 1000, med / 1000, v[NR] / 1000
    }'
printf '%s\n' "${results[@]}" | sort -n | awk -v what="runs: $runs " "$summary"
printf '%s\n' "${cpus[@]}" | sort -n | awk -v what="cpu:     " "$summary"
echo "load average after the runs: $(loadavg || true)"
