#!/usr/bin/env bash
# Runs Maven for this project with a JDK >= 21, whatever the default java is:
#   scripts/mvn.sh -B test
# The JDK and Maven are found as described in scripts/env.sh.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
nats4j_find_java
nats4j_find_mvn
nats4j_java_major "$NATS4J_JAVA_VERSION"
if (( REPLY >= 23 )) && [[ ${MAVEN_OPTS:-} != *sun-misc-unsafe-memory-access* ]]; then
    # Maven's own Guava calls sun.misc.Unsafe; JDK 24+ would print a warning block at every build.
    export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
fi
cd "$NATS4J_ROOT"
exec "$NATS4J_MVN" "$@"
