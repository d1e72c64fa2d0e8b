#!/usr/bin/env bash
# Builds the projects under examples/ the way a user's build would see nats4j: against the artifacts this
# tree installs, and nothing else of this tree.
#
#   scripts/examples-test.sh
#
# 1. `mvn install` of the server and nats4j-junit (with their -sources and -javadoc jars) into a new,
#    temporary local repository. Third-party artifacts come from ~/.m2/repository, used as a read-only
#    file:// repository (NATS4J_SEED_REPO overrides its location), then from Maven's default remote repository (or
#    the mirror NATS4J_MAVEN_REPO names) for whatever is not there yet; ~/.m2 itself is never written.
# 2. Each example's `mvn test`, offline, with that temporary repository as its local repository: its nats4j
#    dependency can only come from step 1.
# The temporary directory is deleted at exit. Extra arguments go to both Maven runs (e.g. -X).
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
nats4j_find_java
nats4j_find_mvn
root=$NATS4J_ROOT
mvn_sh=$root/scripts/mvn.sh

seed=${NATS4J_SEED_REPO:-$HOME/.m2/repository}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nats4j-examples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
repo=$tmp/repo
mkdir -p "$repo"

repos=''
if [[ -d $seed ]]; then
    repos="<repository><id>seed</id><url>file://$seed</url>
      <releases><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots></repository>"
fi
# Maven's own default remote repository stays in force after these; NATS4J_MAVEN_REPO names a mirror instead.
if [[ -n ${NATS4J_MAVEN_REPO:-} ]]; then
    repos="$repos<repository><id>central</id><url>$NATS4J_MAVEN_REPO</url><snapshots><enabled>false</enabled></snapshots></repository>"
fi
cat >"$tmp/settings.xml" <<XML
<settings>
  <localRepository>$repo</localRepository>
  <profiles>
    <profile>
      <id>nats4j-examples</id>
      <repositories>$repos</repositories>
      <pluginRepositories>${repos//repository>/pluginRepository>}</pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles><activeProfile>nats4j-examples</activeProfile></activeProfiles>
</settings>
XML

version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -n 1)
[[ -n $version ]] || { nats4j_log "no project version in pom.xml"; exit 1; }

start=$SECONDS
nats4j_log "installing nats4j $version into a temporary repository..."
# Two runs: the server (and the parent pom) without compiling its tests, then the extension with its own tests,
# which also fetch the Surefire JUnit provider the examples need offline.
"$mvn_sh" -B -q -s "$tmp/settings.xml" -pl server -am install -Dmaven.test.skip=true "$@" >&2
"$mvn_sh" -B -q -s "$tmp/settings.xml" -pl junit install "$@" >&2
for f in nats4j-parent/"$version"/nats4j-parent-"$version".pom \
         nats4j-server/"$version"/nats4j-server-"$version".jar \
         nats4j-server/"$version"/nats4j-server-"$version"-sources.jar \
         nats4j-server/"$version"/nats4j-server-"$version"-javadoc.jar \
         nats4j-junit/"$version"/nats4j-junit-"$version".jar \
         nats4j-junit/"$version"/nats4j-junit-"$version"-sources.jar \
         nats4j-junit/"$version"/nats4j-junit-"$version"-javadoc.jar; do
    [[ -s $repo/io/nats4j/$f ]] || { nats4j_log "not installed: io/nats4j/$f"; exit 1; }
done
nats4j_log "installed in $((SECONDS - start)) s"

failed=0
for pom in "$root"/examples/*/pom.xml; do
    dir=${pom%/pom.xml}
    nats4j_log "examples/${dir##*/}: mvn test (offline, against the installed artifacts)"
    # a copy: the example's target/ goes to the temporary directory, not into the source tree
    cp -r "$dir" "$tmp/${dir##*/}"
    if ! "$mvn_sh" -B -q -o -s "$tmp/settings.xml" -f "$tmp/${dir##*/}/pom.xml" -Dnats4j.version="$version" \
            test "$@" >&2; then
        nats4j_log "examples/${dir##*/}: FAILED"
        failed=1
    fi
    reports=("$tmp/${dir##*/}"/target/surefire-reports/TEST-*.xml)
    if [[ -e ${reports[0]} ]]; then
        nats4j_log "examples/${dir##*/}: $(grep -ho 'tests="[0-9]*"[^>]*failures="[0-9]*"' "${reports[@]}" | tr '\n' ' ')"
    else
        nats4j_log "examples/${dir##*/}: no test reports"
        failed=1
    fi
done
nats4j_log "examples: $([[ $failed == 0 ]] && echo passed || echo FAILED) in $((SECONDS - start)) s"
exit "$failed"
