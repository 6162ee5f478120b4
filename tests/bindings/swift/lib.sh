# shellcheck shell=bash
# Shared by run.sh and bench.sh (source it): resolves the bindings directory, checks that the
# generated Swift bindings and the host library are there, and runs commands in the Swift chroot
# of scripts/toolchains/swift.sh with the needed host directories mounted.

SWIFT_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SWIFT_TESTS_DIR/../../.." && pwd)"
SWIFT_SH="$REPO_ROOT/scripts/toolchains/swift.sh"

: "${LOG_TAG:=swift-tests}"
die() {
    printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2
    exit 1
}
log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }

# resolve_bindings [DIR]: sets BINDINGS (absolute). A relative DIR is taken from the caller's
# working directory; without DIR, <repo>/build/bindings.
resolve_bindings() {
    local dir="${1:-$REPO_ROOT/build/bindings}"
    [ -d "$dir" ] || die "bindings directory '$dir' does not exist (run scripts/bindings.sh first)"
    BINDINGS="$(realpath "$dir")"
    local f
    for f in swift/EhkCore.swift swift/EhkCoreFFI.h swift/module.modulemap lib/libehk_ffi.so; do
        [ -s "$BINDINGS/$f" ] || die "missing $BINDINGS/$f (run scripts/bindings.sh '$dir')"
    done
    BUILD_ROOT="$(dirname "$BINDINGS")"
}

# ensure_swift: builds the cached chroot if it is missing (1-2 minutes, once per machine).
ensure_swift() {
    [ -f "$SWIFT_SH" ] || die "missing $SWIFT_SH"
    bash "$SWIFT_SH" ensure >/dev/null || die "the Swift toolchain (scripts/toolchains/swift.sh) is not available"
}

# in_swift DIR... -- CMD...: runs CMD in the chroot with each DIR mounted at the same path.
# Directories inside another listed one are not mounted twice. The first one is the workdir.
in_swift() {
    local dirs=() d e keep roots=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$(realpath "$1")"); shift; done
    shift
    for d in "${dirs[@]}"; do
        keep=1
        for e in "${dirs[@]}"; do
            [ "$d" != "$e" ] && case "$d/" in "$e"/*) keep=0 ;; esac
        done
        for e in "${roots[@]}"; do [ "$d" = "$e" ] && keep=0; done
        [ "$keep" = 1 ] && roots+=("$d")
    done
    bash "$SWIFT_SH" run "${roots[@]}" -- "$@"
}

# now_ms: wall clock in milliseconds, for the timing lines.
now_ms() { date +%s%3N; }
