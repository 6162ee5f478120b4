# shellcheck shell=bash
# The set-up shared by the Swift runners (source it): tests/bindings/swift/run.sh and bench.sh,
# and ios/linux-tests.sh. It resolves the bindings directory, runs commands in the Swift chroot of
# scripts/toolchains/swift.sh with the needed host directories mounted, compiles the generated
# EhkCore.swift once per bindings build for all runners, knows the Swift test support that the
# binding tests share with the kit's tests, and runs a test program with `ehk serve` available.

SWIFT_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SWIFT_TESTS_DIR/../../.." && pwd)"
SWIFT_SH="$REPO_ROOT/scripts/toolchains/swift.sh"
KIT_DIR="$REPO_ROOT/ios/EhrenamtskarteKit"
# Test support used by the kit's tests and the binding tests alike. It lives inside the Swift
# package (SwiftPM takes no sources from outside it), in a folder of the kit's test target.
SHARED_TEST_SUPPORT_DIR="$KIT_DIR/Tests/EhrenamtskarteKitTests/Shared"

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
    SWIFT_CHROOT="$(bash "$SWIFT_SH" ensure)" ||
        die "the Swift toolchain (scripts/toolchains/swift.sh) is not available"
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

# now_ms: wall clock in milliseconds; seconds_since T0_MS: "12.3 s" since then, for timing lines.
now_ms() { date +%s%3N; }
seconds_since() {
    local ms=$(($(now_ms) - $1))
    echo "$((ms / 1000)).$((ms % 1000 / 100)) s"
}

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

# setup_test_run BINDINGS_ARG OUT_NAME: the start of each test runner. Resolves the bindings and
# the Swift chroot, empties OUT="$BUILD_ROOT/OUT_NAME" (outside the source tree), finds the
# ehk binary for `ehk serve`, and installs the EXIT trap that stops any server a crashed test
# program left behind (the test support appends each server's pid to SERVER_PIDS).
setup_test_run() {
    resolve_bindings "$1"
    OUT="$BUILD_ROOT/$2"
    ensure_swift
    resolve_ehk_bin
    rm -rf "$OUT"
    mkdir -p "$OUT"
    SERVER_PIDS="$OUT/servers.pid"
    : >"$SERVER_PIDS"
    trap 'stop_servers "$SERVER_PIDS"' EXIT
}

# shared_test_support: sets SHARED_TEST_SUPPORT to the Swift files of SHARED_TEST_SUPPORT_DIR.
shared_test_support() {
    SHARED_TEST_SUPPORT=("$SHARED_TEST_SUPPORT_DIR"/*.swift)
    [ -f "${SHARED_TEST_SUPPORT[0]}" ] || die "no Swift test support in $SHARED_TEST_SUPPORT_DIR"
}

# build_ehkcore [SWIFTC_FLAG...]: compiles the generated bindings (module EhkCore, Swift 6
# language mode) against the C module EhkCoreFFI laid out as in the xcframework
# (include/EhkCoreFFI/{EhkCoreFFI.h,module.modulemap}), and sets EHKCORE to the directory with
# EhkCore.swiftmodule, libEhkCore.a and include/. The result is kept in BUILD_ROOT and reused by
# the next runner while the bindings, the flags and the toolchain are the same, so one run of
# scripts/test-bindings.sh compiles EhkCore.swift once. Flags (e.g. -O) get their own directory.
build_ehkcore() {
    local flags=("$@") suffix="" stamp t0 rc=0
    [ "${#flags[@]}" -eq 0 ] || suffix="-$(printf '%s' "${flags[*]}" | tr -cd 'A-Za-z0-9')"
    EHKCORE="$BUILD_ROOT/swift-ehkcore$suffix"
    stamp="$(cat "$BINDINGS/swift/EhkCore.swift" "$BINDINGS/swift/EhkCoreFFI.h" \
        "$BINDINGS/swift/module.modulemap" "$SWIFT_CHROOT.complete" 2>/dev/null |
        sha256sum | cut -d' ' -f1) flags: ${flags[*]}"
    exec 7>"$BUILD_ROOT/swift-ehkcore.lock" && flock 7 || die "cannot lock $BUILD_ROOT/swift-ehkcore.lock"
    if [ "$(cat "$EHKCORE/stamp" 2>/dev/null)" = "$stamp" ]; then
        log "EhkCore.swift already compiled for these bindings ($EHKCORE)"
    else
        t0=$(now_ms)
        rm -rf "$EHKCORE"
        mkdir -p "$EHKCORE/include/EhkCoreFFI"
        cp "$BINDINGS/swift/EhkCoreFFI.h" "$BINDINGS/swift/module.modulemap" "$EHKCORE/include/EhkCoreFFI/"
        in_swift "$REPO_ROOT" "$BINDINGS" "$EHKCORE" -- env B="$BINDINGS" E="$EHKCORE" sh -c '
            swiftc "$@" -swift-version 6 -module-name EhkCore -parse-as-library -emit-library -static \
                -emit-module -emit-module-path "$E/EhkCore.swiftmodule" \
                -I "$E/include" "$B/swift/EhkCore.swift" -o "$E/libEhkCore.a"
        ' sh "${flags[@]}" || rc=$?
        [ "$rc" -eq 0 ] && echo "$stamp" >"$EHKCORE/stamp"
        log "compiled EhkCore.swift${flags[*]:+ (${flags[*]})} in $(seconds_since "$t0") ($EHKCORE)"
    fi
    flock -u 7
    exec 7>&-
    [ "$rc" -eq 0 ] || die "compiling the generated EhkCore.swift failed"
}

# run_test_program LOG PROGRAM [ARG...]: runs a compiled test program in the chroot with the core
# library, EHK_BIN and EHK_SERVER_PIDS, and, when set, EHK_TEST_SERVICE_FIXTURE (the running
# issuer service of the activation tests; its directory is mounted, the service itself is reached
# on the host's loopback, which the chroot shares); its output goes to the terminal and to LOG.
# Sets TEST_RC to its exit status (the caller decides what failed).
run_test_program() {
    local log_file="$1" service=() mounts=()
    shift
    if [ -n "${EHK_TEST_SERVICE_FIXTURE:-}" ]; then
        [ -f "$EHK_TEST_SERVICE_FIXTURE" ] || die "EHK_TEST_SERVICE_FIXTURE: no file $EHK_TEST_SERVICE_FIXTURE"
        service=(EHK_TEST_SERVICE_FIXTURE="$(realpath "$EHK_TEST_SERVICE_FIXTURE")")
        mounts=("$(dirname "$(realpath "$EHK_TEST_SERVICE_FIXTURE")")")
    fi
    set +e
    in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" "$EHK_BIN_DIR" "${mounts[@]}" -- env LD_LIBRARY_PATH="$BINDINGS/lib" \
        EHK_BIN="$EHK_BIN" EHK_SERVER_PIDS="$SERVER_PIDS" "${service[@]}" "$@" 2>&1 | tee "$log_file"
    TEST_RC=${PIPESTATUS[0]}
    set -e
}
