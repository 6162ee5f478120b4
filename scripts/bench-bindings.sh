#!/usr/bin/env bash
# The cost of one verify through each language next to the same verify in Rust, measured in
# one run on the same machine. Prints the README's table.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bindings}"
EHK_BINDINGS_PROFILE=release scripts/bindings.sh "$out" >/dev/null
results=$(mktemp)
trap 'rm -f "$results"' EXIT

cargo bench --locked -q -p ehk-issuer --bench card_report 2>/dev/null \
    | awk -F'|' '/verify static card/ {printf "BENCH rust static: %s\n", $3} /verify device-bound/ {printf "BENCH rust device-bound: %s\n", $3}' \
    | tr -s ' ' >>"$results"
PYTHONPATH="$out/python:tests/bindings/python" python3 tests/bindings/python/bench_verify.py >>"$results"
tests/bindings/kotlin/bench.sh "$out" | grep '^BENCH' >>"$results"
tests/bindings/swift/bench.sh "$out" | grep '^BENCH' >>"$results"

value() { grep "^BENCH $1 $2:" "$results" | head -1 | awk '{print $NF}'; }
echo "| language | verify static card µs | × Rust | verify device-bound µs | × Rust |"
echo "|---|---:|---:|---:|---:|"
rs=$(value rust static); rb=$(value rust device-bound)
for lang in rust python kotlin swift; do
    s=$(value "$lang" static); b=$(value "$lang" device-bound)
    awk -v l="$lang" -v s="$s" -v b="$b" -v rs="$rs" -v rb="$rb" \
        'BEGIN { printf "| %s | %.1f | %.2f | %.1f | %.2f |\n", l, s, s/rs, b, b/rb }'
done
