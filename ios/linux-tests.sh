#!/usr/bin/env bash
# What of the iOS side can be checked without a Mac, inside the Swift chroot of
# scripts/toolchains/swift.sh (Swift 6.0.3, Linux):
#   1. builds EhkCore (the generated bindings) and EhrenamtskarteKit (Swift 6 language mode,
#      warnings as errors; the tests in Swift 5 mode, as Package.swift says; Apple-only files drop out through #if canImport) against the generated
#      bindings and the host-built libehk_ffi.so, with the C module laid out as in the
#      xcframework (Headers/EhkCoreFFI/module.modulemap);
#   2. runs the kit's XCTest cases (Tests/EhrenamtskarteKitTests, through Tests/LinuxMain.swift)
#      and prints `ios-kit: N passed, M failed`; the FeedSyncer tests start `ehk serve` on
#      loopback (EHK_BIN, exported by scripts/test-bindings.sh; else BINDINGS_DIR/bin/ehk), and a
#      trap stops any server a crashed run left behind;
#   3. `swiftc -parse` on every SwiftUI/app file and every Apple-only file of the kit,
#      `swiftc -typecheck` against the kit on the app files that import nothing Apple-only,
#      `swift package dump-package` on the package manifest, `bash -n` on build-xcframework.sh.
# Exits non-zero if anything fails or no test ran.
#
# Usage: ios/linux-tests.sh [BINDINGS_DIR]     (default: build/bindings; made by scripts/bindings.sh)
# Build output goes to BINDINGS_DIR/../ios-kit (outside the source tree).
set -euo pipefail
IOS_DIR="$(cd "$(dirname "$0")" && pwd)"
LOG_TAG=ios-kit
. "$IOS_DIR/../tests/bindings/swift/lib.sh"
KIT="$IOS_DIR/EhrenamtskarteKit"

resolve_bindings "${1:-}"
OUT="$BUILD_ROOT/ios-kit"
ensure_swift
resolve_ehk_bin
rm -rf "$OUT"
mkdir -p "$OUT/include/EhkCoreFFI"
SERVER_PIDS="$OUT/servers.pid"
: >"$SERVER_PIDS"
trap 'stop_servers "$SERVER_PIDS"' EXIT
# The same layout as the xcframework's Headers folder (see build-xcframework.sh).
cp "$BINDINGS/swift/EhkCoreFFI.h" "$BINDINGS/swift/module.modulemap" "$OUT/include/EhkCoreFFI/"
cp "$KIT/Tests/LinuxMain.swift" "$OUT/main.swift"

# Apple-only sources: the app, and kit files guarded by #if canImport of an Apple framework.
apple_only=("$IOS_DIR"/App/*.swift)
for f in "$KIT"/Sources/EhrenamtskarteKit/*.swift; do
    if grep -Eq '^#if canImport\((Security|os|UIKit|SwiftUI|AVFoundation|CoreImage)\)' "$f"; then
        apple_only+=("$f")
    fi
done
[ "${#apple_only[@]}" -gt 1 ] || die "no app sources found in $IOS_DIR/App"
# App files that import only the kit and Foundation can be type-checked here as well.
typecheck=()
for f in "$IOS_DIR"/App/*.swift; do
    if ! grep -E '^import ' "$f" | grep -Evq '^import (EhrenamtskarteKit|Foundation)$'; then
        typecheck+=("$f")
    fi
done

t0=$(now_ms)
log "building EhkCore and EhrenamtskarteKit (output: $OUT)"
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" -- env B="$BINDINGS" K="$KIT" O="$OUT" sh -c '
    set -eu
    swiftc -swift-version 6 -module-name EhkCore -parse-as-library -emit-library -static \
        -emit-module -emit-module-path "$O/EhkCore.swiftmodule" \
        -I "$O/include" "$B/swift/EhkCore.swift" -o "$O/libEhkCore.a"
    swiftc -swift-version 6 -warnings-as-errors -module-name EhrenamtskarteKit -parse-as-library \
        -emit-library -static -emit-module -emit-module-path "$O/EhrenamtskarteKit.swiftmodule" \
        -I "$O" -I "$O/include" "$K"/Sources/EhrenamtskarteKit/*.swift -o "$O/libEhrenamtskarteKit.a"
    swiftc -swift-version 5 -module-name EhrenamtskarteKitTests \
        -I "$O" -I "$O/include" -L "$O" -L "$B/lib" -lEhrenamtskarteKit -lEhkCore -lehk_ffi \
        "$K"/Tests/EhrenamtskarteKitTests/*.swift "$O/main.swift" -o "$O/kit-tests"
' || die "building the kit or its tests failed"
t1=$(now_ms)
log "built in $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s; running the kit tests"

set +e
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" "$EHK_BIN_DIR" -- env LD_LIBRARY_PATH="$BINDINGS/lib" \
    EHK_BIN="$EHK_BIN" EHK_SERVER_PIDS="$SERVER_PIDS" "$OUT/kit-tests" 2>&1 | tee "$OUT/kit-tests.log"
rc=${PIPESTATUS[0]}
set -e
passed=$(grep -Ec "^Test Case '.*' passed" "$OUT/kit-tests.log" || true)
failed=$(grep -Ec "^Test Case '.*' failed" "$OUT/kit-tests.log" || true)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # crashed before XCTest could report
fi
t2=$(now_ms)
log "tests ran in $(((t2 - t1) / 1000)).$(((t2 - t1) % 1000 / 100)) s (exit $rc)"

log "swiftc -parse on ${#apple_only[@]} Apple-only files, -typecheck on ${#typecheck[@]}; swift package dump-package; bash -n"
# dump-package on a copy, so that SwiftPM writes nothing into the source tree
mkdir -p "$OUT/package-check"
cp -R "$KIT/Package.swift" "$KIT/Sources" "$KIT/Tests" "$OUT/package-check/"
parse_rc=0
in_swift "$REPO_ROOT" "$OUT" -- env O="$OUT" sh -c '
    set -eu
    swiftc -parse "$@"
    cd "$O/package-check"
    swift package dump-package >"$O/package.json"
' sh "${apple_only[@]}" || parse_rc=$?
if [ "${#typecheck[@]}" -gt 0 ]; then
    in_swift "$REPO_ROOT" "$OUT" -- env O="$OUT" sh -c '
        swiftc -swift-version 5 -typecheck -I "$O" -I "$O/include" "$@"
    ' sh "${typecheck[@]}" || parse_rc=$?
fi
grep -q '"EhkCoreFFI.xcframework"' "$OUT/package.json" 2>/dev/null ||
    { log "Package.swift: no binary target EhkCoreFFI.xcframework in the manifest dump"; parse_rc=1; }
bash -n "$IOS_DIR/build-xcframework.sh" || parse_rc=$?
t3=$(now_ms)
if [ "$parse_rc" -eq 0 ]; then
    log "parse checks passed: $(printf '%s ' "${apple_only[@]#"$IOS_DIR"/}")"
    log "type-checked against the kit: $(printf '%s ' "${typecheck[@]#"$IOS_DIR"/}")($(((t3 - t2) / 1000)).$(((t3 - t2) % 1000 / 100)) s)"
else
    log "ERROR: parse checks failed"
fi

echo "ios-kit: $passed passed, $failed failed"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$parse_rc" -ne 0 ]; then
    exit 1
fi
