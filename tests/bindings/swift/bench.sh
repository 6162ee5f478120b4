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

log "compiling the benchmark with -O (output: $OUT)"
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" -- env B="$BINDINGS" S="$SWIFT_TESTS_DIR" O="$OUT" sh -c '
    set -eu
    swiftc -O -module-name EhkCore -parse-as-library -emit-library -static \
        -emit-module -emit-module-path "$O/EhkCore.swiftmodule" \
        -I "$B/swift" "$B/swift/EhkCore.swift" -o "$O/libEhkCore.a"
    swiftc -O -module-name SwiftBench -I "$O" -I "$B/swift" -L "$O" -L "$B/lib" -lEhkCore -lehk_ffi \
        "$S/Fixtures.swift" "$S/bench/main.swift" -o "$O/bench"
' || die "compiling the Swift benchmark failed"

set +e
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" -- env LD_LIBRARY_PATH="$BINDINGS/lib" "$OUT/bench" | tee "$OUT/bench.log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || die "the benchmark failed (exit $rc)"
for what in static device-bound; do
    grep -Eq "^BENCH swift $what: [0-9]+(\.[0-9]+)?$" "$OUT/bench.log" || die "no 'BENCH swift $what' line"
done
