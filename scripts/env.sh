# shellcheck shell=bash
# Shared by bin/nats4j, scripts/mvn.sh, scripts/test.sh and .ci/run (sourced, not executed).
#
#   nats4j_find_java   sets NATS4J_JAVA_HOME and NATS4J_JAVA_VERSION (a JDK >= 21), exports JAVA_HOME
#   nats4j_find_mvn    sets NATS4J_MVN (Maven >= 3.6.3 on PATH; else, when NATS4J_MAVEN_REPO names a Maven
#                      repository, a pinned Apache Maven fetched from it into .build/maven; else, on Debian
#                      or Ubuntu as root or with passwordless sudo, the distribution's maven package)
#
# Messages go to stderr: the callers keep stdout for the server and the test runner.

# Sets REPLY to $1 as an absolute path without "." and ".." components (what `cd "$1" && pwd` prints,
# symlinks kept), in bash alone: bin/nats4j runs this on every start, and each forked process costs
# milliseconds there (far more on a busy machine, where a new process waits for a CPU).
nats4j_abs_path() {
    local p=$1 part out='' parts
    [[ $p == /* ]] || p=$PWD/$p
    IFS=/ read -r -a parts <<<"$p"
    for part in "${parts[@]}"; do
        case $part in
            ''|.) ;;
            ..) out=${out%/*} ;;
            *) out=$out/$part ;;
        esac
    done
    REPLY=${out:-/}
}

# Sets REPLY to the path of the first executable $1 on PATH ('' if none), like `command -v`, without a subshell.
nats4j_which() {
    local d dirs
    REPLY=''
    IFS=: read -r -a dirs <<<"$PATH"
    for d in "${dirs[@]}"; do
        if [[ -f ${d:-.}/$1 && -x ${d:-.}/$1 ]]; then
            REPLY=${d:-.}/$1
            return 0
        fi
    done
    return 1
}

if [[ ${BASH_SOURCE[0]} == */* ]]; then
    nats4j_abs_path "${BASH_SOURCE[0]%/*}/.."
else
    nats4j_abs_path ..
fi
NATS4J_ROOT=$REPLY
NATS4J_MIN_JAVA=21
NATS4J_MIN_MAVEN=3.6.3
NATS4J_MAVEN_VERSION=3.9.9
# SHA-512 of apache-maven-3.9.9-bin.tar.gz as published beside it in the repository; the download is
# checked against this pinned value and against the published .sha512 file.
NATS4J_MAVEN_SHA512=a555254d6b53d267965a3404ecb14e53c3827c09c3b94b5678835887ab404556bfaf78dcfe03ba76fa2508649dca8531c74bca4d5846513522404d48e8c4ac8b
# Base URL of the Maven repository (Maven Central's "maven2" root or a mirror of it) that Apache
# Maven is fetched from when no usable mvn is installed. The only place this address is read.
NATS4J_MAVEN_REPO="${NATS4J_MAVEN_REPO:-}"

nats4j_log() { printf 'nats4j: %s\n' "$*" >&2; }

# Sets REPLY to the version of the JDK at $1 ("25.0.3", "17.0.15", "1.8.0_292"), or to ''.
# Reads the JDK's release file when it has one: no JVM is started, no process is forked (the
# launcher runs this on every start).
nats4j_java_version() {
    local home=$1 line
    REPLY=''
    if [[ -r $home/release ]]; then
        while IFS= read -r line; do
            if [[ $line =~ ^JAVA_VERSION=\"([^\"]*)\" ]]; then
                REPLY=${BASH_REMATCH[1]}
                break
            fi
        done <"$home/release"
    fi
    if [[ -z $REPLY && -x $home/bin/java ]]; then
        REPLY=$("$home/bin/java" -version 2>&1 | sed -n '1s/^[^"]*"\([^"]*\)".*/\1/p')
    fi
}

# Sets REPLY to the feature release of a version string: 1.8.0_292 -> 8, 21.0.1 -> 21, 25-ea -> 25.
nats4j_java_major() {
    local v=$1
    [[ $v == 1.* ]] && v=${v#1.}
    v=${v%%[!0-9]*}
    REPLY=${v:-0}
}

# Sets REPLY to the JDK home of a java executable (following symlinks such as /usr/bin/java ->
# /etc/alternatives/java -> /usr/lib/jvm/.../bin/java).
nats4j_home_of_java() {
    local exe=$1 target d
    # Usually a symlink chain into one of the usual JDK folders (/usr/bin/java -> /etc/alternatives/java ->
    # /usr/lib/jvm/<jdk>/bin/java): -ef (same file) finds it without forking readlink.
    if [[ -L $exe ]]; then
        for d in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk*; do
            if [[ $d/bin/java -ef $exe ]]; then
                REPLY=$d
                return 0
            fi
        done
    fi
    while [[ -L $exe ]]; do
        target=$(readlink "$exe")
        [[ $target == /* ]] && exe=$target || exe=${exe%/*}/$target
    done
    exe=${exe%/*}   # .../bin
    REPLY=${exe%/*} # the home
    # macOS /usr/bin/java is a stub, not inside a JDK: ask java_home instead.
    if [[ ! -r $REPLY/release && -x /usr/libexec/java_home ]]; then
        REPLY=$(/usr/libexec/java_home 2>/dev/null || printf '%s' "$REPLY")
    fi
}

nats4j_java_ok() { # $1 = home; succeeds (and sets the globals) when it holds a JDK >= 21
    local home=$1 v
    [[ -n $home && -x $home/bin/java ]] || return 1
    nats4j_java_version "$home"
    v=$REPLY
    [[ -n $v ]] || return 1
    nats4j_java_major "$v"
    (( REPLY >= NATS4J_MIN_JAVA )) || return 1
    NATS4J_JAVA_HOME=$home
    NATS4J_JAVA_VERSION=$v
}

nats4j_find_java() {
    if [[ -n ${NATS4J_JAVA_HOME:-} ]] && nats4j_java_ok "$NATS4J_JAVA_HOME"; then
        export JAVA_HOME=$NATS4J_JAVA_HOME
        return 0
    fi
    if [[ -n ${JAVA_HOME:-} ]] && nats4j_java_ok "$JAVA_HOME"; then
        return 0
    fi
    if nats4j_which java && nats4j_home_of_java "$REPLY" && nats4j_java_ok "$REPLY"; then
        export JAVA_HOME=$NATS4J_JAVA_HOME
        return 0
    fi
    # Newest JDK >= 21 in the usual places.
    local best='' best_v='' d v
    shopt -s nullglob
    for d in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home \
             "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
        [[ -d $d && -x $d/bin/java && -x $d/bin/javac ]] || continue
        nats4j_java_version "$d"
        v=$REPLY
        [[ -n $v ]] || continue
        nats4j_java_major "$v"
        (( REPLY >= NATS4J_MIN_JAVA )) || continue
        if [[ -z $best_v ]] || { [[ $v != "$best_v" ]] && nats4j_version_ge "$v" "$best_v"; }; then
            best=$d best_v=$v
        fi
    done
    shopt -u nullglob
    if [[ -n $best ]]; then
        NATS4J_JAVA_HOME=$best
        NATS4J_JAVA_VERSION=$best_v
        export JAVA_HOME=$best
        return 0
    fi
    nats4j_log "no JDK ${NATS4J_MIN_JAVA} or newer found."
    nats4j_log "looked at \$JAVA_HOME (${JAVA_HOME:-unset}), java on PATH ($(command -v java || echo none)),"
    nats4j_log "and /usr/lib/jvm, /usr/java, /opt/java, /opt/jdk*, /Library/Java/JavaVirtualMachines."
    nats4j_log "install a JDK >= ${NATS4J_MIN_JAVA} (e.g. 'apt-get install openjdk-21-jdk-headless') or set JAVA_HOME to one."
    return 1
}

nats4j_version_ge() { # $1 >= $2 ?
    [[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$2" ]]
}

nats4j_fetch() { # url file
    if command -v curl >/dev/null; then
        curl -fsSL --retry 3 -o "$2" "$1"
    elif command -v wget >/dev/null; then
        wget -q -O "$2" "$1"
    else
        nats4j_log "neither curl nor wget is installed: cannot fetch $1"
        return 1
    fi
}

nats4j_sha512() {
    if command -v sha512sum >/dev/null; then
        sha512sum "$1" | cut -d' ' -f1
    else
        shasum -a 512 "$1" | cut -d' ' -f1
    fi
}

nats4j_download_maven() {
    local dest=$1 repo=${NATS4J_MAVEN_REPO%/}
    if [[ -z $repo ]]; then
        nats4j_log "no Maven >= ${NATS4J_MIN_MAVEN} on PATH, and NATS4J_MAVEN_REPO is not set."
        nats4j_log "install Maven, or set NATS4J_MAVEN_REPO to the base URL of Maven Central (its /maven2 root)"
        nats4j_log "or of a mirror, and Apache Maven ${NATS4J_MAVEN_VERSION} is fetched into .build/maven."
        return 1
    fi
    local name="apache-maven-${NATS4J_MAVEN_VERSION}-bin.tar.gz"
    local url="$repo/org/apache/maven/apache-maven/${NATS4J_MAVEN_VERSION}/$name"
    local tmp
    mkdir -p "$NATS4J_ROOT/.build/maven"
    tmp=$(mktemp -d "$NATS4J_ROOT/.build/maven/download.XXXXXX")
    nats4j_log "fetching Apache Maven ${NATS4J_MAVEN_VERSION} from $url"
    if ! nats4j_fetch "$url" "$tmp/$name" || ! nats4j_fetch "$url.sha512" "$tmp/$name.sha512"; then
        rm -rf "$tmp"
        return 1
    fi
    local got published
    got=$(nats4j_sha512 "$tmp/$name")
    published=$(cut -d' ' -f1 < "$tmp/$name.sha512" | tr -d '[:space:]')
    if [[ $got != "$NATS4J_MAVEN_SHA512" || $got != "$published" ]]; then
        nats4j_log "checksum mismatch for $name: got $got, expected $NATS4J_MAVEN_SHA512 (published: $published)"
        rm -rf "$tmp"
        return 1
    fi
    tar -xzf "$tmp/$name" -C "$tmp"
    rm -rf "$dest"
    mv "$tmp/apache-maven-${NATS4J_MAVEN_VERSION}" "$dest"
    rm -rf "$tmp"
    nats4j_log "Apache Maven ${NATS4J_MAVEN_VERSION} installed in ${dest#"$NATS4J_ROOT"/}"
}

# Version of the mvn at $1 (needs JAVA_HOME set: mvn -v starts a JVM).
nats4j_maven_version() {
    "$1" -B -v 2>/dev/null | sed -n 's/.*Apache Maven \([0-9][0-9.]*[0-9]\).*/\1/p' | head -n1
}

nats4j_find_mvn() {
    [[ -n ${NATS4J_MVN:-} ]] && return 0
    local m v
    if m=$(command -v mvn); then
        v=$(nats4j_maven_version "$m")
        if [[ -n $v ]] && nats4j_version_ge "$v" "$NATS4J_MIN_MAVEN"; then
            NATS4J_MVN=$m
            return 0
        fi
        nats4j_log "ignoring $m (Maven ${v:-of unknown version}; need >= ${NATS4J_MIN_MAVEN})"
    fi
    local dest="$NATS4J_ROOT/.build/maven/apache-maven-${NATS4J_MAVEN_VERSION}"
    if [[ ! -x $dest/bin/mvn && -z $NATS4J_MAVEN_REPO ]] && nats4j_install_maven_package; then
        NATS4J_MVN=$(command -v mvn)
        return 0
    fi
    if [[ ! -x $dest/bin/mvn ]]; then
        nats4j_download_maven "$dest" || return 1
    fi
    NATS4J_MVN=$dest/bin/mvn
}

# On a Debian or Ubuntu machine without Maven (and no NATS4J_MAVEN_REPO given), installs the distribution's
# maven package with apt-get, as root or through passwordless sudo. Returns non-zero when that is not possible.
nats4j_install_maven_package() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=()
    if [[ $(id -u) != 0 ]]; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    nats4j_log "no Maven >= ${NATS4J_MIN_MAVEN} found: installing the distribution's maven package (apt-get)..."
    if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq maven; } \
            </dev/null >&2; then
        nats4j_log "apt-get could not install maven"
        return 1
    fi
    local m v
    m=$(command -v mvn) || return 1
    v=$(nats4j_maven_version "$m")
    [[ -n $v ]] && nats4j_version_ge "$v" "$NATS4J_MIN_MAVEN"
}
