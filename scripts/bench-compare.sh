#!/usr/bin/env bash
# Side-by-side load comparison of nats4j and nats-server on loopback.
#
#   scripts/bench-compare.sh [Compare options...]     e.g. --rounds 5 --scenarios pub-16,reqrep
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

find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; return; fi
  if command -v java >/dev/null 2>&1; then command -v java; return; fi
  local j
  j=$(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -V | tail -1 || true)
  if [[ -n "$j" ]]; then echo "$j"; return; fi
  echo "bench-compare: no JDK found (set JAVA_HOME to a JDK >= 21)" >&2
  exit 1
}
JAVA=$(find_java)
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$JAVA")")")}"

if [[ "${BENCH_BUILD:-1}" != 0 ]]; then
  mvn -q -B -o -pl benchmarks -am package -DskipTests
fi

# 1,000 idle connections need ~2,000 descriptors on each side.
ulimit -n 8192 2>/dev/null || true

exec "$JAVA" -Xms512m -Xmx1g -cp "benchmarks/target/classes:benchmarks/target/lib/*" io.nats4j.bench.load.Compare \
  --nats4j-cmd "${NATS4J_CMD:-bin/nats4j}" \
  --nats-server-cmd "${NATS_SERVER_CMD:-/usr/sbin/nats-server}" \
  --rounds "${ROUNDS:-3}" \
  --duration "${DURATION:-3s}" \
  "$@"
