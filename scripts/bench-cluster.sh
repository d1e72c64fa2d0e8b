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
#   WARMUP           the same load, not measured, on the same cluster before each run (default: 0s; e.g. 3s
#                    measures warm JVMs instead of JIT compilation on freshly started ones)
#   LAYOUTS          cluster layouts                 (default: JJJ,GGG,JGJ; ratios are against GGG)
#   BENCH_BUILD=0    skip the Maven build (use benchmarks/target as it is)
# Every run starts a fresh cluster. Results: benchmarks/target/bench-cluster/results.{md,json}, logs under logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

# The JDK (>= 21) is found as described in scripts/env.sh.
. scripts/env.sh
nats4j_find_java
JAVA="$JAVA_HOME/bin/java"

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
  --warmup "${WARMUP:-0s}" \
  --layouts "${LAYOUTS:-JJJ,GGG,JGJ}" \
  "$@"
