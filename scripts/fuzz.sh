#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ (cargo-fuzz, libFuzzer, AddressSanitizer).
#
# Usage: scripts/fuzz.sh [--smoke] [--runs N] [--seconds S] [target...]
#   default    every target for 10,000,000 executions (-runs=10000000)
#   --smoke    every target for a short time (-max_total_time, default 15 s each), as CI does
#   --runs N   other execution budget; --seconds S   stop a target after S seconds (with the
#              default or --runs: whichever comes first)
#   --no-sanitizer  build and run without AddressSanitizer (about ten times the executions
#              per second, for the long runs; the targets' own allocator still aborts on any
#              single allocation above 512 MB, and libFuzzer still watches the RSS limit and
#              the time per input); CI's smoke keeps AddressSanitizer
#   --merge    run nothing: add to fuzz/corpus/<target>/ only those inputs of the long runs
#              (fuzz/work/<target>/) that reach new edges (libFuzzer -merge=1
#              -use_counters=0: the committed corpus stays small)
#   target...  only these targets (names as in `cargo fuzz list`)
#
# Limits on every run: -rss_limit_mb=2048 (the whole process) and -malloc_limit_mb=512 (any
# single allocation); an input that crosses either is a finding, as is a panic, a sanitizer
# report, a leak or a unit running longer than 60 s. Findings land in fuzz/artifacts/<target>/.
#
# The targets are built once (one `cargo fuzz build`, into the toolchain cache, so a fresh clone
# reuses the compiled dependencies). Each run starts from the committed seeds in
# fuzz/corpus/<target>/ and writes what it finds new into fuzz/work/<target>/ (not committed;
# `--smoke` uses a temporary directory instead). Prints a table: target, executions, seconds,
# result. Exits non-zero if any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

smoke=0 merge=0 sanitizer=address runs=10000000 seconds="" targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=1 ;;
        --merge) merge=1 ;;
        --no-sanitizer) sanitizer=none ;;
        --runs) runs="$2"; shift ;;
        --seconds) seconds="$2"; shift ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        -*) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
        *) targets+=("$1") ;;
    esac
    shift
done
if [ "$smoke" = 1 ] && [ -z "$seconds" ]; then seconds=15; fi

# shellcheck source=toolchains/fuzz.sh
source scripts/toolchains/fuzz.sh
export PATH="$EHK_FUZZ_BIN:$PATH"

cd fuzz
# cargo-fuzz has no --locked: check first that the committed lock file is complete.
cargo +nightly metadata --locked --format-version 1 >/dev/null
t0=$(date +%s)
target_dir="$EHK_FUZZ_TARGET_DIR"
[ "$sanitizer" = address ] || target_dir="$EHK_FUZZ_TARGET_DIR-$sanitizer"
cargo +nightly fuzz build --sanitizer "$sanitizer" --target-dir "$target_dir"
echo "fuzz build: $(($(date +%s) - t0)) s"
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)

bin_dir="$target_dir/x86_64-unknown-linux-gnu/release"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
limits=(-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=60 -print_final_stats=1)
budget=()
[ "$smoke" = 1 ] || budget+=(-runs="$runs")
[ -z "$seconds" ] || budget+=(-max_total_time="$seconds")

if [ "$merge" = 1 ]; then
    for t in "${targets[@]}"; do
        mkdir -p "$ROOT/fuzz/work/$t"
        "$bin_dir/$t" -merge=1 -use_counters=0 "${limits[@]}" "$ROOT/fuzz/corpus/$t" "$ROOT/fuzz/work/$t" \
            >"$logs/$t.log" 2>&1 || { tail -n 20 "$logs/$t.log"; exit 1; }
        echo "$t: $(find "$ROOT/fuzz/corpus/$t" -type f | wc -l) inputs, $(du -sh "$ROOT/fuzz/corpus/$t" | cut -f1)"
    done
    exit 0
fi

rows=() failed=0
for t in "${targets[@]}"; do
    [ -x "$bin_dir/$t" ] || { echo "no fuzz target '$t' (see cargo fuzz list)" >&2; exit 2; }
    if [ "$smoke" = 1 ]; then work="$logs/corpus-$t"; else work="$ROOT/fuzz/work/$t"; fi
    mkdir -p "$work" "$ROOT/fuzz/corpus/$t" "$ROOT/fuzz/artifacts/$t"
    echo "=== $t (${budget[*]}, sanitizer: $sanitizer)"
    start=$(date +%s)
    set +e
    "$bin_dir/$t" "${limits[@]}" "${budget[@]}" -artifact_prefix="$ROOT/fuzz/artifacts/$t/" \
        "$work" "$ROOT/fuzz/corpus/$t" >"$logs/$t.log" 2>&1
    rc=$?
    set -e
    secs=$(($(date +%s) - start))
    execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$logs/$t.log" | tail -1)
    [ "$smoke" = 1 ] || cp "$logs/$t.log" "$ROOT/fuzz/work/$t.log"
    if [ "$rc" = 0 ]; then
        result=ok
    else
        failed=1
        if grep -q "out-of-memory" "$logs/$t.log"; then result=oom
        elif grep -q "LeakSanitizer" "$logs/$t.log"; then result=leak
        elif grep -q "ALARM: working on the last Unit" "$logs/$t.log"; then result=timeout
        else result="crash (exit $rc)"
        fi
        tail -n 40 "$logs/$t.log"
        grep -h "Test unit written to" "$logs/$t.log" || true
    fi
    rows+=("$(printf '%-16s %14s %8s  %s' "$t" "${execs:-?}" "$secs" "$result")")
done

printf '\n%-16s %14s %8s  %s\n' target executions seconds result
printf '%s\n' "${rows[@]}"
exit "$failed"
