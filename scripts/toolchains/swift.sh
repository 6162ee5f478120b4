#!/usr/bin/env bash
# Swift toolchain for the UniFFI Swift bindings: a Debian trixie chroot with
# Debian's swiftlang (Swift 6.0.3), cached in
#   ${EHK_TOOLCHAIN_CACHE:-/var/cache/ehk-toolchains}/swift-chroot
# Bookworm (this machine) has no Swift package and nothing but the package
# registries is reachable, so Swift runs inside a trixie chroot built with
# debootstrap from the same Debian mirror that apt on the host uses.
#
# Usage (as root):
#   swift.sh [ensure]        install the chroot if missing, print its path
#   swift.sh --print-env     ensure, then print `export SWIFT_CHROOT=...` and
#                            `export SWIFT_SH=<this script>` lines (eval them;
#                            then: "$SWIFT_SH" run <dir> -- swiftc ...)
#   source swift.sh          ensure, then export SWIFT_CHROOT / SWIFT_SH here
#   swift.sh run <workdir> [<extra-dir>...] -- <command> [args...]
#                            run <command> inside the chroot, with cwd <workdir>.
#                            <workdir> and each <extra-dir> (host directories)
#                            are bind-mounted at the SAME path inside the
#                            chroot, so host-built .so files and sources are
#                            visible; /proc and /dev are bind-mounted too,
#                            and /tmp is a fresh tmpfs for each run.
#                            The command gets a clean environment
#                            (PATH, HOME=/root, LANG=C.UTF-8); use
#                            `-- env VAR=value cmd` to pass variables.
#                            Exit status is the command's.
#   swift.sh --self-test     hello world with swiftc (compile + run),
#                            `swiftc -parse`, and a Swift program that imports
#                            a C module (modulemap) and calls a host-built .so
#                            (what UniFFI's Swift bindings need).
#   swift.sh --rebuild       throw the cached chroot away and build it again
#
# Mounts: `run` does its mounts inside a private mount namespace
# (unshare --mount), so they vanish with the process even on SIGKILL and are
# never visible on the host; a trap unmounts them explicitly as well.
# Without unshare it falls back to host mounts under an exclusive lock with
# the same trap. Mounts left under the chroot by an earlier (killed) fallback
# run are swept before the next run and before any rebuild; the chroot is
# never deleted while something is mounted inside it.
#
# Completeness: the chroot is built in swift-chroot.partial, renamed to
# swift-chroot only after swiftc works, and then the marker
# swift-chroot.complete is written. A chroot without marker (interrupted
# build) is deleted and rebuilt.
#
# Measured on the project machine (2 cores, Rust build running alongside):
#   first install (apt-get install debootstrap + debootstrap minbase trixie +
#   apt-get install swiftlang libc6-dev inside; 72 packages, 532 MB of .debs
#   for the swiftlang step): 52 s; a rebuild under load from a parallel Rust
#   build took 97 s. The mirror is fast, so CPU (dpkg unpacking) dominates.
#   cached re-run (`swift.sh ensure` / `--print-env`): 0.03 s
#   chroot size (du -sh, after apt-get clean and removing apt lists): 2.5 GB,
#   of which 2.2 GB is /usr/libexec/swift (clang, lldb, sourcekit-lsp, ...)
#   self-test: 2 s; `swift test` (SwiftPM + XCTest, one test) on a tiny
#   package: 12 s. XCTest and swift-testing are included in swiftlang.

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: install in a child bash (its errors must not kill the caller's
    # shell, and its helper functions must not leak into it), then export the
    # variables here.
    if _ehk_env="$(bash "${BASH_SOURCE[0]}" --print-env)"; then
        eval "$_ehk_env"
        unset _ehk_env
        return 0
    fi
    unset _ehk_env
    echo "[swift] ERROR: could not set up the Swift toolchain (see above)" >&2
    return 1
fi

_ehk_swift_main() {
    EHK_TOOL=swift
    local script_dir
    script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    # shellcheck source=lib.sh
    . "$script_dir/lib.sh"
    SWIFT_SCRIPT="$script_dir/swift.sh"

    SWIFT_SUITE=trixie
    # Bump when the package set below changes, to force a rebuild.
    SWIFT_CHROOT_FORMAT=1
    SWIFT_PACKAGES=(swiftlang libc6-dev)
    CHROOT="$EHK_CACHE/swift-chroot"
    PARTIAL="$EHK_CACHE/swift-chroot.partial"
    MARKER="$EHK_CACHE/swift-chroot.complete"

    local cmd="${1:-ensure}"
    case "$cmd" in
        ensure)
            ensure_chroot
            echo "$CHROOT"
            ;;
        --print-env)
            ensure_chroot
            ehk_export_line SWIFT_CHROOT "$CHROOT"
            ehk_export_line SWIFT_SH "$SWIFT_SCRIPT"
            ;;
        run)
            shift
            cmd_run "$@"
            ;;
        --self-test)
            self_test
            ;;
        --rebuild)
            ehk_need_root
            ehk_cache_init
            ehk_lock swift-install
            rm -f "$MARKER"
            ehk_unlock
            ensure_chroot
            echo "$CHROOT"
            ;;
        -h | --help)
            awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$SWIFT_SCRIPT"
            ;;
        *)
            ehk_die "unknown command '$cmd' (try --help)"
            ;;
    esac
}

# --- Debian mirror used by the host's apt -----------------------------------
detect_mirror() {
    if [ -n "${EHK_DEBIAN_MIRROR:-}" ]; then
        echo "$EHK_DEBIAN_MIRROR"
        return
    fi
    local f uri=""
    # deb822 *.sources: first "Types: deb" stanza of the main archive
    # (a suite without -security/-updates/-backports suffix).
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk 'BEGIN { RS = "" }
            {
                u = ""; s = ""; t = ""; en = 1
                n = split($0, L, "\n")
                for (k = 1; k <= n; k++) {
                    if (L[k] ~ /^URIs:/)    { u = L[k]; sub(/^URIs:[ \t]*/, "", u) }
                    if (L[k] ~ /^Suites:/)  { s = L[k]; sub(/^Suites:[ \t]*/, "", s) }
                    if (L[k] ~ /^Types:/)   { t = L[k] }
                    if (L[k] ~ /^Enabled:[ \t]*no/) { en = 0 }
                }
                if (en && t ~ /[ \t]deb([ \t]|$)/ && u ~ /debian/ && u !~ /security/ &&
                    (" " s " ") ~ /[ \t][a-z]+[ \t]/) {
                    split(u, U, /[ \t]+/); print U[1]; exit
                }
            }' "$f")
        [ -n "$uri" ] && break
    done
    if [ -z "$uri" ]; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$f" ] || continue
            uri=$(awk '$1 == "deb" {
                    i = 2
                    if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if ($i ~ /debian/ && $i !~ /security/ && $(i+1) !~ /-(security|updates|backports)$/) { print $i; exit }
                }' "$f")
            [ -n "$uri" ] && break
        done
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# --- mount helpers -------------------------------------------------------------
# Mount points at or below $1 in this mount namespace, deepest first.
mounts_under() {
    local dir="$1"
    awk -v d="$dir" '{
            m = $5; gsub(/\\040/, " ", m)
            if (m == d || index(m, d "/") == 1) print length(m) "\t" m
        }' /proc/self/mountinfo | sort -rn | cut -f2-
}

# Unmounts everything at or below $1; dies if something stays mounted.
umount_all_under() {
    local dir="$1" m left
    [ -e "$dir" ] || return 0
    dir="$(realpath "$dir")"
    while IFS= read -r m; do
        [ -n "$m" ] || continue
        ehk_log "unmounting stale mount $m"
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(mounts_under "$dir")
    left="$(mounts_under "$dir")"
    [ -z "$left" ] || ehk_die "cannot unmount under $dir: $left"
}

# Removes a (partial) chroot directory safely: never follows into mounts.
remove_tree() {
    local dir="$1"
    [ -e "$dir" ] || return 0
    umount_all_under "$dir"
    rm -rf --one-file-system "$dir" || ehk_die "cannot remove $dir"
}

# Sweeps mounts that an interrupted host-namespace (fallback) run left under
# the chroot. Only when no fallback run is active (they hold swift-run).
sweep_stale_mounts() {
    exec 8>"$EHK_CACHE/locks/swift-run.lock"
    if flock -n -x 8; then
        [ -z "$(mounts_under "$(realpath "$CHROOT")")" ] || umount_all_under "$CHROOT"
        flock -u 8
    fi
    exec 8>&-
}

have_unshare() {
    [ "${EHK_SWIFT_NO_UNSHARE:-0}" = 1 ] && return 1
    command -v unshare >/dev/null 2>&1 &&
        unshare --mount --propagation private true 2>/dev/null
}

# The part that runs with the mounts: $1=chroot root, $2=workdir,
# $3=number of extra dirs, then the extra dirs, then the command.
# Mounts /proc, /dev, workdir and extras; ALWAYS unmounts them on exit.
# shellcheck disable=SC2016
CHROOT_INNER='
set -u
root=$1 workdir=$2 nextra=$3
shift 3
extras=()
for ((i = 0; i < nextra; i++)); do extras+=("$1"); shift; done
mounted=() created=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null ||
            echo "[swift] WARNING: could not unmount ${mounted[i]}" >&2
    done
    # drop the empty mount-point directories this run created (best effort)
    for ((i = ${#created[@]} - 1; i >= 0; i--)); do rmdir "${created[i]}" 2>/dev/null; done
    return 0
}
trap cleanup EXIT
trap "exit 129" HUP
trap "exit 130" INT
trap "exit 143" TERM
bind() { # host-path target
    [ -d "$2" ] || { mkdir -p "$2" || exit 125; created+=("$2"); }
    mount --bind "$1" "$2" || { echo "[swift] ERROR: mount --bind $1 $2 failed" >&2; exit 125; }
    mounted+=("$2")
}
bind /proc "$root/proc"
bind /dev "$root/dev"
# non-recursive /dev bind lacks devpts; apt/dpkg want a pty for their logs
if mountpoint -q /dev/pts 2>/dev/null; then bind /dev/pts "$root/dev/pts"; fi
# fresh /tmp per run: swiftc/SwiftPM leave temp dirs and lock files there
mount -t tmpfs -o mode=1777 ehk-swift-tmp "$root/tmp" ||
    { echo "[swift] ERROR: mounting a tmpfs on $root/tmp failed" >&2; exit 125; }
mounted+=("$root/tmp")
for d in "$workdir" "${extras[@]}"; do
    [ "$d" = / ] || bind "$d" "$root$d"
done
term=${TERM:-dumb}
chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="$term" \
    /bin/sh -c '\''cd "$1" || exit 125; shift; exec "$@"'\'' sh "$workdir" "$@"
'

# chroot_exec ROOT WORKDIR NEXTRA EXTRA... -- CMD...  (mounts + chroot + cleanup)
chroot_exec() {
    if have_unshare; then
        unshare --mount --propagation private -- bash -c "$CHROOT_INNER" swift-chroot "$@"
    else
        # host namespace: serialize with other runs so no one unmounts
        # another's /proc; the inner trap unmounts.
        (
            exec 8>"$EHK_CACHE/locks/swift-run.lock"
            flock -x 8
            bash -c "$CHROOT_INNER" swift-chroot "$@"
        )
    fi
}

# --- install -----------------------------------------------------------------
chroot_is_complete() {
    [ -f "$MARKER" ] && [ -x "$CHROOT/usr/bin/swiftc" ] &&
        grep -qx "format=$SWIFT_CHROOT_FORMAT" "$MARKER"
}

ensure_chroot() {
    ehk_need_root
    ehk_cache_init
    chroot_is_complete && return 0
    ehk_lock swift-install
    if chroot_is_complete; then # someone else finished it meanwhile
        ehk_unlock
        return 0
    fi
    local t0 t1 mirror suite_script include=()
    t0=$(date +%s)
    ehk_log "no complete Swift chroot in $CHROOT: building it (1-2 minutes, ~600 MB download)"
    ehk_apt_install debootstrap
    rm -f "$MARKER"
    remove_tree "$PARTIAL"
    remove_tree "$CHROOT"

    mirror="$(detect_mirror)"
    case "$mirror" in https:*) include=(--include=ca-certificates) ;; esac
    # bookworm's debootstrap knows trixie; older ones need the sid script.
    suite_script=""
    [ -e "/usr/share/debootstrap/scripts/$SWIFT_SUITE" ] ||
        suite_script=/usr/share/debootstrap/scripts/sid
    ehk_log "debootstrap --variant=minbase $SWIFT_SUITE $PARTIAL $mirror"
    # shellcheck disable=SC2086
    debootstrap --variant=minbase "${include[@]}" "$SWIFT_SUITE" "$PARTIAL" "$mirror" $suite_script >&2 ||
        ehk_die "debootstrap of $SWIFT_SUITE from $mirror failed (log: $PARTIAL/debootstrap/debootstrap.log)"

    ehk_log "installing ${SWIFT_PACKAGES[*]} inside the chroot"
    chroot_exec "$PARTIAL" / 0 /bin/sh -c '
        set -e
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "$@"
        apt-get clean
        rm -rf /var/lib/apt/lists/*
    ' sh "${SWIFT_PACKAGES[@]}" >&2 ||
        ehk_die "apt-get install ${SWIFT_PACKAGES[*]} inside the $SWIFT_SUITE chroot failed"

    local version
    version="$(chroot_exec "$PARTIAL" / 0 swiftc --version 2>&1)" ||
        ehk_die "swiftc does not run inside the new chroot: $version"
    ehk_log "swiftc in chroot: $(echo "$version" | head -1)"

    mv "$PARTIAL" "$CHROOT" || ehk_die "cannot rename $PARTIAL to $CHROOT"
    t1=$(date +%s)
    # shellcheck disable=SC2015 # die if either the write or the mv fails
    {
        echo "format=$SWIFT_CHROOT_FORMAT"
        echo "suite=$SWIFT_SUITE"
        echo "mirror=$mirror"
        echo "packages=${SWIFT_PACKAGES[*]}"
        echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "build_seconds=$((t1 - t0))"
        echo "swiftc=$(echo "$version" | head -1)"
    } >"$MARKER.tmp" && mv "$MARKER.tmp" "$MARKER" || ehk_die "cannot write $MARKER"
    ehk_log "Swift chroot ready in $((t1 - t0)) s ($(du -sh "$CHROOT" 2>/dev/null | cut -f1))"
    ehk_unlock
}

# --- run -----------------------------------------------------------------------
cmd_run() {
    [ $# -ge 1 ] || ehk_die "usage: swift.sh run <workdir> [<extra-dir>...] -- <command> [args...]"
    local dirs=() d real
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        dirs+=("$1")
        shift
    done
    [ "${1:-}" = -- ] || ehk_die "missing '--' before the command (usage: swift.sh run <workdir> [<extra-dir>...] -- <command>)"
    shift
    [ "${#dirs[@]}" -ge 1 ] || ehk_die "missing <workdir> (usage: swift.sh run <workdir> -- <command>)"
    [ $# -ge 1 ] || ehk_die "missing command after '--'"
    ensure_chroot
    local resolved=()
    for d in "${dirs[@]}"; do
        [ -d "$d" ] || ehk_die "not a directory on the host: $d"
        real="$(realpath "$d")"
        case "$real" in
            /) ;;
            /proc | /proc/* | /dev | /dev/* | /sys | /sys/* | /usr | /usr/* | /bin | /bin/* | \
                /sbin | /sbin/* | /lib | /lib/* | /lib64 | /lib64/* | /etc | /etc/*)
                ehk_die "refusing to bind-mount system directory $real over the chroot's own"
                ;;
        esac
        case "$real/" in
            "$(realpath "$EHK_CACHE")/"*) ehk_die "refusing to bind-mount $real: it is inside the toolchain cache" ;;
        esac
        resolved+=("$real")
    done
    sweep_stale_mounts
    local workdir="${resolved[0]}"
    chroot_exec "$CHROOT" "$workdir" "$((${#resolved[@]} - 1))" "${resolved[@]:1}" "$@"
}

# --- self-test -------------------------------------------------------------------
self_test() {
    ensure_chroot
    local tmp out rc=0
    tmp="$(mktemp -d /tmp/ehk-swift-selftest.XXXXXX)"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT

    cat >"$tmp/hello.swift" <<'EOF'
let parts = ["Hello", "from", "Swift"]
print(parts.joined(separator: " "))
EOF
    cat >"$tmp/parse.swift" <<'EOF'
struct Point: Equatable { var x: Int; var y: Int }
func add(_ a: Point, _ b: Point) -> Point { Point(x: a.x + b.x, y: a.y + b.y) }
EOF
    ehk_log "self-test 1/3: swiftc hello.swift && ./hello"
    out="$("$SWIFT_SCRIPT" run "$tmp" -- sh -c 'swiftc hello.swift -o hello && ./hello')" ||
        ehk_die "self-test: compiling/running hello.swift failed"
    [ "$out" = "Hello from Swift" ] || ehk_die "self-test: unexpected output '$out'"

    ehk_log "self-test 2/3: swiftc -parse"
    "$SWIFT_SCRIPT" run "$tmp" -- swiftc -parse parse.swift ||
        ehk_die "self-test: swiftc -parse parse.swift failed"
    printf 'let x = \n' >"$tmp/bad.swift"
    if "$SWIFT_SCRIPT" run "$tmp" -- swiftc -parse bad.swift 2>/dev/null; then
        ehk_die "self-test: swiftc -parse accepted a syntax error"
    fi

    ehk_log "self-test 3/3: Swift calling a host-built C .so through a modulemap"
    command -v cc >/dev/null || ehk_die "self-test needs a host C compiler (cc) to build the test .so"
    mkdir -p "$tmp/ffi/include"
    cat >"$tmp/ffi/include/ehkffi.h" <<'EOF'
#include <stdint.h>
int32_t ehk_add(int32_t a, int32_t b);
EOF
    cat >"$tmp/ffi/include/module.modulemap" <<'EOF'
module EhkFFI {
    header "ehkffi.h"
    export *
}
EOF
    cat >"$tmp/ffi/ehkffi.c" <<'EOF'
#include "ehkffi.h"
int32_t ehk_add(int32_t a, int32_t b) { return a + b; }
EOF
    cat >"$tmp/ffi/main.swift" <<'EOF'
import EhkFFI
print("ehk_add(40, 2) = \(ehk_add(40, 2))")
EOF
    cc -shared -fPIC -O2 -I "$tmp/ffi/include" -o "$tmp/ffi/libehkffi.so" "$tmp/ffi/ehkffi.c" ||
        ehk_die "self-test: building the host .so failed"
    out="$("$SWIFT_SCRIPT" run "$tmp/ffi" -- sh -c \
        'swiftc -I include -L . -lehkffi main.swift -o main && LD_LIBRARY_PATH=. ./main')" ||
        ehk_die "self-test: Swift program linking the host-built .so failed"
    [ "$out" = "ehk_add(40, 2) = 42" ] || ehk_die "self-test: unexpected FFI output '$out'"

    # no mounts may be left behind on the host
    [ -z "$(mounts_under "$(realpath "$CHROOT")")" ] ||
        ehk_die "self-test: mounts left under $CHROOT: $(mounts_under "$(realpath "$CHROOT")")"
    rm -rf "$tmp"
    trap - EXIT
    echo "swift self-test: 3 passed, 0 failed"
    return $rc
}

set -euo pipefail
_ehk_swift_main "$@"
