#!/usr/bin/env bash
# The project's test command (the one .ci/run and the README use):
#   scripts/test.sh            the quick suite (tests tagged "slow" are excluded)
#   scripts/test.sh -Pall      everything
# Extra arguments go to Maven (e.g. -Dtest=SomeTest, -pl server, -o).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/mvn.sh" -B test "$@"
