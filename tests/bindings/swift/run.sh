#!/usr/bin/env bash
# Swift binding tests: compiles the generated EhkCore.swift (as module EhkCore, against the
# EhkCoreFFI module map and the host-built libehk_ffi.so) and the story, store and news tests in this directory
# inside the Swift chroot of scripts/toolchains/swift.sh, runs them, and exits with their status.
# The last line of a run is `swift: N passed, M failed`.
# The store/feed tests start `ehk serve` (EHK_BIN, exported by scripts/test-bindings.sh; else
# BINDINGS_DIR/bin/ehk) inside the chroot; a trap stops any server a crashed run left behind.
#
# Usage: tests/bindings/swift/run.sh [BINDINGS_DIR]      (default: build/bindings)
# Build output goes to BINDINGS_DIR/../swift-tests (outside the source tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

resolve_bindings "${1:-}"
OUT="$BUILD_ROOT/swift-tests"
ensure_swift
resolve_ehk_bin
rm -rf "$OUT"
mkdir -p "$OUT"
SERVER_PIDS="$OUT/servers.pid"
: >"$SERVER_PIDS"
trap 'stop_servers "$SERVER_PIDS"' EXIT

t0=$(now_ms)
log "compiling EhkCore.swift and the story tests (bindings: $BINDINGS, output: $OUT)"
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" -- env B="$BINDINGS" S="$SWIFT_TESTS_DIR" O="$OUT" sh -c '
    set -eu
    swiftc -module-name EhkCore -parse-as-library -emit-library -static \
        -emit-module -emit-module-path "$O/EhkCore.swiftmodule" \
        -I "$B/swift" "$B/swift/EhkCore.swift" -o "$O/libEhkCore.a"
    swiftc -module-name SwiftStory -I "$O" -I "$B/swift" -L "$O" -L "$B/lib" -lEhkCore -lehk_ffi \
        "$S/Harness.swift" "$S/Fixtures.swift" "$S/FeedServer.swift" "$S/StoryTests.swift" \
        "$S/StoreTests.swift" "$S/NewsTests.swift" "$S/main.swift" -o "$O/story"
' || die "compiling the Swift binding tests failed"
t1=$(now_ms)
log "compiled in $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s; running"

set +e
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" "$EHK_BIN_DIR" -- env LD_LIBRARY_PATH="$BINDINGS/lib" \
    EHK_BIN="$EHK_BIN" EHK_SERVER_PIDS="$SERVER_PIDS" "$OUT/story" | tee "$OUT/story.log"
rc=${PIPESTATUS[0]}
set -e
t2=$(now_ms)
log "ran in $(((t2 - t1) / 1000)).$(((t2 - t1) % 1000 / 100)) s (exit $rc)"

summary="$(tail -n 1 "$OUT/story.log")"
if ! [[ "$summary" =~ ^swift:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    echo "swift: 0 passed, 1 failed"
    die "the test program ended without its summary line (crashed? exit $rc)"
fi
if [ "$rc" -ne 0 ]; then
    exit "$rc"
fi
if [ "${BASH_REMATCH[1]}" -eq 0 ] || [ "${BASH_REMATCH[2]}" -ne 0 ]; then
    die "summary says '$summary' but the program exited 0"
fi
