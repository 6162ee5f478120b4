#!/usr/bin/env bash
# Swift binding tests: the card story, and each method, record and error of the store database
# and the news engine crossing the FFI, against the generated EhkCore.swift (module EhkCore, see
# build_ehkcore in lib.sh) and the host-built libehk_ffi.so, inside the Swift chroot of
# scripts/toolchains/swift.sh. The test program is this directory's Harness.swift, *Tests.swift and
# main.swift with the test support it shares with the kit's tests
# (ios/EhrenamtskarteKit/Tests/EhrenamtskarteKitTests/Shared). The last line of a run is
# `swift: N passed, M failed`; the exit status is non-zero if any test failed or none ran.
# The store/news tests start `ehk serve` (EHK_BIN, exported by scripts/test-bindings.sh; else
# BINDINGS_DIR/bin/ehk) inside the chroot; a trap stops any server a crashed run left behind.
#
# Usage: tests/bindings/swift/run.sh [BINDINGS_DIR]      (default: build/bindings)
# Build output goes to BINDINGS_DIR/../swift-tests (outside the source tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

setup_test_run "${1:-}" swift-tests
build_ehkcore
shared_test_support
tests=("$SWIFT_TESTS_DIR/Harness.swift" "$SWIFT_TESTS_DIR"/*Tests.swift "$SWIFT_TESTS_DIR/main.swift")

t0=$(now_ms)
log "compiling the binding tests (bindings: $BINDINGS, output: $OUT)"
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" "$EHKCORE" -- env B="$BINDINGS" E="$EHKCORE" O="$OUT" sh -c '
    swiftc -swift-version 5 -module-name SwiftBindingTests -I "$E" -I "$E/include" \
        -L "$E" -L "$B/lib" -lEhkCore -lehk_ffi "$@" -o "$O/binding-tests"
' sh "${SHARED_TEST_SUPPORT[@]}" "${tests[@]}" || die "compiling the Swift binding tests failed"
log "compiled in $(seconds_since "$t0"); running"

t1=$(now_ms)
run_test_program "$OUT/binding-tests.log" "$OUT/binding-tests"
log "ran in $(seconds_since "$t1") (exit $TEST_RC)"

summary="$(grep -E '^swift: [0-9]+ passed, [0-9]+ failed$' "$OUT/binding-tests.log" | tail -n 1 || true)"
if ! [[ "$summary" =~ ^swift:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    echo "swift: 0 passed, 1 failed"
    die "the test program ended without its summary line (crashed? exit $TEST_RC)"
fi
if [ "$TEST_RC" -ne 0 ]; then
    exit "$TEST_RC"
fi
if [ "${BASH_REMATCH[1]}" -eq 0 ] || [ "${BASH_REMATCH[2]}" -ne 0 ]; then
    die "summary says '$summary' but the program exited 0"
fi
