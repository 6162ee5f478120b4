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

# resolve_ehk_bin: sets EHK_BIN (absolute; from the environment, else $BINDINGS/bin/ehk) and
# EHK_BIN_DIR (its directory, to mount in the chroot), and checks that it runs there.
resolve_ehk_bin() {
    local bin="${EHK_BIN:-$BINDINGS/bin/ehk}"
    [ -x "$bin" ] || die "the ehk binary '$bin' is missing (set EHK_BIN or run scripts/bindings.sh)"
    EHK_BIN="$(realpath "$bin")"
    EHK_BIN_DIR="$(dirname "$EHK_BIN")"
    in_swift "$EHK_BIN_DIR" -- "$EHK_BIN" --help >/dev/null 2>&1 ||
        die "$EHK_BIN does not run inside the Swift chroot"
}

# stop_servers PIDFILE: ends every `ehk serve` whose pid the tests wrote to PIDFILE and that is
# still running (normally none: each test stops its own server). A pid is only signalled while
# its process still is an ehk binary, so a recycled pid is left alone.
stop_servers() {
    local pid exe
    [ -f "$1" ] || return 0
    while read -r pid; do
        [ -n "$pid" ] || continue
        exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
        case "$exe" in
            */ehk) kill "$pid" 2>/dev/null && log "stopped a leftover ehk serve (pid $pid)" ;;
        esac
    done <"$1"
    return 0
}
