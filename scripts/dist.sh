#!/usr/bin/env bash
# Builds the distribution archive target/nats4j-<version>.tar.gz (prints its path on stdout):
#
#   scripts/dist.sh [-o]        (-o: Maven offline)
#
# nats4j-<version>/
#   bin/nats4j, scripts/env.sh       the launcher (the source tree's, unchanged) and its JDK finder
#   nats4j-server-<version>.jar      the server; its manifest names lib/*.jar as its class path
#   lib/                             runtime dependencies
#   conf/nats4j.conf                 an example configuration
#   launcher/, .build/nats4j-listen  socket activation's launcher: source, and binary when cc was there
#   dist/                            systemd unit, Containerfile
#   docs/, README.md, LICENSE
#   .nats4j-dist                     marks the layout for bin/nats4j: no build, caches in cache/ or elsewhere
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
root=$NATS4J_ROOT
mvn_args=()
[[ ${1:-} == -o ]] && mvn_args+=(-o)

version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -n 1)
[[ -n $version ]] || { nats4j_log "no project version in pom.xml"; exit 1; }
nats4j_log "building nats4j $version..."
# copy-dependencies adds to target/lib but never removes: a dependency dropped from the pom would linger
rm -rf "$root/server/target/lib"
"$root/scripts/mvn.sh" -B -q "${mvn_args[@]}" -DskipTests -pl server -am package >&2
jar=$root/server/target/nats4j-server-$version.jar
[[ -s $jar && -d $root/server/target/lib ]] || { nats4j_log "no $jar"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nats4j-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
name=nats4j-$version
stage=$tmp/$name
mkdir -p "$stage"/{bin,scripts,lib,conf,dist,docs}
cp "$root/bin/nats4j" "$stage/bin/"
cp "$root/scripts/env.sh" "$stage/scripts/"
# socket activation's launcher: its source, and the binary where bin/nats4j looks first, when a C compiler is here
# (without one the archive still works: bin/nats4j compiles it on first start if it can, else binds in the JVM)
mkdir -p "$stage/launcher"
cp "$root/launcher/nats4j-listen.c" "$stage/launcher/"
if command -v cc >/dev/null 2>&1; then
    mkdir -p "$stage/.build"
    cc -O2 -o "$stage/.build/nats4j-listen" "$root/launcher/nats4j-listen.c"
fi
cp "$jar" "$stage/"
cp "$root"/server/target/lib/*.jar "$stage/lib/"
cp "$root/dist/nats4j.conf" "$stage/conf/"
cp "$root/dist/nats4j.service" "$root/dist/Containerfile" "$stage/dist/"
cp "$root"/docs/*.md "$stage/docs/"
sed "s/@VERSION@/$version/g" "$root/dist/README.md" >"$stage/README.md"
cp "$root/LICENSE" "$stage/"
printf '%s\n' "$version" >"$stage/.nats4j-dist"
chmod 755 "$stage/bin/nats4j"

mkdir -p "$root/target"
out=$root/target/$name.tar.gz
# reproducible: fixed order, owner and times
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00:00Z' \
    -C "$tmp" -czf "$out.tmp" "$name"
mv -f "$out.tmp" "$out"
nats4j_log "$(du -h "$out" | cut -f1) $out"
printf '%s\n' "$out"
