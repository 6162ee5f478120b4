#!/usr/bin/env bash
# Fuzzing toolchain for fuzz/ (cargo-fuzz with libFuzzer): a nightly Rust from rustup
# (`rustup toolchain install nightly --profile minimal`, only when no nightly is installed, so
# a cached run never changes the compiler under a cached build) and cargo-fuzz, built from
# crates.io with `cargo +stable install cargo-fuzz --locked` into
#   ${EHK_TOOLCHAIN_CACHE:-/var/cache/ehk-toolchains}/cargo-fuzz-$CARGO_FUZZ_VERSION
# The fuzz targets' build directory lives in the cache too ($EHK_CACHE/fuzz-target), so a fresh
# clone reuses the compiled dependencies.
#
# Usage:
#   fuzz.sh [ensure]       install what is missing, print the cargo-fuzz path
#   fuzz.sh --print-env    ensure, then print export lines (eval them):
#                            CARGO_FUZZ            .../cargo-fuzz-0.13.2/bin/cargo-fuzz
#                            EHK_FUZZ_BIN          .../cargo-fuzz-0.13.2/bin (for PATH)
#                            EHK_FUZZ_TARGET_DIR   $EHK_CACHE/fuzz-target
#   source fuzz.sh         ensure, then export those variables in this shell
#   fuzz.sh --rebuild      build cargo-fuzz again
#
# Measured on the project machine (2 cores, another build running alongside):
#   first install of cargo-fuzz (nightly already present): 82 s
#   cached re-run: 0.1 s
#   size: 2.5 MB (cargo-fuzz) + the fuzz build directory (2.8 GB)
#   first fuzz build (all dependencies, AddressSanitizer), in scripts/fuzz.sh: 24 min 42 s
#   under load (15.5 CPU minutes); after a source change (a fresh clone): 86 s

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    if _ehk_env="$(bash "${BASH_SOURCE[0]}" --print-env)"; then
        eval "$_ehk_env"
        unset _ehk_env
        return 0
    fi
    unset _ehk_env
    echo "[fuzz] ERROR: could not set up the fuzzing toolchain (see above)" >&2
    return 1
fi

_ehk_fuzz_main() {
    EHK_TOOL=fuzz
    CARGO_FUZZ_VERSION=0.13.2
    local script_dir
    script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    # shellcheck source=lib.sh
    . "$script_dir/lib.sh"
    FUZZ_SCRIPT="$script_dir/fuzz.sh"
    FUZZ_ROOT="$EHK_CACHE/cargo-fuzz-$CARGO_FUZZ_VERSION"
    CARGO_FUZZ="$FUZZ_ROOT/bin/cargo-fuzz"
    FUZZ_TARGET_DIR="$EHK_CACHE/fuzz-target"

    local cmd="${1:-ensure}"
    case "$cmd" in
        ensure)
            ensure_fuzz
            echo "$CARGO_FUZZ"
            ;;
        --print-env)
            ensure_fuzz
            ehk_export_line CARGO_FUZZ "$CARGO_FUZZ"
            ehk_export_line EHK_FUZZ_BIN "$FUZZ_ROOT/bin"
            ehk_export_line EHK_FUZZ_TARGET_DIR "$FUZZ_TARGET_DIR"
            ;;
        --rebuild)
            ehk_cache_init
            rm -rf "$FUZZ_ROOT"
            ensure_fuzz
            echo "$CARGO_FUZZ"
            ;;
        -h | --help)
            awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$FUZZ_SCRIPT"
            ;;
        *)
            ehk_die "unknown command '$cmd' (try --help)"
            ;;
    esac
}

cargo_fuzz_ok() {
    "$CARGO_FUZZ" fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"
}

ensure_fuzz() {
    ehk_cache_init
    mkdir -p "$FUZZ_TARGET_DIR" || ehk_die "cannot create $FUZZ_TARGET_DIR"
    command -v rustup >/dev/null || ehk_die "rustup is needed for the nightly toolchain (not found)"
    if ! rustup run nightly rustc --version >/dev/null 2>&1; then
        ehk_lock rust-nightly-install
        if ! rustup run nightly rustc --version >/dev/null 2>&1; then
            ehk_log "rustup toolchain install nightly --profile minimal"
            rustup toolchain install nightly --profile minimal >&2 ||
                ehk_die "rustup could not install the nightly toolchain"
        fi
        ehk_unlock
        rustup run nightly rustc --version >/dev/null 2>&1 ||
            ehk_die "nightly rustc does not run after installing it"
    fi

    cargo_fuzz_ok && return 0
    ehk_lock cargo-fuzz-install
    if cargo_fuzz_ok; then
        ehk_unlock
        return 0
    fi
    local t0
    t0=$(date +%s)
    ehk_log "cargo +stable install cargo-fuzz@$CARGO_FUZZ_VERSION --locked (into $FUZZ_ROOT)"
    cargo +stable install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked \
        --root "$FUZZ_ROOT" >&2 ||
        ehk_die "cargo install cargo-fuzz failed"
    cargo_fuzz_ok || ehk_die "cargo-fuzz was installed but '$CARGO_FUZZ fuzz --version' is not $CARGO_FUZZ_VERSION"
    ehk_log "cargo-fuzz $CARGO_FUZZ_VERSION installed in $(($(date +%s) - t0)) s"
    ehk_unlock
}

_ehk_fuzz_main "$@"
