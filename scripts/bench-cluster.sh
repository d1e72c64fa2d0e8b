#!/usr/bin/env bash
# Cluster load comparison on loopback: three-node clusters of nats4j (JJJ), nats-server (GGG) and mixed (JGJ)
# side by side, publisher on server 1, subscribers / responders on the others (io.nats4j.bench.load.ClusterCompare).
#
#   scripts/bench-cluster.sh [ClusterCompare options...]   e.g. --rounds 5 --scenarios c-pubsub,c-reqrep
#
# Environment:
#   NATS4J_CMD       command that starts nats4j      (default: bin/nats4j)
#   NATS_SERVER_CMD  command that starts nats-server (default: nats-server on the PATH)
#   ROUNDS           rounds per scenario             (default: 3)
#   DURATION         publish time per run            (default: 2s)
#   LAYOUTS          cluster layouts                 (default: JJJ,GGG,JGJ; ratios are against GGG)
#   BENCH_BUILD=0    skip the Maven build (use benchmarks/target as it is)
# Every run starts a fresh cluster. Results: benchmarks/target/bench-cluster/results.{md,json}, logs under logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1") ? v[2] : v[1]; exit }'
}

# JAVA_HOME, then java on PATH, then the newest JDK under /usr/lib/jvm; the first one >= 21 wins.
find_java() {
  local c
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" \
           $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV); do
    if [[ -n "$c" && -x "$c" && "$(java_major "$c")" -ge 21 ]]; then echo "$c"; return; fi
  done
  echo "bench-cluster: no JDK >= 21 found (set JAVA_HOME)" >&2
  exit 1
}
JAVA=$(find_java)
JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA")")")"
export JAVA_HOME

if [[ "${BENCH_BUILD:-1}" != 0 ]]; then
  scripts/mvn.sh -q -B -o -pl benchmarks -am package -DskipTests
fi

for cmd in "${NATS4J_CMD:-bin/nats4j}" "${NATS_SERVER_CMD:-nats-server}"; do
  exe=${cmd%% *}
  if ! command -v "$exe" >/dev/null 2>&1; then
    echo "bench-cluster: server command not found: $exe (set NATS4J_CMD / NATS_SERVER_CMD)" >&2
    exit 1
  fi
done

exec "$JAVA" -Xms256m -Xmx512m -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
  io.nats4j.bench.load.ClusterCompare \
  --nats4j-cmd "${NATS4J_CMD:-bin/nats4j}" \
  --nats-server-cmd "${NATS_SERVER_CMD:-nats-server}" \
  --rounds "${ROUNDS:-3}" \
  --duration "${DURATION:-2s}" \
  --layouts "${LAYOUTS:-JJJ,GGG,JGJ}" \
  "$@"
