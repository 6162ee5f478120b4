# shellcheck shell=bash
# Shared helpers for scripts/toolchains/*.sh. Source it, do not run it.
#
# Everything is cached in a FIXED directory outside the checkout:
#   EHK_TOOLCHAIN_CACHE (default /var/cache/ehk-toolchains)
# so a fresh clone (CI) reuses what an earlier run installed on the same
# machine, while a new machine installs everything again from the package
# registries (apt, npm, PyPI). No other network access is needed.

EHK_CACHE="${EHK_TOOLCHAIN_CACHE:-/var/cache/ehk-toolchains}"

# Name used in messages; each script sets EHK_TOOL before sourcing.
: "${EHK_TOOL:=toolchains}"

ehk_log() { printf '[%s] %s\n' "$EHK_TOOL" "$*" >&2; }

ehk_die() {
    printf '[%s] ERROR: %s\n' "$EHK_TOOL" "$*" >&2
    exit 1
}

ehk_need_root() {
    [ "$(id -u)" -eq 0 ] || ehk_die "must run as root (apt-get/chroot/mount are needed)"
}

ehk_cache_init() {
    mkdir -p "$EHK_CACHE" "$EHK_CACHE/locks" ||
        ehk_die "cannot create cache directory $EHK_CACHE (set EHK_TOOLCHAIN_CACHE to a writable path)"
}

# ehk_lock NAME: takes an exclusive lock for the rest of the process so two
# concurrent installs of the same toolchain (e.g. CI and a developer) do not
# trample each other. Uses fd 9.
ehk_lock() {
    local name="$1"
    exec 9>"$EHK_CACHE/locks/$name.lock" || ehk_die "cannot open lock file for $name"
    if ! flock -n 9; then
        ehk_log "waiting for another process installing/using $name (lock $EHK_CACHE/locks/$name.lock)"
        flock 9 || ehk_die "cannot take lock $name"
    fi
}

ehk_unlock() { flock -u 9 2>/dev/null || true; exec 9>&-; }

# ehk_apt_install PKG...: installs Debian packages; runs 'apt-get update'
# only when the first attempt fails (unknown package / stale lists).
ehk_apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    ehk_log "apt-get install ${missing[*]}"
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; then
        return 0
    fi
    ehk_log "apt-get install failed; running apt-get update and retrying"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
        ehk_die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
        ehk_die "apt-get install ${missing[*]} failed"
}

# shell-quotes a value for the "export X=..." lines printed by --print-env
ehk_export_line() { printf 'export %s=%q\n' "$1" "$2"; }
