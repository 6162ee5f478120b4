#!/usr/bin/env bash
# What of the iOS side can be checked without a Mac, inside the Swift chroot of
# scripts/toolchains/swift.sh (Swift 6.0.3, Linux):
#   1. builds EhrenamtskarteKit (Swift 6 language mode, warnings as errors; the tests in Swift 5
#      mode, as Package.swift says; Apple-only files drop out through #if canImport) against the
#      generated bindings (EhkCore, compiled once for this runner and
#      tests/bindings/swift/run.sh by build_ehkcore in tests/bindings/swift/lib.sh, with the C
#      module laid out as in the xcframework: Headers/EhkCoreFFI/module.modulemap) and the
#      host-built libehk_ffi.so;
#   2. runs the kit's XCTest cases (Tests/EhrenamtskarteKitTests with its folder Shared/, the
#      test support that the binding tests compile as well; through Tests/LinuxMain.swift)
#      and prints `ios-kit: N passed, M failed`; the feed and geofencing tests start `ehk serve` on
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

setup_test_run "${1:-}" ios-kit
build_ehkcore
cp "$KIT/Tests/LinuxMain.swift" "$OUT/main.swift"
# The test target's files, with its folder Shared/ (the support the binding tests use as well),
# as SwiftPM takes them.
mapfile -t kit_tests < <(find "$KIT/Tests/EhrenamtskarteKitTests" -name '*.swift' | sort)

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
log "building EhrenamtskarteKit and its tests (output: $OUT)"
in_swift "$REPO_ROOT" "$BINDINGS" "$OUT" "$EHKCORE" -- env B="$BINDINGS" E="$EHKCORE" K="$KIT" O="$OUT" sh -c '
    set -eu
    swiftc -swift-version 6 -warnings-as-errors -module-name EhrenamtskarteKit -parse-as-library \
        -emit-library -static -emit-module -emit-module-path "$O/EhrenamtskarteKit.swiftmodule" \
        -I "$E" -I "$E/include" "$K"/Sources/EhrenamtskarteKit/*.swift -o "$O/libEhrenamtskarteKit.a"
    swiftc -swift-version 5 -module-name EhrenamtskarteKitTests \
        -I "$O" -I "$E" -I "$E/include" -L "$O" -L "$E" -L "$B/lib" -lEhrenamtskarteKit -lEhkCore -lehk_ffi \
        "$@" "$O/main.swift" -o "$O/kit-tests"
' sh "${kit_tests[@]}" || die "building the kit or its tests failed"
log "built in $(seconds_since "$t0"); running the kit tests"

t1=$(now_ms)
run_test_program "$OUT/kit-tests.log" "$OUT/kit-tests"
rc=$TEST_RC
passed=$(grep -Ec "^Test Case '.*' passed" "$OUT/kit-tests.log" || true)
failed=$(grep -Ec "^Test Case '.*' failed" "$OUT/kit-tests.log" || true)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # crashed before XCTest could report
fi
log "tests ran in $(seconds_since "$t1") (exit $rc)"

t2=$(now_ms)
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
    in_swift "$REPO_ROOT" "$OUT" "$EHKCORE" -- env O="$OUT" E="$EHKCORE" sh -c '
        swiftc -swift-version 5 -typecheck -I "$O" -I "$E" -I "$E/include" "$@"
    ' sh "${typecheck[@]}" || parse_rc=$?
fi
grep -q '"EhkCoreFFI.xcframework"' "$OUT/package.json" 2>/dev/null ||
    { log "Package.swift: no binary target EhkCoreFFI.xcframework in the manifest dump"; parse_rc=1; }
bash -n "$IOS_DIR/build-xcframework.sh" || parse_rc=$?
if [ "$parse_rc" -eq 0 ]; then
    log "parse checks passed: $(printf '%s ' "${apple_only[@]#"$IOS_DIR"/}")"
    log "type-checked against the kit: $(printf '%s ' "${typecheck[@]#"$IOS_DIR"/}")($(seconds_since "$t2"))"
else
    log "ERROR: parse checks failed"
fi

echo "ios-kit: $passed passed, $failed failed"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$parse_rc" -ne 0 ]; then
    exit 1
fi
