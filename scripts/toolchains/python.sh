#!/usr/bin/env bash
# Python toolchain for the UniFFI Python bindings: a virtualenv cached in
#   ${EHK_TOOLCHAIN_CACHE:-/var/cache/ehk-toolchains}/venv
# made with `python3 -m venv` (the base interpreter is ${EHK_PYTHON:-python3};
# on this machine that is pyenv's CPython 3.11), packages from PyPI.
#
# Usage (as root or any user that can write the cache):
#   python.sh [PKG...]                  ensure the venv, pip-install the PKGs
#                                       that are missing (any pip requirement
#                                       spec: pycose, 'cbor2>=5', -r req.txt)
#   python.sh --print-python [PKG...]   same, then print the venv's python path
#   python.sh --print-env [PKG...]      same, then print export lines (eval them):
#                                         VENV_PYTHON   $CACHE/venv/bin/python
#                                         PYTHON_VENV   $CACHE/venv
#   source python.sh [PKG...]           same, then export those variables here
#   python.sh --self-test [PKG...]      check the venv (isolated prefix, pip,
#                                       ctypes loading libc as UniFFI's Python
#                                       bindings do) and that each PKG is
#                                       installed
#   python.sh --rebuild [PKG...]        delete the venv and make it again
#
# Cached runs do not touch the network: packages are first installed with
# `pip install --no-index`, which succeeds when they are already there; only
# if that fails is PyPI asked. The venv is rebuilt when it is broken (e.g. the
# base interpreter vanished) or the base interpreter's version changed.
#
# Measured on the project machine (2 cores, Rust build running alongside):
#   first install (venv + pycose and its dependencies): 6.5 s
#   cached re-run (`python.sh pycose`, no network): 0.55 s
#   size: 51 MB with pycose
#   self-test: 1 s

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: install in a child bash (its errors must not kill the caller's
    # shell, and its helper functions must not leak into it), then export the
    # variables here.
    if _ehk_env="$(bash "${BASH_SOURCE[0]}" --print-env "$@")"; then
        eval "$_ehk_env"
        unset _ehk_env
        return 0
    fi
    unset _ehk_env
    echo "[python] ERROR: could not set up the Python venv (see above)" >&2
    return 1
fi

_ehk_python_main() {
    EHK_TOOL=python
    local script_dir
    script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    # shellcheck source=lib.sh
    . "$script_dir/lib.sh"
    PY_SCRIPT="$script_dir/python.sh"
    VENV="$EHK_CACHE/venv"
    VENV_PY="$VENV/bin/python"
    VENV_MARKER="$VENV/.ehk-complete"
    BASE_PY="${EHK_PYTHON:-python3}"

    local action=install rebuild=0 pkgs=() a
    for a in "$@"; do
        case "$a" in
            --print-python) action=print-python ;;
            --print-env) action=print-env ;;
            --self-test) action=self-test ;;
            --rebuild) rebuild=1 ;;
            -h | --help)
                awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$PY_SCRIPT"
                return 0
                ;;
            *) pkgs+=("$a") ;;
        esac
    done

    ehk_cache_init
    ehk_lock python-install
    [ "$rebuild" = 1 ] && rm -f "$VENV_MARKER"
    ensure_venv
    [ "${#pkgs[@]}" -eq 0 ] || ensure_packages "${pkgs[@]}"
    ehk_unlock

    case "$action" in
        install) ;;
        print-python) echo "$VENV_PY" ;;
        print-env)
            ehk_export_line VENV_PYTHON "$VENV_PY"
            ehk_export_line PYTHON_VENV "$VENV"
            ;;
        self-test) self_test "${pkgs[@]}" ;;
    esac
}

base_version() {
    "$BASE_PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null
}

venv_is_complete() {
    [ -f "$VENV_MARKER" ] && [ -x "$VENV_PY" ] || return 1
    local want have
    want="$(base_version)" || return 1
    have="$("$VENV_PY" -c 'import sys, pip; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" ||
        return 1
    [ "$want" = "$have" ]
}

ensure_venv() {
    venv_is_complete && return 0
    command -v "$BASE_PY" >/dev/null 2>&1 || ehk_die "base interpreter '$BASE_PY' not found (set EHK_PYTHON)"
    local version t0 t1
    version="$(base_version)" || ehk_die "'$BASE_PY' does not run"
    t0=$(date +%s)
    ehk_log "creating venv $VENV with $BASE_PY ($version)"
    if [ -e "$VENV" ]; then
        ehk_log "removing incomplete or outdated venv $VENV"
        rm -rf "$VENV" || ehk_die "cannot remove $VENV"
    fi
    if ! "$BASE_PY" -m venv "$VENV" >&2; then
        rm -rf "$VENV"
        # Debian's own python3 needs python3-venv for ensurepip.
        if [ "$(command -v "$BASE_PY")" = /usr/bin/python3 ] || [ "$(command -v "$BASE_PY")" = /bin/python3 ]; then
            ehk_need_root
            ehk_apt_install python3-venv
            "$BASE_PY" -m venv "$VENV" >&2 || ehk_die "$BASE_PY -m venv $VENV failed"
        else
            ehk_die "$BASE_PY -m venv $VENV failed"
        fi
    fi
    "$VENV_PY" -m pip --version >/dev/null 2>&1 || ehk_die "pip does not work in the new venv $VENV"
    t1=$(date +%s)
    {
        echo "base=$(command -v "$BASE_PY")"
        echo "version=$version"
        echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "create_seconds=$((t1 - t0))"
    } >"$VENV_MARKER"
}

ensure_packages() {
    # fast path, no network: succeeds iff everything is already installed
    if "$VENV_PY" -m pip install --disable-pip-version-check --no-index -q "$@" >/dev/null 2>&1; then
        return 0
    fi
    ehk_log "pip install $*"
    "$VENV_PY" -m pip install --disable-pip-version-check -q "$@" >&2 ||
        ehk_die "pip install $* failed"
}

self_test() {
    local passed=0
    "$VENV_PY" - <<'EOF' || ehk_die "self-test: venv checks failed"
import ctypes, ctypes.util, os, sys
assert sys.prefix != sys.base_prefix, "not running inside a venv"
libc = ctypes.CDLL(ctypes.util.find_library("c"))
assert libc.getpid() == os.getpid(), "ctypes getpid mismatch"
print("Hello from Python %s in %s" % (sys.version.split()[0], sys.prefix))
EOF
    passed=$((passed + 1))
    "$VENV_PY" -m pip --disable-pip-version-check check >&2 || ehk_die "self-test: pip check failed"
    passed=$((passed + 1))
    local p name
    for p in "$@"; do
        case "$p" in -*) continue ;; esac
        name="$(printf '%s' "$p" | sed -E 's/[[<>=!~;@ ].*$//')"
        [ -n "$name" ] || continue
        "$VENV_PY" -c 'import importlib.metadata as m, sys; print(sys.argv[1], m.version(sys.argv[1]))' "$name" ||
            ehk_die "self-test: package $name is not installed in $VENV"
        passed=$((passed + 1))
    done
    echo "python self-test: $passed passed, 0 failed"
}

set -euo pipefail
_ehk_python_main "$@"
