#!/usr/bin/env bash
# Side-by-side load comparison of nats4j and nats-server on loopback.
#
#   scripts/bench-compare.sh [Compare options...]     e.g. --rounds 5 --scenarios pub-16,reqrep
#   scripts/bench-compare.sh --generator-check        is the generator the bottleneck? (see below)
#   scripts/bench-compare.sh --jetstream [JsCompare options...]   JetStream scenarios, each server with -js on a
#                                                     fresh store dir, e.g. --msgs 100000 --restart-msgs 200000
#
# Environment:
#   NATS4J_CMD       command that starts nats4j      (default: bin/nats4j)
#   NATS_SERVER_CMD  command that starts nats-server (default: /usr/sbin/nats-server)
#   ROUNDS           rounds per scenario             (default: 3)
#   DURATION         publish time per run            (default: 3s)
#   BENCH_BUILD=0    skip the Maven build (use benchmarks/target as it is)
# Both commands get "-a 127.0.0.1 -p <port>" appended. Every run starts a fresh server process.
# Results: benchmarks/target/bench-compare/results.{md,json} (and server logs under logs/).
set -euo pipefail
cd "$(dirname "$0")/.."

# The JDK (>= 21) is found as described in scripts/env.sh.
. scripts/env.sh
nats4j_find_java
JAVA="$JAVA_HOME/bin/java"

if [[ "${BENCH_BUILD:-1}" != 0 ]]; then
  mvn -q -B -o -pl benchmarks -am package -DskipTests
fi

CP="benchmarks/target/classes:benchmarks/target/lib/*"

# Publish-only 16 B against one server (NATS_SERVER_CMD): one generator process versus two at once,
# ROUNDS times each. Prints the publish rate of each process, their sum, and the CPU seconds the
# server and each generator used. If two generators together are not much faster than one, and the
# generator used less CPU than the server, the server (or the machine) sets the pace, not the generator.
generator_check() {
  local port=${GEN_CHECK_PORT:-14999} dur=${DURATION:-5s} rounds=${ROUNDS:-3}
  local tmp; tmp=$(mktemp -d)
  ${NATS_SERVER_CMD:-/usr/sbin/nats-server} -a 127.0.0.1 -p "$port" >"$tmp/server.log" 2>&1 &
  local spid=$!
  trap 'kill "$spid" 2>/dev/null || true; rm -rf "$tmp"' RETURN
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
  local tck; tck=$(getconf CLK_TCK)
  server_ticks() { awk '{print $14 + $15}' "/proc/$spid/stat"; }
  echo "generator check: publish-only 16 B for $dur against ${NATS_SERVER_CMD:-/usr/sbin/nats-server}, $(nproc) CPUs"
  echo "round procs  per-process msgs/s           total msgs/s  server cpu s  generator cpu s"
  for r in $(seq 1 "$rounds"); do
    for procs in 1 2; do
      local t0; t0=$(server_ticks)
      local pids=()
      for i in $(seq 1 "$procs"); do
        "$JAVA" -cp "$CP" io.nats4j.bench.load.LoadGen --url "nats://127.0.0.1:$port" --mode pub --size 16 \
          --duration "$dur" --json >"$tmp/gen$i.json" &
        pids+=($!)
      done
      wait "${pids[@]}"
      local t1; t1=$(server_ticks)
      local rates=() cpus=() total=0
      for i in $(seq 1 "$procs"); do
        local rate cpu
        rate=$(grep -m1 '"msgsPerSec"' "$tmp/gen$i.json" | sed 's/[^0-9.]//g')
        cpu=$(grep -m1 '"generatorCpuSeconds"' "$tmp/gen$i.json" | sed 's/[^0-9.]//g')
        rates+=("$(printf '%.0f' "$rate")"); cpus+=("$(printf '%.2f' "$cpu")")
        total=$(awk -v a="$total" -v b="$rate" 'BEGIN{printf "%.0f", a + b}')
      done
      printf "%5s %5s  %-27s %13s %13s  %s\n" "$r" "$procs" "${rates[*]}" "$total" \
        "$(awk -v a="$t0" -v b="$t1" -v t="$tck" 'BEGIN{printf "%.2f", (b - a) / t}')" "${cpus[*]}"
    done
  done
}

if [[ "${1:-}" == "--generator-check" ]]; then
  generator_check
  exit 0
fi

if [[ "${1:-}" == "--jetstream" ]]; then
  shift
  exec "$JAVA" -Xms512m -Xmx1g -cp "$CP" io.nats4j.bench.load.JsCompare \
    --nats4j-cmd "${NATS4J_CMD:-bin/nats4j}" --nats-server-cmd "${NATS_SERVER_CMD:-/usr/sbin/nats-server}" \
    --rounds "${ROUNDS:-3}" "$@"
fi

for cmd in "${NATS4J_CMD:-bin/nats4j}" "${NATS_SERVER_CMD:-/usr/sbin/nats-server}"; do
  exe=${cmd%% *}
  if ! command -v "$exe" >/dev/null 2>&1; then
    echo "bench-compare: server command not found: $exe (set NATS4J_CMD / NATS_SERVER_CMD)" >&2
    exit 1
  fi
done

# 10,000 idle connections (conns-10000) need ~10,000 descriptors in the server and as many in the generator.
ulimit -n 20000 2>/dev/null || ulimit -n 8192 2>/dev/null || true

exec "$JAVA" -Xms512m -Xmx1g -cp "$CP" io.nats4j.bench.load.Compare \
  --nats4j-cmd "${NATS4J_CMD:-bin/nats4j}" \
  --nats-server-cmd "${NATS_SERVER_CMD:-/usr/sbin/nats-server}" \
  --rounds "${ROUNDS:-3}" \
  --duration "${DURATION:-3s}" \
  "$@"
