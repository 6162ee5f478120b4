#!/usr/bin/env bash
# Per-verify cost through the Swift bindings, built with -O inside the Swift chroot:
#   BENCH swift static: <microseconds>
#   BENCH swift device-bound: <microseconds>
# (median of 21 batches of 500 verifies after a warm-up batch; no timing assertions).
#
# Usage: tests/bindings/swift/bench.sh [BINDINGS_DIR]    (default: build/bindings)
# Build output goes to BINDINGS_DIR/../swift-bench.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

resolve_bindings "${1:-}"
OUT="$BUILD_ROOT/swift-bench"
ensure_swift
rm -rf "$OUT"
mkdir -p "$OUT"
build_ehkcore -O

log "compiling the benchmark with -O (output: $OUT)"
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" "$EHKCORE" -- env B="$BINDINGS" E="$EHKCORE" O="$OUT" sh -c '
    swiftc -O -module-name SwiftBench -I "$E" -I "$E/include" -L "$E" -L "$B/lib" -lEhkCore -lehk_ffi \
        "$@" -o "$O/bench"
' sh "$SHARED_TEST_SUPPORT_DIR/Fixtures.swift" "$SWIFT_TESTS_DIR/bench/main.swift" ||
    die "compiling the Swift benchmark failed"

set +e
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" -- env LD_LIBRARY_PATH="$BINDINGS/lib" "$OUT/bench" | tee "$OUT/bench.log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || die "the benchmark failed (exit $rc)"
for what in static device-bound; do
    grep -Eq "^BENCH swift $what: [0-9]+(\.[0-9]+)?$" "$OUT/bench.log" || die "no 'BENCH swift $what' line"
done
